// P::latch and P::barrier under the checker: their std guarantees in every interleaving, and
// broken uses the checker must catch (a latch count that does not cover every worker, a
// barrier expecting a participant that never comes, reading a phase's data after arrive()
// without wait()).
#include <lockstep/check.hpp>

#include <array>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

// Two workers publish with relaxed stores and count down; the waiter sees both (the
// count-downs release, wait acquires).
void latch_workers(std::ptrdiff_t count, bool second_counts_down) {
  P::latch done(count);
  P::atomic<int> a_done{0}, b_done{0};
  P::thread a([&] {
    a_done.store(1, std::memory_order_relaxed);
    done.count_down();
  });
  P::thread b([&] {
    b_done.store(1, std::memory_order_relaxed);
    if (second_counts_down) done.count_down();
  });
  done.wait();
  LOCKSTEP_ASSERT(a_done.load(std::memory_order_relaxed) == 1 &&
                  b_done.load(std::memory_order_relaxed) == 1)
      << "the latch let the waiter through early";
  a.join();
  b.join();
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(latch_wait_returns_after_every_count_down,
                           {.memory = memory_model::c11}) {
  latch_workers(2, true);
}

// BUG: the latch counts one worker too few: the waiter gets through before b's store.
LOCKSTEP_TEST_BOTH_ENGINES(latch_broken_count_one_too_few_is_caught,
                           {.expect = failure_kind::assertion, .memory = memory_model::c11}) {
  latch_workers(1, false);
}

// arrive_and_wait counts down and waits; count_down(n) takes n at once; try_wait is false
// until the count reaches zero.
LOCKSTEP_TEST_BOTH_ENGINES(latch_arrive_and_wait_and_count_down_n) {
  P::latch l(3);
  P::thread t([&] { l.count_down(2); });
  LOCKSTEP_ASSERT(!l.try_wait()) << "zero before the last arrival";
  l.arrive_and_wait();
  LOCKSTEP_ASSERT(l.try_wait());
  t.join();
}

// BUG: counting down past zero (undefined in std) is reported as misuse.
LOCKSTEP_TEST(latch_broken_count_down_past_zero_is_caught, {.expect = failure_kind::misuse}) {
  P::latch l(1);
  l.count_down();
  l.count_down();
}

namespace {

// `threads` threads (2 or 3), two phases. The completion step of each phase runs exactly
// once, after all arrivals of the phase (it sees every thread's write of the phase) and
// before any of them returns from arrive_and_wait (each sees the count of completed phases).
void barrier_rounds(int threads) {
  std::array<P::var<int>, 3> wrote{};
  P::var<int> completed{0};
  auto step = [&]() noexcept {
    for (int i = 0; i < threads; ++i)
      LOCKSTEP_ASSERT(wrote[i].get() == completed.get() + 1) << "completion before an arrival";
    completed += 1;
  };
  P::barrier<decltype(step)> bar(threads, step);
  auto body = [&](int i) {
    for (int phase = 0; phase < 2; ++phase) {
      wrote[i] = phase + 1;
      bar.arrive_and_wait();
      LOCKSTEP_ASSERT(completed.get() == phase + 1) << "arrive_and_wait returned early";
    }
  };
  P::thread a(body, 0);
  P::thread b;
  if (threads == 3) b = P::thread(body, 2);
  body(1);
  a.join();
  if (b.joinable()) b.join();
  LOCKSTEP_ASSERT(completed.get() == 2) << "completion steps: " << completed.get();
}

}  // namespace

// Three threads are beyond the interleaving engine's million executions; the graph engine
// explores them.
LOCKSTEP_TEST_BOTH_ENGINES(barrier_completion_once_per_phase_before_release) { barrier_rounds(2); }
LOCKSTEP_TEST_BOTH_ENGINES(barrier_completion_once_per_phase_before_release_c11,
                           {.memory = memory_model::c11}) {
  barrier_rounds(2);
}
LOCKSTEP_TEST(barrier_completion_once_per_phase_three_threads_graph,
              {.engine = lockstep::engine::graph}) {
  barrier_rounds(3);
}

// BUG: the barrier expects three participants but only two come: nobody passes it.
LOCKSTEP_TEST_BOTH_ENGINES(barrier_broken_expected_count_too_high_is_caught,
                           {.expect = failure_kind::deadlock}) {
  P::barrier<> bar(3);
  P::thread a([&] { bar.arrive_and_wait(); });
  bar.arrive_and_wait();
  a.join();
}

// BUG: arrive() alone does not wait for the phase: reading the other thread's write of the
// phase before wait(token) races with it.
LOCKSTEP_TEST_BOTH_ENGINES(barrier_broken_read_after_arrive_without_wait_is_caught,
                           {.expect = failure_kind::data_race}) {
  P::barrier<> bar(2);
  P::var<int> x{0};
  P::thread a([&] {
    x = 1;
    bar.arrive_and_wait();
  });
  auto token = bar.arrive();
  const int seen = x.get();  // BUG: before bar.wait(std::move(token))
  bar.wait(std::move(token));
  (void)seen;
  a.join();
}

// arrive_and_drop: a participant that leaves is not expected in later phases.
LOCKSTEP_TEST_BOTH_ENGINES(barrier_arrive_and_drop_shrinks_later_phases) {
  P::var<int> completed{0};
  auto step = [&]() noexcept { completed += 1; };
  P::barrier<decltype(step)> bar(2, step);
  P::thread leaver([&] { bar.arrive_and_drop(); });
  bar.arrive_and_wait();  // phase 1: both
  bar.arrive_and_wait();  // phase 2: only this thread is expected
  leaver.join();
  LOCKSTEP_ASSERT(completed.get() == 2);
}
