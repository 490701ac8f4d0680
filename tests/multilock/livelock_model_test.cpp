// Livelock: two "polite workers" each need both of two resources. Each grabs its own, and
// if the other's is taken it politely releases its own, yields and retries. Nobody ever
// blocks while holding a resource, so there is no deadlock — but in lock step they can
// retry forever. Every round of lock step has a way out, though (one worker gets in
// first), which a scheduler choosing at random takes with probability 1: the workers
// terminate with probability 1, and keep retrying only under an adversarial scheduler.
//
// The checker's rule (checker/rt/src/liveness.hpp): an execution that exceeds its step bound
// is tried again from there with random continuations. If one of them ends, the cycle has a
// way out: by default the execution is cut and the test passes with the note "terminates
// with probability 1"; with strict_liveness (--strict-liveness) it is a livelock failure.
// A cycle no continuation leaves (nothing can ever let a thread through) fails either way.
//
// The cures, when even adversarial schedules must terminate (strict liveness):
//   * randomised exponential backoff (lockstep::Backoff): after a collision each worker
//     waits a random number of pauses, so lock step is broken with probability 1. That is a
//     probabilistic guarantee, so the right modes are random and PCT (bounded numbers of
//     sampled executions), not strict exhaustive search: exhaustive search quantifies over
//     every value of every random draw (they are lockstep::choose points) and every
//     schedule, and an adversary that always draws equal waits keeps the workers in lock
//     step — a livelock of probability 0 — or never finishes, since the retry loop is
//     unbounded.
//   * bounded politeness: after a few polite retries, fall back to taking both resources in
//     the global order (lock_ordered), which cannot livelock: exhaustive search proves it.
#include <lockstep/backoff.hpp>
#include <lockstep/check.hpp>
#include <lockstep/multi_lock.hpp>

#include <functional>
#include <mutex>
#include <string>

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

// The random source of the backoff, as a choice of the checker: random mode samples it,
// replay tokens record it.
struct CheckerChoice {
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(lockstep::choose(static_cast<int>(n)));
  }
};

struct Resources {
  P::mutex r1, r2;
  P::var<int> uses{0};  // written only while holding both
};

// One polite worker. `after_collision(attempt)` runs after it gave its resource back;
// returning false means "stop being polite": take both in the global order instead.
template <class AfterCollision>
void polite_worker(Resources& res, P::mutex& mine, P::mutex& other,
                   AfterCollision after_collision) {
  for (int attempt = 0;; ++attempt) {
    mine.lock();
    if (other.try_lock()) {
      res.uses += 1;
      other.unlock();
      mine.unlock();
      return;
    }
    mine.unlock();  // the other worker has it: politely step aside
    if (!after_collision(attempt)) break;
  }
  lockstep::lock_ordered(mine, other);
  res.uses += 1;
  other.unlock();
  mine.unlock();
}

template <class MakePolicy>
void two_workers(MakePolicy make_policy) {
  Resources res;
  P::thread a([&] { polite_worker(res, res.r1, res.r2, make_policy(0)); });
  P::thread b([&] { polite_worker(res, res.r2, res.r1, make_policy(1)); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(res.uses.get() == 2);
}

// The policy of the workers that yield and retry forever.
auto always_polite(int) {
  return [](int) {
    P::this_thread::yield();
    return true;
  };
}

}  // namespace

// Yield and retry forever: some schedule keeps the two in lock step (each takes its own
// resource, fails to get the other's, both release, both yield, again) until the step bound.
// Under strict liveness that is the failure. Exhaustive only: the livelocking schedules are
// the adversarial ones, which random scheduling samples with vanishing probability (each
// round of lock step needs the right interleaving again).
LOCKSTEP_TEST(polite_workers_livelock, {.expect = failure_kind::livelock,
                                        .random = false,
                                        .max_steps = 150,
                                        .strict_liveness = true}) {
  two_workers(always_polite);
}

// The same workers by default: the lock-step executions are cut at the step bound and
// counted; every other execution finishes.
LOCKSTEP_TEST(polite_workers_terminate_with_probability_1, {.max_steps = 150}) {
  two_workers(always_polite);
}

// The verdict says why it passed: the rule saw the adversarial cycles and cut them, rather
// than the search missing them. (On the interleaving engine: by default the graph engine's
// fairness rule does not produce these rounds at all; std_scoped_lock_note below is its case.
// Under strict liveness the graph engine finds the repeated round: the test after this one.)
LOCKSTEP_UNIT_TEST(polite_workers_pass_with_the_probability_1_note) {
  auto body = [] { two_workers(always_polite); };
  const auto x = lockstep::explore("polite_workers_note", body,
                                   {.max_steps = 150, .engine = lockstep::engine::dpor});
  LOCKSTEP_ASSERT(x.passed) << x.verdict << "\n" << x.report;
  LOCKSTEP_ASSERT(x.report.find("terminates with probability 1") != std::string::npos) << x.report;
  LOCKSTEP_ASSERT(x.report.find("--replay=") != std::string::npos) << x.report;
  const auto strict = lockstep::explore(
      "polite_workers_note", body,
      {.max_steps = 150, .engine = lockstep::engine::dpor, .strict_liveness = true});
  LOCKSTEP_ASSERT(!strict.passed && strict.verdict == "FAIL: livelock") << strict.verdict;
}

// The graph engine under strict liveness: the lock-step round of the polite workers, repeated
// to the step bound, is the livelock; its token replays it (the trace shows the round again
// and again). Without strict liveness the same search passes.
LOCKSTEP_UNIT_TEST(polite_workers_graph_engine_strict_replays_the_round) {
  auto body = [] { two_workers(always_polite); };
  const lockstep::model_test_options graph{.max_steps = 150, .engine = lockstep::engine::graph};
  const auto relaxed = lockstep::explore("polite_workers_graph", body, graph);
  LOCKSTEP_ASSERT(relaxed.passed) << relaxed.verdict << "\n" << relaxed.report;
  lockstep::model_test_options strict_opts = graph;
  strict_opts.strict_liveness = true;
  const auto strict = lockstep::explore("polite_workers_graph", body, strict_opts);
  LOCKSTEP_ASSERT(!strict.passed && strict.verdict == "FAIL: livelock") << strict.verdict;
  LOCKSTEP_ASSERT(strict.token.find(".graph.") != std::string::npos) << strict.token;
  LOCKSTEP_ASSERT(strict.report.find("spins since step") != std::string::npos) << strict.report;
}

// Regression: std::scoped_lock with opposite argument orders. libstdc++'s std::lock locks
// one, try-locks the other and on failure unlocks and retries the other way round: no
// deadlock, and an adversarial alternation only sustains the retrying. Passes by default.
static void scoped_lock_opposite_orders() {
  P::mutex a, b;
  P::var<int> n{0};
  P::thread t1([&] {
    std::scoped_lock g(a, b);
    n += 1;
  });
  P::thread t2([&] {
    std::scoped_lock g(b, a);
    n += 1;
  });
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}
LOCKSTEP_TEST(std_scoped_lock_opposite_orders_terminates, {.max_steps = 400}) {
  scoped_lock_opposite_orders();
}

// Under the graph engine the retry rounds of std::lock do reach the step bound: the rule
// cuts them there, with the note.
LOCKSTEP_UNIT_TEST(std_scoped_lock_note) {
  const auto x = lockstep::explore("scoped_lock_note", scoped_lock_opposite_orders,
                                   {.max_steps = 400, .engine = lockstep::engine::graph});
  LOCKSTEP_ASSERT(x.passed) << x.verdict << "\n" << x.report;
  LOCKSTEP_ASSERT(x.report.find("terminates with probability 1") != std::string::npos) << x.report;
}

// A cycle with no way out stays a livelock by default: both workers insist on a resource
// the other never gives back (each keeps its own and retries the other's forever).
LOCKSTEP_TEST(stubborn_workers_livelock_without_a_way_out,
              {.expect = failure_kind::livelock, .max_steps = 150}) {
  Resources res;
  auto stubborn = [&](P::mutex& mine, P::mutex& other) {
    mine.lock();
    while (!other.try_lock()) P::this_thread::yield();
    other.unlock();
    mine.unlock();
  };
  P::thread a(stubborn, std::ref(res.r1), std::ref(res.r2));
  P::thread b(stubborn, std::ref(res.r2), std::ref(res.r1));
  a.join();
  b.join();
}

// Randomised exponential backoff: the waits are checker choices. Random mode (and the PCT
// run registered in CMakeLists.txt) samples schedules and draws; every sampled execution
// must finish within the step bound.
LOCKSTEP_TEST(backoff_workers_make_progress, {.exhaustive = false, .iterations = 3000}) {
  two_workers([](int) {
    return [backoff = lockstep::Backoff<P, CheckerChoice>(CheckerChoice{}, {.base = 1, .cap = 8})](
               int) mutable {
      backoff.pause();
      return true;
    };
  });
}

// The same backoff seeded per thread (the production default: SplitMix64 seeded with a
// thread index): deterministic draws, so only the scheduler is random.
LOCKSTEP_TEST(seeded_backoff_workers_make_progress, {.exhaustive = false, .iterations = 3000}) {
  two_workers([](int id) {
    return [backoff = lockstep::Backoff<P>(static_cast<std::uint64_t>(id) + 1,
                                           {.base = 1, .cap = 8})](int) mutable {
      backoff.pause();
      return true;
    };
  });
}

// Why not exhaustive mode for the backoff: the search also picks every draw, so it finds
// the adversary that draws equal waits forever — a livelock of probability 0.
LOCKSTEP_TEST(backoff_workers_adversary_livelocks, {.expect = failure_kind::livelock,
                                                    .random = false,
                                                    .max_steps = 150,
                                                    .strict_liveness = true}) {
  two_workers([](int) {
    return [backoff = lockstep::Backoff<P, CheckerChoice>(CheckerChoice{}, {.base = 1, .cap = 2})](
               int) mutable {
      backoff.pause();
      return true;
    };
  });
}

// lock_backoff (the std::lock algorithm) has the same weakness: it cannot deadlock, but an
// adversarial schedule keeps two callers with opposite argument orders backing off in lock
// step (multi_lock.hpp documents the trade-off; multi_lock_model_test.cpp checks it with a
// preemption bound, under which it always completes).
LOCKSTEP_TEST(lock_backoff_adversary_livelocks, {.expect = failure_kind::livelock,
                                                 .random = false,
                                                 .max_steps = 150,
                                                 .strict_liveness = true}) {
  Resources res;
  auto body = [&](P::mutex& first, P::mutex& second) {
    lockstep::lock_backoff<P>(first, second);
    res.uses += 1;
    first.unlock();
    second.unlock();
  };
  P::thread a(body, std::ref(res.r1), std::ref(res.r2));
  P::thread b(body, std::ref(res.r2), std::ref(res.r1));
  a.join();
  b.join();
}

// Bounded politeness: two polite retries, then the global order. Every schedule finishes —
// checked exhaustively.
LOCKSTEP_TEST(bounded_politeness_terminates) {
  two_workers([](int) {
    return [](int attempt) {
      if (attempt >= 2) return false;
      P::this_thread::yield();
      return true;
    };
  });
}

// The same under strict liveness: its first rounds repeat one another as far as the
// scheduler can see (the same operations at the same lines), but the attempt counter ends
// them; a candidate livelock the graph engine replays ends instead of reaching the step bound,
// so it is dropped.
LOCKSTEP_TEST(bounded_politeness_terminates_under_strict_liveness,
              {.random = false, .max_steps = 150, .strict_liveness = true}) {
  two_workers([](int) {
    return [](int attempt) {
      if (attempt >= 2) return false;
      P::this_thread::yield();
      return true;
    };
  });
}

// Regression test of DPOR under fair yields: each worker counts its collisions privately;
// two collisions each (lock step for two rounds) is reachable. The only shared objects are
// the mutexes, so the schedules that reach it differ from others only in where the yields
// fall; DPOR once pruned them all (13 executions, no lock step) because it treated a yield
// as independent of everything, although under fair scheduling the yielder's next step
// waits for the other threads. Yields are now dependent with every step (dpor.hpp).
LOCKSTEP_TEST(polite_workers_two_lock_step_rounds_dpor,
              {.expect = failure_kind::assertion, .random = false}) {
  Resources res;
  int c1 = 0, c2 = 0;  // thread-private: the only shared objects are the two mutexes
  auto policy = [](int& c) {
    return [&c](int attempt) {
      ++c;
      if (attempt >= 2) return false;
      P::this_thread::yield();
      return true;
    };
  };
  P::thread a([&] { polite_worker(res, res.r1, res.r2, policy(c1)); });
  P::thread b([&] { polite_worker(res, res.r2, res.r1, policy(c2)); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(c1 + c2 < 4) << "both workers collided twice";
}
