// Contract tests of Future (future.hpp), driven through its producer side
// (detail::future_state, as ThreadPool drives it): completion happens-before result() in two
// waiters, which both wake; wait() never returns before completion (spurious wake-ups);
// result_for/wait_for give up only at their deadline on the virtual clock and see a
// completion that came before the call; cancel() only while pending (idempotent), and a
// cancelled future's producer skips the task; a done-callback registered concurrently with the
// completion runs exactly once, a throwing one is discarded; the task's own exception_ptr is
// rethrown; the status (done, running, cancelled) read while the producer completes; wait()
// alone returns after the completion and sees its effects. No twins
// of their own: the mutants of future.hpp that these tests kill are listed
// in tests/MUTATION-containers.md.
#include <lockstep/check.hpp>
#include <lockstep/future.hpp>

#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

using State = lockstep::detail::future_state<int, P>;
using Fut = lockstep::Future<int, P>;

// Two waiters on one future; the producer writes a var, then completes. Both results see 42
// and the var.
void two_waiters_see_completion() {
  auto s = std::make_shared<State>();
  Fut f(s);
  P::var<int> side{0};
  auto waiter = [&] {
    LOCKSTEP_ASSERT(f.result() == 42);
    LOCKSTEP_ASSERT(side.get() == 1) << "result() before the completion's effects";
  };
  P::thread a(waiter), b(waiter);
  LOCKSTEP_ASSERT(s->set_running_or_notify_cancel());
  side = 1;
  s->set_result(s, 42);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(f.done() && !f.running() && !f.cancelled());
}

}  // namespace

LOCKSTEP_TEST(future_two_waiters_see_completion) { two_waiters_see_completion(); }

// Timed waits against a completion racing them, and one that came before the call.
LOCKSTEP_TEST(future_timed_waits) {
  auto s = std::make_shared<State>();
  Fut f(s);
  const auto start = P::clock::now();
  LOCKSTEP_ASSERT(f.wait_for(20us) == std::future_status::timeout);
  LOCKSTEP_ASSERT(P::clock::now() >= start + 20us) << "wait_for gave up before its deadline";
  bool timed_out = false;
  try {
    (void)f.result_for(20us);
  } catch (const lockstep::future_timeout&) {
    timed_out = true;
  }
  LOCKSTEP_ASSERT(timed_out && P::clock::now() >= start + 40us);
  P::thread producer([&] {
    s->set_running_or_notify_cancel();
    s->set_result(s, 7);
  });
  const auto before = P::clock::now();
  const bool ready = f.wait_for(20us) == std::future_status::ready;
  LOCKSTEP_ASSERT(ready || P::clock::now() >= before + 20us) << "gave up before its deadline";
  producer.join();
  LOCKSTEP_ASSERT(f.result_for(20us) == 7) << "a completion before the call";
  LOCKSTEP_ASSERT(f.exception_for(20us) == nullptr);
}

// cancel(): true while pending (and again, idempotent); the producer then skips the task;
// results throw future_cancelled; false once running or finished.
LOCKSTEP_TEST(future_cancel_only_while_pending) {
  auto s = std::make_shared<State>();
  Fut f(s);
  LOCKSTEP_ASSERT(!f.done() && !f.running() && !f.cancelled());
  LOCKSTEP_ASSERT(f.cancel() && f.cancel() && f.cancelled() && f.done());
  LOCKSTEP_ASSERT(!s->set_running_or_notify_cancel()) << "a cancelled task would run";
  bool threw = false;
  try {
    (void)f.result();
  } catch (const lockstep::future_cancelled&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  auto r = std::make_shared<State>();
  Fut g(r);
  LOCKSTEP_ASSERT(r->set_running_or_notify_cancel() && g.running());
  LOCKSTEP_ASSERT(!g.cancel()) << "cancelled a running task";
  r->set_result(r, 1);
  LOCKSTEP_ASSERT(!g.cancel() && !g.cancelled()) << "cancelled a finished task";
}

// done(), running() and cancelled() read while the producer starts and completes the task:
// each reads one phase under the state's lock, and the phases only move forward (pending,
// running, finished).
LOCKSTEP_TEST(future_status_read_concurrently) {
  auto s = std::make_shared<State>();
  Fut f(s);
  P::thread producer([&] {
    LOCKSTEP_ASSERT(s->set_running_or_notify_cancel());
    s->set_result(s, 7);
  });
  const bool done_first = f.done();
  const bool running_then = f.running();
  LOCKSTEP_ASSERT(!(done_first && running_then)) << "finished, then running again";
  LOCKSTEP_ASSERT(!f.cancelled());
  producer.join();
  LOCKSTEP_ASSERT(f.done() && !f.running() && f.result() == 7);
}

// wait() (no result() after it) returns only after the completion, whose effects it sees: a
// var the producer wrote before set_result is read after wait() without a data race.
LOCKSTEP_TEST(future_wait_returns_after_completion) {
  auto s = std::make_shared<State>();
  Fut f(s);
  P::var<int> side{0};
  P::thread producer([&] {
    LOCKSTEP_ASSERT(s->set_running_or_notify_cancel());
    side = 1;
    s->set_result(s, 5);
  });
  f.wait();
  LOCKSTEP_ASSERT(f.done()) << "wait() returned before the completion";
  LOCKSTEP_ASSERT(side.get() == 1) << "wait() returned before the completion's effects";
  producer.join();
}

// A cancel() racing the worker's start: exactly one of them wins.
LOCKSTEP_TEST(future_cancel_races_start) {
  auto s = std::make_shared<State>();
  Fut f(s);
  P::atomic<int> ran{0};
  P::thread worker([&] {
    if (s->set_running_or_notify_cancel()) {
      ran.store(1);
      s->set_result(s, 1);
    }
  });
  const bool cancelled = f.cancel();
  worker.join();
  LOCKSTEP_ASSERT(cancelled != (ran.load() == 1))
      << "cancel() " << cancelled << ", ran " << ran.load();
  LOCKSTEP_ASSERT(f.done() && f.cancelled() == cancelled);
}

// A callback registered while another thread completes the future runs exactly once; one
// registered after completion runs at once in the registering thread; a throwing one does
// not stop the next.
LOCKSTEP_TEST(future_done_callbacks_run_once) {
  auto s = std::make_shared<State>();
  Fut f(s);
  P::atomic<int> runs{0};
  P::thread producer([&] {
    s->set_running_or_notify_cancel();
    s->set_result(s, 3);
  });
  f.add_done_callback([&](const Fut& g) {
    LOCKSTEP_ASSERT(g.done() && g.result() == 3);
    runs.fetch_add(1);
  });
  producer.join();
  LOCKSTEP_ASSERT(runs.load() == 1) << "callback ran " << runs.load() << " times";
  f.add_done_callback([](const Fut&) { throw std::runtime_error("discarded"); });
  f.add_done_callback([&](const Fut&) { runs.fetch_add(1); });
  LOCKSTEP_ASSERT(runs.load() == 2) << "a callback after completion did not run at once";
}

// The task's exception: result() rethrows the same object; exception() returns it.
LOCKSTEP_TEST(future_exception_is_the_tasks) {
  auto s = std::make_shared<State>();
  Fut f(s);
  const auto e = std::make_exception_ptr(std::runtime_error("task failed"));
  P::thread producer([&] {
    s->set_running_or_notify_cancel();
    s->set_exception(s, e);
  });
  LOCKSTEP_ASSERT(f.exception() == e) << "not the task's exception_ptr";
  producer.join();
  bool same = false;
  try {
    (void)f.result();
  } catch (const std::runtime_error& r) {
    try {
      std::rethrow_exception(e);
    } catch (const std::runtime_error& orig) {
      same = &r == &orig;
    }
  }
  LOCKSTEP_ASSERT(same) << "result() did not rethrow the task's exception object";
  LOCKSTEP_ASSERT(!Fut().valid() && f.valid() && f == Fut(s));
}
