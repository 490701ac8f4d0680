// Contract tests of ThreadPool (thread_pool.hpp): two workers asleep on an empty queue both
// wake for shutdown() (notify_all) and drain what was queued — no lost task, each runs once;
// tasks start in FIFO order with one worker; shutdown(cancel_pending) cancels what is queued
// (a cancelled task never runs) and then submit() throws; shutdown() from two threads at once
// joins the workers once; map() keeps input order and rethrows the first exception;
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
