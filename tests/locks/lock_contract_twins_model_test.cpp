// Broken twins of the contract bodies in tests/support/lock_contract.hpp: each body must catch
// the lock that breaks the guarantee it checks (so no contract test is one that cannot fail).
#include <lockstep/check.hpp>

#include <chrono>

#include "../support/lock_contract.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;
using namespace lockstep_test;

namespace {

// try_lock() that reports success without checking whether the lock is held.
class OptimisticTryLock {
 public:
  void lock() { m_.lock(); }
  bool try_lock() {
    (void)m_.try_lock();
    return true;  // BUG: true even when another thread holds it
  }
  void unlock() { m_.unlock(); }

 private:
  P::mutex m_;
};

// try_lock_for() that makes one attempt and gives up at once, before its deadline.
class ImpatientTimedLock {
 public:
  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  bool try_lock_for(std::chrono::nanoseconds) { return m_.try_lock(); }  // BUG: no waiting
  void unlock() { m_.unlock(); }

 private:
  P::mutex m_;
};

// try_lock_for() that waits the deadline out but never retries: a release before the deadline
// is missed.
class OneShotTimedLock {
 public:
  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  bool try_lock_for(std::chrono::nanoseconds d) {
    if (m_.try_lock()) return true;
    P::this_thread::sleep_for(d);
    return false;  // BUG: no attempt after the wait
  }
  void unlock() { m_.unlock(); }

 private:
  P::mutex m_;
};

const auto try_for = [](auto& l, P::clock::time_point, std::chrono::nanoseconds d) {
  return l.try_lock_for(d);
};

}  // namespace

LOCKSTEP_TEST(contract_twin_optimistic_try_lock_is_caught, {.expect = failure_kind::assertion}) {
  try_lock_fails_while_held<OptimisticTryLock>();
}
LOCKSTEP_TEST(contract_twin_impatient_timed_lock_gives_up_early_is_caught,
              {.expect = failure_kind::assertion}) {
  timed_fails_only_after_deadline<ImpatientTimedLock>(try_for, 25us);
}
LOCKSTEP_TEST(contract_twin_one_shot_timed_lock_misses_release_is_caught,
              {.expect = failure_kind::assertion}) {
  timed_succeeds_if_released_before_deadline<OneShotTimedLock>(try_for, 25us);
}
