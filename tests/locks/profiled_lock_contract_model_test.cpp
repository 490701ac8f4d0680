// Contract tests of ProfiledLock (lockstep/profiled_lock.hpp), one per stated guarantee (issue
// 18 item 5): the wrapped lock's exclusion (also under the C11 model), exact counters
// (acquisitions, contended <= acquisitions, wait time), a failed try_lock() counting nothing,
// and stats() read concurrently with acquisitions: every snapshot is consistent and the
// counters only grow.
#include <lockstep/check.hpp>
#include <lockstep/lock.hpp>
#include <lockstep/profiled_lock.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"

using P = lockstep::model_platform;
using lockstep::memory_model;
using namespace lockstep_test;
using namespace std::chrono_literals;

namespace {

// The wrapped lock, counting its own failed try_lock() calls (the contended lock() calls,
// when only lock() is used) and holding the thread in the first lock() for a virtual 10 µs.
class CountingLock {
 public:
  void lock() {
    m_.lock();
    if (slow_.exchange(false)) P::this_thread::sleep_for(10us);
  }
  bool try_lock() {
    if (m_.try_lock()) return true;
    failed_.fetch_add(1);
    return false;
  }
  void unlock() { m_.unlock(); }
  std::uint64_t failed() const { return failed_.load(); }
  void slow_once() { slow_.store(true); }

 private:
  lockstep::Lock<P> m_;
  P::atomic<std::uint64_t> failed_{0};
  P::atomic<bool> slow_{false};
};

using PL = lockstep::ProfiledLock<lockstep::Lock<P>, P>;
using CL = lockstep::ProfiledLock<CountingLock, P>;

}  // namespace

LOCKSTEP_TEST(profiled_lock_excludes_2x2) { mutual_exclusion<PL>(2, 2); }
LOCKSTEP_TEST(profiled_lock_excludes_2x1_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<PL>(2, 1);
}
LOCKSTEP_TEST(profiled_lock_try_lock_fails_while_held) { try_lock_fails_while_held<PL>(); }
LOCKSTEP_TEST(profiled_lock_try_lock_excludes) { try_lock_excludes<PL>(/*retry=*/true); }

// Exact counts: two threads lock() twice each; every acquisition counts once, and a lock() is
// contended exactly when its first try_lock() failed.
LOCKSTEP_TEST(profiled_lock_counts_exactly) {
  CL lock;
  auto body = [&] {
    for (int i = 0; i < 2; ++i) {
      lock.lock();
      lock.unlock();
    }
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 4) << "acquisitions " << s.acquisitions;
  LOCKSTEP_ASSERT(s.contended == lock.underlying().failed())
      << "contended " << s.contended << ", failed first tries " << lock.underlying().failed();
  LOCKSTEP_ASSERT(s.contended <= s.acquisitions);
  if (s.contended == 0) LOCKSTEP_ASSERT(s.wait_time == 0ns) << s.wait_time.count() << " ns";
}

// try_lock(): a success counts one acquisition and is never contended; a failure counts
// nothing.
LOCKSTEP_TEST(profiled_lock_try_lock_counts) {
  PL lock;
  LOCKSTEP_ASSERT(lock.try_lock());
  P::thread t([&] { LOCKSTEP_ASSERT(!lock.try_lock()) << "try_lock() of a held lock"; });
  t.join();
  lock.unlock();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 1 && s.contended == 0 && s.wait_time == 0ns)
      << s.acquisitions << " acquisitions, " << s.contended << " contended";
}

// The wait time of a contended lock() is the virtual time it waited: the holder keeps the
// lock for 10 µs (a sleep in the wrapped lock), so a waiter that arrived before the sleep
// ended adds at least the part it saw; an uncontended run adds nothing.
LOCKSTEP_TEST(profiled_lock_wait_time_is_measured) {
  CL lock;
  lock.lock();
  lock.underlying().slow_once();
  P::var<std::int64_t> t_start{0}, t_end{0};
  P::thread t([&] {
    t_start = P::clock::now().time_since_epoch().count();
    lock.lock();
    t_end = P::clock::now().time_since_epoch().count();
    lock.unlock();
  });
  lock.unlock();
  t.join();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 2) << s.acquisitions;
  if (s.contended == 1) {
    LOCKSTEP_ASSERT(s.wait_time.count() <= t_end.get() - t_start.get())
        << "wait " << s.wait_time.count() << " ns, more than the call took";
  }
  LOCKSTEP_ASSERT(s.contended == 1 || s.wait_time == 0ns) << s.wait_time.count() << " ns";
}

// A waiter that is contended and whose wrapped lock() sleeps 10 µs of virtual time records at
// least those 10 µs: the time from its failed try to holding the lock.
LOCKSTEP_TEST(profiled_lock_contended_wait_includes_the_wait) {
  CL lock;
  lock.lock();
  P::thread t([&] {
    lock.underlying().slow_once();
    lock.lock();  // contended: the main thread holds it until t has started waiting
    lock.unlock();
  });
  while (lock.underlying().failed() == 0) P::this_thread::yield();
  lock.unlock();
  t.join();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 2 && s.contended == 1)
      << s.acquisitions << " acquisitions, " << s.contended << " contended";
  LOCKSTEP_ASSERT(s.wait_time >= 10us) << "wait time " << s.wait_time.count() << " ns";
}

// stats() read concurrently with lock()/try_lock() in other threads: each snapshot is taken
// under the lock (no race on the counters), is consistent (contended <= acquisitions) and the
// counters never go back.
LOCKSTEP_TEST(profiled_lock_stats_read_concurrently, {.preemption_bound = 2}) {
  PL lock;
  P::thread a([&] {
    lock.lock();
    lock.unlock();
  });
  P::thread b([&] {
    if (lock.try_lock()) lock.unlock();
    lock.lock();
    lock.unlock();
  });
  std::uint64_t last = 0;
  for (int i = 0; i < 2; ++i) {
    const auto s = lock.stats();
    LOCKSTEP_ASSERT(s.contended <= s.acquisitions) << s.contended << " > " << s.acquisitions;
    LOCKSTEP_ASSERT(s.acquisitions >= last && s.acquisitions <= 3) << s.acquisitions;
    last = s.acquisitions;
  }
  a.join();
  b.join();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions >= 2 && s.acquisitions <= 3) << s.acquisitions;
}
LOCKSTEP_TEST(profiled_lock_stats_read_concurrently_c11, {.memory = memory_model::c11}) {
  PL lock;
  P::thread a([&] {
    lock.lock();
    lock.unlock();
  });
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions <= 1 && s.contended <= s.acquisitions) << s.acquisitions;
  a.join();
  LOCKSTEP_ASSERT(lock.stats().acquisitions == 1);  // stats() itself counts nothing
}

// A value-initialised snapshot is all zeros (what stats() of an unused lock returns too).
LOCKSTEP_TEST(profiled_lock_snapshot_starts_at_zero) {
  const PL::snapshot empty{};
  LOCKSTEP_ASSERT(empty.acquisitions == 0 && empty.contended == 0 && empty.wait_time == 0ns);
  PL lock;
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 0 && s.contended == 0 && s.wait_time == 0ns);
}
