// Cost of the checker's step loop: per visible operation, and executions per second of a
// tiny 2-thread test. Peer: a bare pair of fcontext switches (the floor a fiber scheduler
// cannot go below) measured in the same run.
#include <benchmark/benchmark.h>

#include <boost/context/detail/fcontext.hpp>
#include <lockstep/check.hpp>

#include <vector>

#include "structures.hpp"

using P = lockstep::model_platform;
namespace ctx = boost::context::detail;

namespace {

// Peer: jump into a fiber and back (what every scheduling point costs at the least).
void BM_BareFiberSwitchPair(benchmark::State& state) {
  static char stack[64 * 1024];
  struct loop {
    static void entry(ctx::transfer_t t) {
      for (;;) t = ctx::jump_fcontext(t.fctx, nullptr);
    }
  };
  ctx::fcontext_t f = ctx::make_fcontext(stack + sizeof stack, sizeof stack, &loop::entry);
  for (auto _ : state) {
    f = ctx::jump_fcontext(f, nullptr).fctx;
  }
}
BENCHMARK(BM_BareFiberSwitchPair);

// One simulated thread doing 1000 atomic loads: every load is a scheduling point. Measured
// with the interleaving engine's plain DFS strategy (dpor:0) and with DPOR (dpor:1, which
// also builds a node and runs the race detector per step).
void BM_SchedulerPerVisibleOp(benchmark::State& state) {
  constexpr int kOps = 1000;
  lockstep::model_test_options opts;
  opts.max_steps = 10 * kOps;
  opts.engine = lockstep::engine::dpor;  // (the graph engine, the default, ignores .dpor)
  opts.dpor = state.range(0) != 0;
  for (auto _ : state) {
    auto x = lockstep::explore(
        "bench_ops",
        [] {
          P::atomic<int> a{0};
          int sum = 0;
          for (int i = 0; i < kOps; ++i) sum += a.load(std::memory_order_relaxed);
          benchmark::DoNotOptimize(sum);
        },
        opts, true);
    if (!x.passed) state.SkipWithError("execution failed");
  }
  state.SetItemsProcessed(state.iterations() * kOps);
  state.counters["ns_per_op"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kOps),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SchedulerPerVisibleOp)->ArgName("dpor")->Arg(0)->Arg(1);

// Exhaustive exploration of two threads × one fetch_add each (+ spawn/join): executions/s.
void BM_ExecutionsPerSecondTwoThreads(benchmark::State& state) {
  std::uint64_t execs = 0;
  for (auto _ : state) {
    auto x = lockstep::explore("bench_two_threads", [] {
      P::atomic<int> n{0};
      P::thread a([&] { n.fetch_add(1); }), b([&] { n.fetch_add(1); });
      a.join();
      b.join();
    });
    if (!x.passed) state.SkipWithError("exploration failed");
    execs += x.executions;
  }
  state.counters["executions"] =
      static_cast<double>(execs) / static_cast<double>(state.iterations());
  state.counters["executions_per_s"] =
      benchmark::Counter(static_cast<double>(execs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExecutionsPerSecondTwoThreads);

// Random mode on the 2-thread store-buffering test (x = 1; r1 = y || y = 1; r2 = x, relaxed):
// the cost per execution, which Relacy's own SB test runs at 0.27 µs (issue 13's reference).
// One exploration of `kExecutions` random executions per iteration; arg: 0 = SC, 1 = C11.
void BM_RandomStoreBuffering(benchmark::State& state) {
  constexpr std::uint64_t kExecutions = 20'000;
  lockstep::model_test_options o;
  o.iterations = kExecutions;
  o.seed = 7;
  o.memory = state.range(0) ? lockstep::memory_model::c11 : lockstep::memory_model::sequential;
  for (auto _ : state) {
    auto run = lockstep::explore(
        "bench_random_sb",
        [] {
          P::atomic<int> x{0}, y{0};
          int r1 = 0, r2 = 0;
          P::thread a([&] {
            x.store(1, std::memory_order_relaxed);
            r1 = y.load(std::memory_order_relaxed);
          });
          P::thread b([&] {
            y.store(1, std::memory_order_relaxed);
            r2 = x.load(std::memory_order_relaxed);
          });
          a.join();
          b.join();
          benchmark::DoNotOptimize(r1 + r2);
        },
        o, false);
    if (!run.passed || run.executions != kExecutions) state.SkipWithError("random run failed");
  }
  state.counters["us_per_execution"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kExecutions) / 1e6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RandomStoreBuffering)->ArgName("c11")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Random mode with N threads each doing one fetch_add (plus spawn/join by the body): how the
// cost per execution grows with the number of threads.
void BM_RandomThreads(benchmark::State& state) {
  constexpr std::uint64_t kExecutions = 2'000;
  const int threads = static_cast<int>(state.range(0));
  lockstep::model_test_options o;
  o.iterations = kExecutions;
  o.max_steps = 100'000;
  for (auto _ : state) {
    auto run = lockstep::explore(
        "bench_random_threads",
        [threads] {
          P::atomic<int> n{0};
          std::vector<P::thread> ts;
          ts.reserve(static_cast<std::size_t>(threads));
          for (int i = 0; i < threads; ++i) ts.emplace_back([&] { n.fetch_add(1); });
          for (auto& t : ts) t.join();
        },
        o, false);
    if (!run.passed) state.SkipWithError("random run failed");
  }
  state.counters["us_per_execution"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kExecutions) / 1e6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RandomThreads)->Arg(2)->Arg(8)->Arg(15)->Arg(100)->Unit(benchmark::kMillisecond);

// Whole exhaustive explorations of classic structures, with and without DPOR: executions
// needed and wall time (one exploration per iteration). Without DPOR the search is capped at
// 2,000,000 executions ("capped" counter = 1 when the cap was hit).
template <class Body>
void explore_structure(benchmark::State& state, Body body, bool dpor) {
  lockstep::model_test_options o;
  o.dpor = dpor;
  o.spurious_wakeups = 0;
  o.max_executions = 2'000'000;
  std::uint64_t execs = 0;
  bool capped = false;
  for (auto _ : state) {
    auto x = lockstep::explore("bench_structure", body, o, true);
    capped = x.verdict == "FAIL: incomplete";
    if (!x.passed && !capped) state.SkipWithError(x.verdict.c_str());
    execs = x.executions;
  }
  state.counters["executions"] = static_cast<double>(execs);
  state.counters["capped"] = capped ? 1 : 0;
}

void BM_Treiber3_DPOR(benchmark::State& s) {
  explore_structure(s, lockstep_test::treiber_3_threads, true);
}
void BM_MSQueue2_DPOR(benchmark::State& s) {
  explore_structure(s, lockstep_test::ms_queue_2_threads, true);
}
void BM_MSQueue2_Full(benchmark::State& s) {
  explore_structure(s, lockstep_test::ms_queue_2_threads, false);
}
void BM_MutexCounter_DPOR(benchmark::State& s) {
  const int n = static_cast<int>(s.range(0));
  explore_structure(
      s, [n] { lockstep_test::mutex_counter(n); }, true);
}
void BM_MutexCounter_Full(benchmark::State& s) {
  const int n = static_cast<int>(s.range(0));
  explore_structure(
      s, [n] { lockstep_test::mutex_counter(n); }, false);
}
void BM_Peterson_DPOR(benchmark::State& s) { explore_structure(s, lockstep_test::peterson, true); }
void BM_Peterson_Full(benchmark::State& s) { explore_structure(s, lockstep_test::peterson, false); }

BENCHMARK(BM_Treiber3_DPOR)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_MSQueue2_DPOR)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MSQueue2_Full)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_MutexCounter_DPOR)->DenseRange(2, 4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MutexCounter_Full)->DenseRange(2, 4)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Peterson_DPOR)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Peterson_Full)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
