// The step loop's plain step (checker/rt/src/execution.hpp, execution::plain_) takes the same
// steps as its general loop: for the same seeds, random executions of bodies that move in and
// out of the plain case (joins, timed and spurious waits, yields, a parked thread, more than
// 64 threads) make the same choices, take the same steps and preemptions and end the same
// way with the plain step on and off. (A plain step that picked another candidate, or
// counted a preemption differently, changes the choices or the counts of some seed here.)
#include <lockstep/check.hpp>
#include <lockstep/test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../support/failing_programs.hpp"
#include "execution.hpp"
#include "stack_pool.hpp"
#include "strategies.hpp"

using P = lockstep::model_platform;
namespace rt = lockstep::rt;

namespace {

struct outcome {
  std::vector<std::uint16_t> choices;
  std::uint64_t steps = 0;
  int preemptions = 0;
  lockstep::failure_kind kind = lockstep::failure_kind::none;
  std::string message;
  bool blocked = false;
  bool operator==(const outcome&) const = default;
};

// The outcome of the execution `e` just ran.
outcome outcome_of(rt::execution& e) {
  outcome o;
  o.steps = e.steps();
  o.preemptions = e.preemptions();
  o.kind = e.result().kind;
  o.message = e.result().message;
  o.blocked = e.blocked();
  e.swap_choices(o.choices);
  return o;
}

// One random execution in `e` (an execution object runs any number of them in turn).
outcome run_in(rt::execution& e, const std::function<void()>& body, std::uint64_t seed,
               bool plain) {
  rt::execution_config cfg;
  cfg.plain_steps = plain;
  cfg.max_steps = 5000;
  rt::random_chooser ch(seed);
  e.run(cfg, ch, body);
  return outcome_of(e);
}

outcome run(const std::function<void()>& body, std::uint64_t seed, bool plain,
            rt::stack_pool& pool) {
  rt::execution e(pool);
  return run_in(e, body, seed, plain);
}

// Runs `body` for `seeds` seeds with the plain step on and off; returns the first seed whose
// executions differ, or -1 when none does and the executions chose among different
// schedules (not all alike) and ran to their end (passed, or cut by assume).
long first_difference(const std::function<void()>& body, int seeds) {
  rt::stack_pool pool;
  std::vector<std::vector<std::uint16_t>> seen;
  for (int s = 1; s <= seeds; ++s) {
    const auto seed = rt::random_chooser::nth(7, static_cast<std::uint64_t>(s));
    const outcome plain = run(body, seed, true, pool);
    if (!(plain == run(body, seed, false, pool))) return s;
    if (plain.kind != lockstep::failure_kind::none) return -2;  // (the bodies pass)
    if (seen.size() < 2 && (seen.empty() || seen[0] != plain.choices))
      seen.push_back(plain.choices);
  }
  return seen.size() == 2 ? -1 : -3;
}

void store_buffering() {
  P::atomic<int> x{0}, y{0};
  P::thread a([&] {
    x.store(1, std::memory_order_relaxed);
    (void)y.load(std::memory_order_relaxed);
  });
  P::thread b([&] {
    y.store(1, std::memory_order_relaxed);
    (void)x.load(std::memory_order_relaxed);
  });
  a.join();
  b.join();
}

// Timed waits (a deadline: timeouts), a condition variable (spurious wake-ups) and yields:
// steps leave the plain case and come back to it.
void timed_handoff() {
  P::mutex m;
  P::condition_variable cv;
  P::atomic<int> ready{0};
  P::thread waiter([&] {
    std::unique_lock<P::mutex> lk(m);
    cv.wait_for(lk, std::chrono::milliseconds(5), [&] { return ready.load() != 0; });
  });
  P::thread spinner([&] {
    for (int i = 0; i < 3 && ready.load() == 0; ++i) P::this_thread::yield();
  });
  {
    std::lock_guard<P::mutex> lk(m);
    ready.store(1);
  }
  cv.notify_one();
  waiter.join();
  spinner.join();
}

// A thread stopped by lockstep::assume (parked) while others wait for it.
void parked_thread() {
  P::atomic<int> n{0};
  P::thread a([&] {
    n.fetch_add(1);
    lockstep::assume(n.load() == 1);
  });
  P::thread b([&] { n.fetch_add(1); });
  b.join();
  a.join();
}

// More threads than the plain step's word holds: it gives way to the general loop for good.
void many_threads() {
  P::atomic<int> n{0};
  std::vector<P::thread> ts;
  for (int i = 0; i < 70; ++i) ts.emplace_back([&] { n.fetch_add(1); });
  for (auto& t : ts) t.join();
}

// Bodies that pass, fail in some interleavings (lost_update: an assertion,
// opposite_lock_order: a deadlock), park, wait with a timeout or run many threads.
std::vector<std::function<void()>> mixed_bodies() {
  return {store_buffering,
          lockstep_test::lost_update,
          lockstep_test::opposite_lock_order,
          parked_thread,
          timed_handoff,
          many_threads};
}

}  // namespace

// A search runs all its executions in one execution object (execution.hpp): an execution run
// after others — passing, failing, cut by assume, with more threads or fewer — ends exactly
// as in a fresh object.
LOCKSTEP_UNIT_TEST(an_execution_object_reused_runs_as_a_fresh_one) {
  const auto bodies = mixed_bodies();
  rt::stack_pool pool;
  rt::execution reused(pool);
  int failed = 0, passed = 0;
  for (int s = 1; s <= 60; ++s) {
    const auto seed = rt::random_chooser::nth(11, static_cast<std::uint64_t>(s));
    const auto& body = bodies[static_cast<std::size_t>(s) % bodies.size()];
    const bool plain = s % 5 != 0;
    const outcome fresh = run(body, seed, plain, pool);
    LOCKSTEP_ASSERT(run_in(reused, body, seed, plain) == fresh) << "seed " << s;
    (fresh.kind == lockstep::failure_kind::none ? passed : failed)++;
  }
  LOCKSTEP_ASSERT(failed > 0 && passed > 0) << failed << " failed, " << passed << " passed";
}

// Random mode prepares its execution object once per search (execution::prepare) and reseeds
// one chooser per iteration (random_chooser::reseed): every execution ends exactly as one run
// with its own fresh chooser, in a fresh object (what an execution reads of the chooser and
// the configuration per execution, it reads after prepare too).
LOCKSTEP_UNIT_TEST(a_search_prepared_once_runs_as_fresh_executions) {
  const auto bodies = mixed_bodies();
  rt::stack_pool pool;
  rt::execution prepared(pool);
  rt::execution_config cfg;
  cfg.max_steps = 5000;
  rt::random_chooser ch(0);
  prepared.prepare(cfg, ch);
  int failed = 0, passed = 0;
  for (int s = 1; s <= 60; ++s) {
    const auto seed = rt::random_chooser::nth(13, static_cast<std::uint64_t>(s));
    const auto& body = bodies[static_cast<std::size_t>(s) % bodies.size()];
    const outcome fresh = run(body, seed, true, pool);
    ch.reseed(seed);
    prepared.run(body);
    LOCKSTEP_ASSERT(outcome_of(prepared) == fresh) << "seed " << s;
    (fresh.kind == lockstep::failure_kind::none ? passed : failed)++;
  }
  LOCKSTEP_ASSERT(failed > 0 && passed > 0) << failed << " failed, " << passed << " passed";
}

LOCKSTEP_UNIT_TEST(plain_step_takes_the_general_loops_steps) {
  LOCKSTEP_ASSERT(first_difference(store_buffering, 300) == -1) << "store buffering";
  LOCKSTEP_ASSERT(first_difference(timed_handoff, 300) == -1) << "timed hand-off";
  LOCKSTEP_ASSERT(first_difference(parked_thread, 300) == -1) << "parked thread";
  LOCKSTEP_ASSERT(first_difference(many_threads, 20) == -1) << "70 threads";
}
