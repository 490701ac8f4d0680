// Contract tests of ThreadPool (thread_pool.hpp): two workers asleep on an empty queue both
// wake for shutdown() (notify_all) and drain what was queued — no lost task, each runs once;
// tasks start in FIFO order with one worker; shutdown(cancel_pending) cancels what is queued
// (a cancelled task never runs) and then submit() throws; shutdown() from two threads at once
// joins the workers once; map() keeps input order, rethrows the first exception and cancels
// the next task (in some execution: an existential check with explore());
// as_completed yields each future once in completion order (waking when a completion comes
// while it sleeps) and, with a timeout, throws future_timeout only once the deadline has
// passed on the virtual clock.
#include <lockstep/check.hpp>
#include <lockstep/thread_pool.hpp>

#include <chrono>
#include <stdexcept>
#include <vector>

using P = lockstep::model_platform;
using namespace std::chrono_literals;

LOCKSTEP_TEST(thread_pool_shutdown_wakes_two_workers_and_drains) {
  P::atomic<int> runs{0};
  lockstep::ThreadPool<P> pool(2);
  auto f = pool.submit([&] { runs.fetch_add(1); });
  pool.shutdown(true);
  LOCKSTEP_ASSERT(runs.load() == 1 && f.done()) << "a queued task was lost or run twice";
  bool threw = false;
  try {
    pool.submit([] {});
  } catch (const std::runtime_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "submit() after shutdown()";
}

LOCKSTEP_TEST(thread_pool_one_worker_fifo) {
  lockstep::ThreadPool<P> pool(1);
  P::var<int> last{0};
  auto a = pool.submit([&] {
    LOCKSTEP_ASSERT(last.get() == 0);
    last = 1;
  });
  auto b = pool.submit([&] {
    LOCKSTEP_ASSERT(last.get() == 1) << "the second task started first";
    last = 2;
  });
  b.wait();
  LOCKSTEP_ASSERT(a.done() && last.get() == 2);
}

// shutdown(false, true) while the only worker runs a task: what is still queued is cancelled
// and never runs; the running task finishes.
LOCKSTEP_TEST(thread_pool_shutdown_cancels_pending) {
  P::atomic<int> second_ran{0};
  lockstep::ThreadPool<P> pool(1);
  auto a = pool.submit([] {});
  auto b = pool.submit([&] { second_ran.store(1); });
  pool.shutdown(false, true);
  pool.shutdown(true);
  LOCKSTEP_ASSERT(a.done() && b.done());
  LOCKSTEP_ASSERT(b.cancelled() != (second_ran.load() == 1)) << "cancelled and ran, or neither";
}

LOCKSTEP_TEST(thread_pool_map_order_and_first_exception) {
  lockstep::ThreadPool<P> pool(1);
  const auto out = pool.map([](int x) { return 10 * x; }, std::vector<int>{1, 2});
  LOCKSTEP_ASSERT(out == std::vector<int>({10, 20})) << "map() out of input order";
  bool threw = false;
  try {
    (void)pool.map(
        [](int x) {
          if (x == 2) throw std::runtime_error("two");
          return x;
        },
        std::vector<int>{2});
  } catch (const std::runtime_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "map() swallowed the exception";
}

// shutdown(wait) from two threads at once: idempotent, the queued task still runs, and only
// one of them joins the workers.
LOCKSTEP_TEST(thread_pool_concurrent_shutdowns) {
  lockstep::ThreadPool<P> pool(1);
  auto f = pool.submit([] { return 5; });
  P::thread t([&] { pool.shutdown(true); });
  pool.shutdown(true);
  t.join();
  LOCKSTEP_ASSERT(f.result() == 5);
}

// as_completed without a timeout over two tasks of a one-worker pool, iterated while the
// worker completes them: each future is yielded once, in completion order (the worker's FIFO
// order), and a completion while next() sleeps wakes it.
LOCKSTEP_TEST(thread_pool_as_completed_yields_each_once) {
  lockstep::ThreadPool<P> pool(1);
  auto a = pool.submit([] { return 1; });
  auto b = pool.submit([] { return 2; });
  std::vector<int> got;
  for (auto& g : lockstep::as_completed(std::vector{a, b})) got.push_back(g.result());
  LOCKSTEP_ASSERT(got == std::vector<int>({1, 2})) << got.size() << " yielded";
}

namespace {
// map() on one worker over {0, 1}, where the task of 0 throws: the task of 1 has run, as asserted
// here, unless map() cancelled it before the worker started it.
void map_runs_the_task_after_the_exception() {
  lockstep::ThreadPool<P> pool(1);
  P::atomic<bool> second_ran{false};
  try {
    (void)pool.map(
        [&](int x) {
          if (x == 0) throw std::runtime_error("zero");
          second_ran.store(true);
          return x;
        },
        std::vector<int>{0, 1});
  } catch (const std::runtime_error&) {
  }
  pool.shutdown();
  LOCKSTEP_ASSERT(second_ran.load()) << "map() cancelled the task after the one that threw";
}
}  // namespace

// map() stops the remaining work after an exception ("cancel the rest", as Python's map
// iterator): a cancel can lose the race with the worker's start, so no single execution must
// show it — the search must find one in which the next task was cancelled (the assertion above
// fails), and its token replays to it.
LOCKSTEP_UNIT_TEST(thread_pool_map_cancels_the_rest_after_an_exception) {
  lockstep::model_test_options o;
  o.minimize = false;
  const char* name = "map_runs_the_task_after_the_exception";
  const auto x = lockstep::explore(name, map_runs_the_task_after_the_exception, o);
  LOCKSTEP_ASSERT(x.verdict == "FAIL: assertion")
      << "no execution in which map() cancelled the task after the exception: " << x.verdict;
  const auto r = lockstep::replay(name, map_runs_the_task_after_the_exception, o, x.token);
  LOCKSTEP_ASSERT(r.verdict == "FAIL: assertion") << r.verdict;
}

// as_completed over a future that completes and one that cannot before the test releases it:
// at most the first is yielded, then future_timeout, and only once the deadline has passed.
LOCKSTEP_TEST(thread_pool_as_completed_timeout) {
  lockstep::ThreadPool<P> pool(1);
  P::atomic<int> release{0};
  auto quick = pool.submit([] { return 1; });
  auto slow = pool.submit([&] {
    while (release.load() == 0) release.wait(0);
    return 2;
  });
  const auto deadline = P::clock::now() + 20us;
  auto ac = lockstep::as_completed(std::vector{quick, slow}, 20us);
  int yielded = 0;
  bool timed_out = false;
  try {
    while (auto g = ac.next()) {
      ++yielded;
      LOCKSTEP_ASSERT(g->done());
    }
  } catch (const lockstep::future_timeout&) {
    timed_out = true;
    LOCKSTEP_ASSERT(P::clock::now() >= deadline) << "future_timeout before the deadline";
  }
  LOCKSTEP_ASSERT(timed_out && yielded <= 1) << yielded << " yielded, timed out " << timed_out;
  release.store(1);
  release.notify_one();
  LOCKSTEP_ASSERT(slow.result() == 2);
}
