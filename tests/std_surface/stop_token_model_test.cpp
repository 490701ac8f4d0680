// P::jthread, P::stop_source / stop_token / stop_callback and P::thread::detach under the
// checker: stop callbacks run exactly once and in the right thread, ~stop_callback waits for
// a callback running elsewhere, ~jthread requests stop and joins, detached threads run to
// completion. Broken uses the checker must catch.
#include <lockstep/check.hpp>

#include <memory>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;

}  // namespace

// A registration racing with request_stop(): the callback runs exactly once, in the
// registering thread if stop came first (inside the constructor), else in the requesting
// thread (inside request_stop, which returns after it ran).
LOCKSTEP_TEST_BOTH_ENGINES(stop_callback_runs_once_in_the_right_thread) {
  P::stop_source src;
  P::atomic<int> calls{0};
  P::atomic<int> ran_in{-1};
  P::atomic<bool> registered{false};
  auto cb = [&] {
    calls.fetch_add(1);
    ran_in.store(P::this_thread::get_id().value);
  };
  P::thread requester([&] { LOCKSTEP_ASSERT(src.request_stop()) << "the first request failed"; });
  const int me = P::this_thread::get_id().value;
  const int req = requester.get_id().value;
  {
    const bool before = src.stop_requested();
    P::stop_callback<decltype(cb)> reg(src.get_token(), cb);
    if (before)
      LOCKSTEP_ASSERT(calls.load() == 1 && ran_in.load() == me)
          << "stop was requested before registration: the constructor runs the callback";
    registered.store(true);
    requester.join();
    LOCKSTEP_ASSERT(calls.load() == 1) << "ran " << calls.load() << " times";
    LOCKSTEP_ASSERT(ran_in.load() == me || ran_in.load() == req) << "ran in another thread";
  }
  LOCKSTEP_ASSERT(calls.load() == 1) << "ran " << calls.load() << " times";
  LOCKSTEP_ASSERT(!src.request_stop()) << "a second request succeeded";
}

// What the requesting thread did before request_stop() happens-before a stop_requested()
// that returns true (also under the C++11 model).
LOCKSTEP_TEST_BOTH_ENGINES(stop_requested_orders_the_requesters_writes,
                           {.memory = lockstep::memory_model::c11}) {
  P::stop_source src;
  P::var<int> data{0};
  P::thread requester([&] {
    data = 1;
    src.request_stop();
  });
  const P::stop_token st = src.get_token();
  while (!st.stop_requested()) P::spin_pause();
  LOCKSTEP_ASSERT(data.get() == 1);
  requester.join();
}

// ~stop_callback in the registering thread waits while the requesting thread runs it: the
// callback's write is ordered before the destructor's return.
LOCKSTEP_TEST_BOTH_ENGINES(stop_callback_destructor_waits_for_running_callback) {
  P::stop_source src;
  P::var<int> effect{0};
  auto cb = [&] { effect = 1; };
  P::thread requester;
  {
    P::stop_callback<decltype(cb)> reg(src.get_token(), cb);
    requester = P::thread([&] { src.request_stop(); });
  }  // deregisters, or waits for the callback to finish
  (void)effect.get();
  requester.join();
}

// BUG: stop_requested() returning true does not mean the callbacks have finished: reading
// their effect then (instead of after the stop_callback's destruction) races.
LOCKSTEP_TEST_BOTH_ENGINES(stop_callback_broken_read_after_stop_requested_is_caught,
                           {.expect = failure_kind::data_race}) {
  P::stop_source src;
  P::var<int> effect{0};
  auto cb = [&] { effect = 1; };
  P::stop_callback<decltype(cb)> reg(src.get_token(), cb);
  P::thread requester([&] { src.request_stop(); });
  while (!src.stop_requested()) P::this_thread::yield();
  (void)effect.get();  // BUG
  requester.join();
}

// ~jthread requests stop and joins; the body gets the jthread's stop_token.
LOCKSTEP_TEST_BOTH_ENGINES(jthread_destructor_requests_stop_and_joins) {
  P::atomic<int> state{0};
  {
    P::jthread t([&](P::stop_token st) {
      state.store(1);
      while (!st.stop_requested()) P::this_thread::yield();
      state.store(2);
    });
    LOCKSTEP_ASSERT(t.joinable());
  }
  LOCKSTEP_ASSERT(state.load() == 2) << "~jthread returned before the thread finished";
}

// BUG: the body never looks at its stop_token: ~jthread's join waits forever.
LOCKSTEP_TEST_BOTH_ENGINES(jthread_broken_body_ignores_stop_token_is_caught,
                           {.expect = failure_kind::deadlock}) {
  P::atomic<bool> go{false};
  P::jthread t([&] {
    while (!go.load()) go.wait(false);  // BUG: only stop is ever requested
  });
}

// A detached thread runs to completion after the test body returned; its failures are the
// execution's.
LOCKSTEP_TEST_BOTH_ENGINES(detached_thread_broken_late_assertion_is_caught,
                           {.expect = failure_kind::assertion}) {
  auto n = std::make_shared<P::atomic<int>>(0);
  P::thread t([n] {
    P::this_thread::yield();
    LOCKSTEP_ASSERT(n->load() == 0) << "the body's store came first";
  });
  t.detach();
  n->store(1);
}

// BUG: a detached thread waits for a notify nobody sends: the execution cannot end (no
// spurious wake-up allowed here, which would let the wait return).
LOCKSTEP_TEST_BOTH_ENGINES(detached_thread_broken_never_finishes_is_caught,
                           {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  auto n = std::make_shared<P::atomic<int>>(0);
  P::thread([n] { n->wait(0); }).detach();
}

// detach() of a thread that is not joinable is misuse.
LOCKSTEP_TEST(detach_broken_twice_is_caught, {.expect = failure_kind::misuse}) {
  P::thread t([] {});
  t.detach();
  t.detach();
}

LOCKSTEP_TEST(hardware_concurrency_is_fixed) {
  LOCKSTEP_ASSERT(P::thread::hardware_concurrency() == 4);
  LOCKSTEP_ASSERT(P::jthread::hardware_concurrency() == 4);
}
