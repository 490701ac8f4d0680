// Model tests of Future and ThreadPool (issue 5) under the checker, and their broken twins.
// Small pools (1-2 workers) and 1-2 client threads, explored exhaustively (DPOR) or with a
// preemption bound where the full search is too large. The properties: every submitted task
// runs exactly once or is cancelled; cancel succeeds only before the task runs; exceptions
// and cancellation reach the caller; callbacks run exactly once; map keeps input order;
// as_completed yields each future once, done; shutdown(wait) loses no task; timeouts follow
// virtual time.
#include <lockstep/check.hpp>
#include <lockstep/future.hpp>
#include <lockstep/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

struct task_error : std::runtime_error {
  task_error() : std::runtime_error("task failed") {}
};

// After the pool has been shut down with wait: every accepted future is done, and its task
// ran exactly once unless the future is cancelled (then it never ran).
void expect_no_lost_task(const std::vector<lockstep::Future<int, P>>& fs, const P::var<int>* runs) {
  for (std::size_t i = 0; i < fs.size(); ++i) {
    LOCKSTEP_ASSERT(fs[i].done()) << "future " << i << " not done after shutdown(wait)";
    if (fs[i].cancelled()) {
      LOCKSTEP_ASSERT(runs[i].get() == 0) << "cancelled task " << i << " ran";
    } else {
      LOCKSTEP_ASSERT(runs[i].get() == 1) << "task " << i << " ran " << runs[i].get() << " times";
      LOCKSTEP_ASSERT(fs[i].result() == static_cast<int>(i) * 10);
    }
  }
}

}  // namespace

// Two clients submit one task each to two workers: each task runs once, on some worker, and
// its result reaches its future.
LOCKSTEP_TEST(pool_submit_runs_each_task_once, {.preemption_bound = 1}) {
  P::var<int> runs[2]{P::var<int>{0}, P::var<int>{0}};
  std::vector<lockstep::Future<int, P>> fs(2);
  {
    lockstep::ThreadPool<P> pool(2);
    auto submit = [&](int i) {
      fs[static_cast<std::size_t>(i)] = pool.submit([&runs, i] {
        runs[i] += 1;
        return i * 10;
      });
    };
    P::thread client(submit, 1);
    submit(0);
    client.join();
    LOCKSTEP_ASSERT(fs[0].result() == 0);
  }  // destructor: shutdown(wait)
  expect_no_lost_task(fs, runs);
}

// A client cancels a queued task while the worker may start it: cancel() is true exactly
// when the task never runs; then result() throws future_cancelled.
LOCKSTEP_TEST(pool_cancel_only_before_running) {
  P::var<int> ran{0};
  lockstep::ThreadPool<P> pool(1);
  auto f = pool.submit([&] {
    ran += 1;
    return 7;
  });
  bool cancelled = false;
  P::thread canceller([&] { cancelled = f.cancel(); });
  canceller.join();
  pool.shutdown(true);
  LOCKSTEP_ASSERT(f.done());
  LOCKSTEP_ASSERT(cancelled == f.cancelled());
  if (cancelled) {
    LOCKSTEP_ASSERT(ran.get() == 0) << "a cancelled task ran";
    bool threw = false;
    try {
      (void)f.result();
    } catch (const lockstep::future_cancelled&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw) << "result() of a cancelled future did not throw";
    LOCKSTEP_ASSERT(!f.cancel() || f.cancelled()) << "cancel stays true once cancelled";
  } else {
    LOCKSTEP_ASSERT(ran.get() == 1);
    LOCKSTEP_ASSERT(f.result() == 7);
    LOCKSTEP_ASSERT(!f.cancel()) << "cancel succeeded after the task finished";
  }
}

// A running task cannot be cancelled: the task itself checks that a concurrent cancel fails.
LOCKSTEP_TEST(pool_cancel_fails_while_running) {
  lockstep::ThreadPool<P> pool(1);
  // Blocking hand-shakes, not spin loops: the search stays small.
  P::binary_semaphore started{0};
  P::binary_semaphore release{0};
  auto f = pool.submit([&] {
    started.release();
    release.acquire();
    return 1;
  });
  started.acquire();
  LOCKSTEP_ASSERT(f.running());
  LOCKSTEP_ASSERT(!f.cancel()) << "cancelled a running task";
  release.release();
  LOCKSTEP_ASSERT(f.result() == 1);
  LOCKSTEP_ASSERT(!f.cancelled());
}

// The task's exception object reaches result() and exception() in another thread.
LOCKSTEP_TEST(pool_exception_propagates) {
  lockstep::ThreadPool<P> pool(1);
  auto f = pool.submit([]() -> int { throw task_error(); });
  auto v = pool.submit([] {});
  int seen = 0;
  P::thread reader([&] {
    try {
      (void)f.result();
    } catch (const task_error&) {
      seen += 1;
    }
  });
  std::exception_ptr e = f.exception();
  LOCKSTEP_ASSERT(e != nullptr);
  try {
    std::rethrow_exception(e);
  } catch (const task_error&) {
    seen += 1;
  }
  v.result();  // a void task: no exception
  LOCKSTEP_ASSERT(v.exception() == nullptr);
  reader.join();
  LOCKSTEP_ASSERT(seen == 2) << "the task's exception was not carried to every caller";
}

// add_done_callback races with completion (and with a cancel): each callback runs exactly
// once, whether it is registered before, during or after completion; a callback registered
// after completion runs in the registering thread before add_done_callback returns.
LOCKSTEP_TEST(pool_done_callback_runs_exactly_once) {
  P::atomic<int> calls_a{0}, calls_b{0}, calls_c{0};
  lockstep::ThreadPool<P> pool(1);
  auto f = pool.submit([] { return 3; });
  P::thread adder([&] {
    f.add_done_callback([&](const lockstep::Future<int, P>& g) {
      LOCKSTEP_ASSERT(g.done()) << "callback ran before completion";
      calls_a.fetch_add(1);
    });
  });
  P::thread canceller([&] {
    f.add_done_callback([&](const lockstep::Future<int, P>&) { calls_b.fetch_add(1); });
    (void)f.cancel();
  });
  adder.join();
  canceller.join();
  pool.shutdown(true);
  f.add_done_callback([&](const lockstep::Future<int, P>&) { calls_c.fetch_add(1); });
  LOCKSTEP_ASSERT(calls_c.load() == 1) << "callback after completion did not run at once";
  LOCKSTEP_ASSERT(calls_a.load() == 1) << "callback ran " << calls_a.load() << " times";
  LOCKSTEP_ASSERT(calls_b.load() == 1) << "callback ran " << calls_b.load() << " times";
}

// map() returns results in input order even when two workers finish out of order.
LOCKSTEP_TEST(pool_map_keeps_input_order, {.preemption_bound = 1}) {
  lockstep::ThreadPool<P> pool(2);
  auto out = pool.map([](int x) { return x * x; }, std::vector<int>{3, 1});
  LOCKSTEP_ASSERT((out == std::vector<int>{9, 1})) << "map lost input order";
}

// An exception in one element is rethrown by map(); the later elements are cancelled or
// (if already started) run, never lost.
LOCKSTEP_TEST(pool_map_rethrows_and_cancels_the_rest) {
  P::var<int> later_runs{0};
  lockstep::ThreadPool<P> pool(1);
  bool threw = false;
  try {
    (void)pool.map(
        [&](int x) {
          if (x == 0) throw task_error();
          later_runs += 1;
          return x;
        },
        std::vector<int>{0, 1});
  } catch (const task_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "map swallowed an exception";
  pool.shutdown(true);
  LOCKSTEP_ASSERT(later_runs.get() <= 1);
}

// as_completed yields every future exactly once, each already done when yielded, and
// (one worker, so completion order = submission order) in completion order.
LOCKSTEP_TEST(pool_as_completed_yields_each_once) {
  lockstep::ThreadPool<P> pool(1);
  std::vector<lockstep::Future<int, P>> fs;
  fs.push_back(pool.submit([] { return 0; }));
  fs.push_back(pool.submit([] { return 1; }));
  std::vector<int> order;
  for (const auto& f : lockstep::as_completed(fs)) {
    LOCKSTEP_ASSERT(f.done()) << "yielded before completion";
    order.push_back(f.result());
  }
  LOCKSTEP_ASSERT((order == std::vector<int>{0, 1})) << "not in completion order";
}

// With two workers the completion order is open; each future is still yielded once.
LOCKSTEP_TEST(pool_as_completed_two_workers, {.preemption_bound = 1}) {
  lockstep::ThreadPool<P> pool(2);
  std::vector<lockstep::Future<int, P>> fs;
  fs.push_back(pool.submit([] { return 0; }));
  fs.push_back(pool.submit([] { return 1; }));
  int seen[2] = {0, 0};
  for (const auto& f : lockstep::as_completed(fs)) seen[f.result()] += 1;
  LOCKSTEP_ASSERT(seen[0] == 1 && seen[1] == 1);
}

// as_completed with a timeout on virtual time: a task that sleeps 10 ms cannot be done
// within 1 ms, so next() either times out (not before the deadline) or — when the task
// completed while the timed-out waiter was reacquiring the lock — yields it done, at t >= 10 ms.
LOCKSTEP_TEST(pool_as_completed_timeout) {
  lockstep::ThreadPool<P> pool(1);
  auto t0 = P::clock::now();
  auto f = pool.submit([] {
    P::this_thread::sleep_for(10ms);
    return 1;
  });
  auto ac = lockstep::as_completed(std::vector{f}, 1ms);
  try {
    auto g = ac.next();
    LOCKSTEP_ASSERT(g && g->done()) << "yielded an unfinished future";
    LOCKSTEP_ASSERT(P::clock::now() - t0 >= 10ms) << "yielded before the task could finish";
  } catch (const lockstep::future_timeout&) {
    LOCKSTEP_ASSERT(P::clock::now() - t0 >= 1ms) << "timed out before the deadline";
  }
  LOCKSTEP_ASSERT(f.result() == 1);
}

// A client submits while the main thread shuts down: a submit either throws (after
// shutdown) or its task runs or (cancel_pending) is cancelled — never lost.
LOCKSTEP_TEST(pool_shutdown_while_submitting_loses_nothing, {.preemption_bound = 2}) {
  const bool cancel_pending = lockstep::choose(2) == 1;
  P::var<int> runs[2]{P::var<int>{0}, P::var<int>{0}};
  std::vector<lockstep::Future<int, P>> accepted;
  lockstep::ThreadPool<P> pool(1);
  P::thread client([&] {
    for (int i = 0; i < 2; ++i) {
      try {
        accepted.push_back(pool.submit([&runs, i] {
          runs[i] += 1;
          return i * 10;
        }));
      } catch (const std::runtime_error&) {
        return;  // rejected after shutdown: the caller knows
      }
    }
  });
  pool.shutdown(true, cancel_pending);
  client.join();
  pool.shutdown(true);  // idempotent; joins nothing new
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    LOCKSTEP_ASSERT(accepted[i].done()) << "task " << i << " lost";
    if (accepted[i].cancelled()) {
      LOCKSTEP_ASSERT(cancel_pending) << "cancelled without cancel_pending";
      LOCKSTEP_ASSERT(runs[i].get() == 0);
    } else {
      LOCKSTEP_ASSERT(runs[i].get() == 1);
    }
  }
}

// result_for on virtual time: a 10 ms task is not done within 1 ms, so result_for(1ms)
// throws future_timeout (never before the deadline) unless the task finished while the
// timed-out waiter was reacquiring the lock (then t >= 10 ms). A runnable thread may be
// delayed arbitrarily, so no timeout is ever guaranteed to be long enough: the later
// result() waits untimed.
LOCKSTEP_TEST(pool_result_for_times_out_on_virtual_clock) {
  lockstep::ThreadPool<P> pool(1);
  auto t0 = P::clock::now();
  auto f = pool.submit([] {
    P::this_thread::sleep_for(10ms);
    return 5;
  });
  try {
    int v = f.result_for(1ms);
    LOCKSTEP_ASSERT(v == 5);
    LOCKSTEP_ASSERT(P::clock::now() - t0 >= 10ms)
        << "result_for returned before the task could finish";
  } catch (const lockstep::future_timeout&) {
    LOCKSTEP_ASSERT(P::clock::now() - t0 >= 1ms) << "timed out before the deadline";
    LOCKSTEP_ASSERT(f.wait_for(0ms) == std::future_status::timeout || f.done());
  }
  LOCKSTEP_ASSERT(f.result() == 5);
  LOCKSTEP_ASSERT(f.wait_for(0ms) == std::future_status::ready);
}

// ---- broken twins ------------------------------------------------------------------

namespace {

enum class pool_bug { if_instead_of_while, shutdown_without_notify };

// A copy of ThreadPool's queue, worker loop and shutdown with one bug each.
template <pool_bug Bug>
class TwinPool {
 public:
  explicit TwinPool(int workers) {
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~TwinPool() { shutdown(); }
  lockstep::Future<int, P> submit(std::function<int()> fn) {
    auto s = std::make_shared<lockstep::detail::future_state<int, P>>();
    {
      std::lock_guard<P::mutex> g(m_);
      queue_.ref().push_back([s, fn] {
        if (s->set_running_or_notify_cancel()) s->set_result(s, fn());
      });
    }
    cv_.notify_one();
    return lockstep::Future<int, P>(s);
  }
  void shutdown() {
    {
      std::lock_guard<P::mutex> g(m_);
      stop_ = true;
    }
    if constexpr (Bug != pool_bug::shutdown_without_notify) cv_.notify_all();  // BUG if absent
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> t;
      {
        std::unique_lock<P::mutex> g(m_);
        if constexpr (Bug == pool_bug::if_instead_of_while) {
          if (queue_.cref().empty() && !stop_.get()) cv_.wait(g);  // BUG: if, not while
        } else {
          while (queue_.cref().empty() && !stop_.get()) cv_.wait(g);
        }
        if (queue_.cref().empty()) return;  // believes the pool is shutting down
        t = std::move(queue_.ref().front());
        queue_.ref().pop_front();
      }
      t();
    }
  }
  P::mutex m_;
  P::condition_variable cv_;
  P::var<std::deque<std::function<void()>>> queue_;
  P::var<bool> stop_{false};
  std::vector<P::thread> workers_;
};

// A future whose add_done_callback checks "done" outside the lock (an atomic flag read
// before locking): completion can slip in between the check and the registration, and the
// callback is put into a list that has already been run — lost.
class RacyCallbackFuture {
 public:
  void add_done_callback(std::function<void()> f) {
    if (done_.load()) {  // BUG: checked without the lock that guards the hand-off
      f();
      return;
    }
    std::lock_guard<P::mutex> g(m_);
    callbacks_.ref().push_back(std::move(f));
  }
  void complete() {
    std::vector<std::function<void()>> cbs;
    {
      std::lock_guard<P::mutex> g(m_);
      done_.store(true);
      cbs = std::exchange(callbacks_.ref(), {});
    }
    for (auto& f : cbs) f();
  }

 private:
  P::atomic<bool> done_{false};
  P::mutex m_;
  P::var<std::vector<std::function<void()>>> callbacks_;
};

}  // namespace

// One worker, one task submitted after the worker went to sleep: a spurious wake-up lets the
// `if` fall through to the "queue empty: shut down" exit, and the task is never run.
LOCKSTEP_TEST(broken_pool_if_instead_of_while_loses_task,
              {.expect = failure_kind::assertion, .spurious_wakeups = 1}) {
  P::var<int> ran{0};
  lockstep::Future<int, P> f;
  {
    TwinPool<pool_bug::if_instead_of_while> pool(1);
    f = pool.submit([&] {
      ran += 1;
      return 1;
    });
  }
  LOCKSTEP_ASSERT(f.done() && ran.get() == 1) << "task lost: the worker exited early";
}

// shutdown() sets stop_ but wakes nobody: the idle worker sleeps forever and the join hangs.
LOCKSTEP_TEST(broken_pool_shutdown_without_notify_deadlocks,
              {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  TwinPool<pool_bug::shutdown_without_notify> pool(1);
  auto f = pool.submit([] { return 1; });
  LOCKSTEP_ASSERT(f.result() == 1);
  pool.shutdown();
}

// Registration races with completion: the callback is lost (runs 0 times).
LOCKSTEP_TEST(broken_future_callback_check_without_lock_loses_callback,
              {.expect = failure_kind::assertion}) {
  RacyCallbackFuture fut;
  P::atomic<int> calls{0};
  P::thread completer([&] { fut.complete(); });
  fut.add_done_callback([&] { calls.fetch_add(1); });
  completer.join();
  LOCKSTEP_ASSERT(calls.load() == 1) << "callback ran " << calls.load() << " times";
}
