// P::once_flag / P::call_once under the checker: exactly one returning call runs its
// callable, a throwing call leaves the flag unset for another call, and concurrent callers
// wait for the running call. Broken hand-rolled "once" functions must be caught.
#include <lockstep/check.hpp>

#include <stdexcept>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

// The first attempt (whichever thread makes it) throws; the other thread's call (or a retry)
// then runs. Every caller that returns normally sees the single successful run's write.
template <class Once>
void once_with_first_attempt_throwing(Once once) {
  P::atomic<int> attempts{0};
  P::var<int> value{0};
  P::atomic<int> threw{0};
  auto body = [&] {
    for (;;) {
      try {
        once([&] {
          if (attempts.fetch_add(1, std::memory_order_relaxed) == 0)
            throw std::runtime_error("first attempt");
          value += 1;
        });
        LOCKSTEP_ASSERT(value.get() == 1) << "returned before the successful call completed";
        return;
      } catch (const std::runtime_error&) {
        threw.fetch_add(1, std::memory_order_relaxed);
      }
    }
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(value.get() == 1) << "the callable ran " << value.get() << " times";
  LOCKSTEP_ASSERT(threw.load() == 1) << "exceptions: " << threw.load();
  LOCKSTEP_ASSERT(attempts.load() == 2) << "attempts: " << attempts.load();
}

// A "once" that returns at once when another call is running (it does not wait).
struct no_wait_once {
  P::atomic<int>* state;  // 0 unset, 1 running, 2 done
  template <class F>
  void operator()(F f) const {
    int expected = 0;
    if (!state->compare_exchange_strong(expected, 1)) return;  // BUG: a running call is "done"
    try {
      f();
    } catch (...) {
      state->store(0);
      throw;
    }
    state->store(2);
  }
};

// A "once" that checks and then sets: two callers may both run the callable.
struct check_then_set_once {
  P::atomic<bool>* done;
  template <class F>
  void operator()(F f) const {
    if (done->load()) return;
    f();  // BUG: another caller may be here too
    done->store(true);
  }
};

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(call_once_exceptional_call_leaves_flag_unset) {
  P::once_flag flag;
  once_with_first_attempt_throwing([&](auto f) { P::call_once(flag, f); });
}
LOCKSTEP_TEST_BOTH_ENGINES(call_once_exceptional_call_leaves_flag_unset_c11,
                           {.memory = memory_model::c11}) {
  P::once_flag flag;
  once_with_first_attempt_throwing([&](auto f) { P::call_once(flag, f); });
}

// call_once passes its arguments to the callable.
LOCKSTEP_TEST(call_once_forwards_arguments) {
  P::once_flag flag;
  int got = 0;
  P::call_once(
      flag, [](int& out, int v) { out = v; }, got, 5);
  P::call_once(
      flag, [](int& out, int v) { out = v; }, got, 6);
  LOCKSTEP_ASSERT(got == 5);
}

// BUG: the loser of the race returns while the winner still runs the callable.
LOCKSTEP_TEST_BOTH_ENGINES(call_once_broken_no_wait_is_caught,
                           {.expect = failure_kind::data_race}) {
  P::atomic<int> state{0};
  P::var<int> value{0};
  auto body = [&] {
    no_wait_once{&state}([&] { value = 1; });
    (void)value.get();
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
}

// BUG: check-then-set runs the callable twice.
LOCKSTEP_TEST_BOTH_ENGINES(call_once_broken_check_then_set_is_caught,
                           {.expect = failure_kind::assertion}) {
  P::atomic<bool> done{false};
  P::atomic<int> runs{0};
  auto body = [&] { check_then_set_once{&done}([&] { runs.fetch_add(1); }); };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(runs.load() == 1) << "ran " << runs.load() << " times";
}
