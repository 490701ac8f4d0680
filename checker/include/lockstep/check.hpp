// lockstep/check.hpp — model tests: LOCKSTEP_TEST and its options.
//
// A model test's body is run as simulated thread 0 of many executions; each execution
// follows a different interleaving of the visible operations of the threads it spawns
// (lockstep::model_platform). The checker reports the first execution that fails — an
// assertion, deadlock, livelock (step bound), escaping exception, misuse, data race, ... —
// with a replay token; `<test-exe> --replay=TOKEN` re-runs exactly that execution and prints
// a trace of every visible operation with its source location.
//
// Usage
//   #include <lockstep/check.hpp>
//   using P = lockstep::model_platform;
//
//   LOCKSTEP_TEST(two_threads_increment) {            // must pass in every interleaving
//     P::atomic<int> n{0};
//     P::thread a([&] { n.fetch_add(1); }), b([&] { n.fetch_add(1); });
//     a.join(); b.join();
//     LOCKSTEP_ASSERT(n.load() == 2);
//   }
//
//   LOCKSTEP_TEST(lost_update_is_caught, {.expect = lockstep::failure_kind::assertion}) {
//     ...  // a deliberately broken twin: the checker must find the failure
//   }
//
// A test with .expect set passes only if the failure of that kind is found in every mode
// it runs in, and its token replays to the same failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>

#include "lockstep/model_platform.hpp"
#include "lockstep/test.hpp"

namespace lockstep {

// How atomics behave: every execution sequentially consistent, or the C++11 (RC11) model in
// which loads may read older stores as the memory orders permit (see lockstep/rt/runtime.hpp).
enum class memory_model : std::uint8_t { sequential, c11 };

// How exhaustive mode explores: `graph` (the default) — one execution per consistent
// execution graph (TruSt; checker/rt/src/graph/README.md), for every object model_platform
// offers; `dpor` — interleavings with source-set DPOR (under c11, times the choice of store
// at each load), kept as the oracle the graph engine is cross-checked against. A preemption
// bound always explores interleavings.
enum class engine : std::uint8_t { dpor, graph };

struct model_test_options {
  // The failure the test must provoke (a broken twin); none: the test must pass.
  failure_kind expect = failure_kind::none;
  // A broken twin whose failure the checker cannot catch yet (named in `gap`): it is run
  // and reported as "known gap", and reported as caught once the checker does catch it.
  const char* gap = nullptr;
  bool exhaustive = true;                    // run the exhaustive DFS
  bool random = true;                        // run the seeded random strategy
  std::uint64_t max_executions = 1'000'000;  // exhaustive: more than this fails as incomplete
  std::uint64_t iterations = 2'000;          // random: executions
  std::uint64_t seed = 1;                    // random: seed
  std::uint64_t max_steps = 2'000;           // per-execution step bound (livelock beyond)
  // Per-execution budget of spurious events: cv (and atomic wait) wake-ups without a notify,
  // and compare_exchange_weak failures where the value matched.
  int spurious_wakeups = 1;
  // Exhaustive mode explores every schedule with at most this many preemptions (a switch
  // away from a thread that could have continued); < 0: all schedules. CHESS's experience:
  // almost all concurrency bugs need at most 2. Random mode is never bounded.
  int preemption_bound = -1;
  // The interleaving engine (engine::dpor) uses dynamic partial-order reduction (source
  // sets + sleep sets): one execution per Mazurkiewicz trace instead of one per
  // interleaving. Ignored when a preemption bound is set.
  bool dpor = true;
  lockstep::engine engine = lockstep::engine::graph;
  memory_model memory = memory_model::sequential;
  // Graph engine, for tests of the engine itself: keep a signature of every explored graph
  // and count those explored twice (exploration::duplicate_graphs; optimality means 0).
  bool check_optimality = false;
  // Graph engine: how many times a thread may read an overwritten value after yielding, per
  // location (spin loops that keep missing a write that exists). Beyond it a read that
  // follows a yield reads the latest write. See checker/rt/src/graph/trust.hpp.
  int stale_spins = 2;
  // Graph engine: cut loop iterations that wrote nothing and saw nothing new (a failed CAS
  // retried, a spin that read only the latest writes) — GenMC's spin-assume. Turn it off for
  // loops that leave after a count of identical iterations (spin-then-park): their fallback
  // path is only reached by unrolling them.
  bool prune_loops = true;
  // Non-termination that a randomised scheduler leaves with probability 1 (polite workers,
  // std::lock's unlock-and-retry): by default such an execution is cut at the step bound
  // and the test passes with a note ("terminates with probability 1; livelocks only under
  // adversarial scheduling"); strict: it is a livelock failure. A cycle with no way out (a
  // spin for a write that never comes) fails either way. checker/rt/src/liveness.hpp; under
  // the graph engine strict liveness also replays the rounds an execution repeats to the step
  // bound (checker/rt/src/graph/trust.hpp).
  bool strict_liveness = false;
  // After a failure, search an execution with fewer preemptions and steps that fails the
  // same way and report it first, the token as first found beside it (checker/README.md,
  // "Minimised counterexamples"). The harness's --no-minimize turns it off for every test.
  bool minimize = true;
  std::size_t stack_size = 128 * 1024;  // fiber stack per simulated thread
  // Worker processes exploring the search together once it has run 1,000 executions
  // (checker/rt/src/parallel.hpp); 0: the number of cores, except for the interleaving
  // engine with DPOR, whose split search is not its unsplit one (1 unless asked for).
  // --jobs=N replaces it. The results are the same for every number of workers.
  int jobs = 0;
  // explore() with one worker, for cross-checks of the engines (tests/graph): a deadlock does
  // not end the search; this is called after each deadlocked execution (what the body recorded
  // is as that execution left it) and the search goes on, `on_deadlock(on_deadlock_context)`.
  // Null: a deadlock is a failure. (A function pointer: the options stay a literal type, so
  // `constexpr model_test_options` works.)
  void (*on_deadlock)(void*) = nullptr;
  void* on_deadlock_context = nullptr;
};
// Option sets are often constants (`constexpr model_test_options kSmall{...}`).
static_assert(std::is_trivially_destructible_v<model_test_options>);

namespace detail {
inline model_test_options make_options() { return {}; }
inline model_test_options make_options(const model_test_options& o) { return o; }
}  // namespace detail

// Explores `body` programmatically (for property tests that generate scenarios, e.g. with
// rapidcheck): exhaustive DFS (honouring opts.preemption_bound) or opts.iterations random
// executions. Returns at the first failing execution, minimised unless opts.minimize is off. The
// token in the result replays with
// `--replay` only if the same body is registered under `name`; a property test prints its
// generator seed next to it instead.
struct exploration {
  bool passed = false;
  std::uint64_t executions = 0;
  // "pass (complete, dpor)" (or "..., graph", "..., pb<=2", "pass (complete)": DFS without
  // DPOR), "pass" (random), "FAIL: assertion", "FAIL: incomplete", ...
  std::string verdict;
  std::string report;  // failure, replay token and trace (empty when passed)
  std::string token;   // of the execution reported (the minimised one, if minimising found one)
  std::string original_token;          // the failure as first found, when minimising replaced it
  std::uint64_t blocked = 0;           // graph engine: executions cut by a held-back lock
  std::uint64_t duplicate_graphs = 0;  // with check_optimality
};
exploration explore(const std::string& name, std::function<void()> body,
                    const model_test_options& opts = {}, bool exhaustive = true);
// Replays one execution of `body` from a token printed by explore() (the token names `name`)
// and returns its verdict; report holds the full thread-by-thread trace and the outcome.
exploration replay(const std::string& name, std::function<void()> body,
                   const model_test_options& opts, const std::string& token);

// The runner behind LOCKSTEP_TEST (checker/rt/src/runner.cpp).
test_outcome run_model_test(const test_info&, const run_config&);

}  // namespace lockstep

#define LOCKSTEP_TEST(name, ...)                                                            \
  static void LOCKSTEP_CONCAT(lockstep_model_body_, name)();                                \
  static const ::lockstep::model_test_options LOCKSTEP_CONCAT(lockstep_model_opts_, name) = \
      ::lockstep::detail::make_options(__VA_ARGS__);                                        \
  static ::lockstep::detail::registrar LOCKSTEP_CONCAT(lockstep_model_reg_,                 \
                                                       name){::lockstep::test_info{         \
      #name, ::lockstep::source_loc{__FILE__, __LINE__}, "model",                           \
      &LOCKSTEP_CONCAT(lockstep_model_body_, name), &::lockstep::run_model_test,            \
      &LOCKSTEP_CONCAT(lockstep_model_opts_, name)}};                                       \
  static void LOCKSTEP_CONCAT(lockstep_model_body_, name)()
