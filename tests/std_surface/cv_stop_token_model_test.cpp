// condition_variable_any waits with a stop_token under the checker: a stop request ends the
// wait (returning pred()), however it interleaves with the waiter going to sleep; a wait
// without the token is never woken by it (deadlock).
#include <lockstep/check.hpp>

#include <chrono>
#include <mutex>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

}  // namespace

// Nobody sets `ready`: only the stop request ends the wait, which returns false. No spurious
// wake-ups, so a lost stop notification would be a deadlock.
LOCKSTEP_TEST_BOTH_ENGINES(cv_any_wait_ends_on_stop_request, {.spurious_wakeups = 0}) {
  P::condition_variable_any cv;
  P::mutex m;
  P::var<bool> ready{false};
  P::atomic<int> result{-1};
  P::jthread t([&](P::stop_token st) {
    std::unique_lock l(m);
    result.store(cv.wait(l, st, [&] { return ready.get(); }) ? 1 : 0);
  });
  t.request_stop();
  t.join();
  LOCKSTEP_ASSERT(result.load() == 0) << "the wait returned " << result.load();
}

// A notify with the predicate true ends the wait with true (no stop request).
LOCKSTEP_TEST_BOTH_ENGINES(cv_any_wait_returns_true_when_notified) {
  P::condition_variable_any cv;
  P::mutex m;
  P::var<bool> ready{false};
  P::stop_source src;
  P::thread t([&] {
    std::unique_lock l(m);
    LOCKSTEP_ASSERT(cv.wait(l, src.get_token(), [&] { return ready.get(); }));
  });
  {
    std::lock_guard g(m);
    ready = true;
  }
  cv.notify_one();
  t.join();
}

// The timed variant returns pred() on a timeout as well.
LOCKSTEP_TEST_BOTH_ENGINES(cv_any_wait_for_with_token_times_out) {
  P::condition_variable_any cv;
  P::mutex m;
  P::stop_source src;
  std::unique_lock l(m);
  LOCKSTEP_ASSERT(!cv.wait_for(l, src.get_token(), 1ms, [] { return false; }));
}

// BUG: the worker waits without its stop_token: the stop request does not wake it, and
// ~jthread's join waits forever.
LOCKSTEP_TEST_BOTH_ENGINES(cv_any_broken_wait_without_token_is_caught,
                           {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  P::condition_variable_any cv;
  P::mutex m;
  P::var<bool> ready{false};
  P::jthread t([&](P::stop_token st) {
    std::unique_lock l(m);
    cv.wait(l, [&] { return ready.get() || st.stop_requested(); });  // BUG: no token
  });
}
