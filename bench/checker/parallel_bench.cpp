// --jobs (checker/rt/src/parallel.hpp): wall time of one search explored by 1 and by 2 worker
// processes, exhaustive (graph engine) and random mode, in the same run. Real time, not CPU
// time: the workers' CPU is in other processes. The searches take several seconds per worker
// on one core; the speed-up is the ratio of the rows' times. Counters: executions (the same
// for every number of workers, or the merge is wrong) and us_per_execution (wall).
#include <benchmark/benchmark.h>

#include <lockstep/check.hpp>

#include "support/search_programs.hpp"

namespace {

// Four threads storing, reading and incrementing on two locations: ~126,000 graphs (the
// search tests/checker/shard_fixtures.cpp splits too).
void four_writers() { benchmark::DoNotOptimize(lockstep_test::four_writers()); }

void run(benchmark::State& state, bool exhaustive, std::uint64_t iterations, int repeat) {
  lockstep::model_test_options o;
  o.jobs = static_cast<int>(state.range(0));
  o.iterations = iterations;
  std::uint64_t execs = 0;
  for (auto _ : state) {
    execs = 0;
    for (int k = 0; k < repeat; ++k) {
      auto x = lockstep::explore("bench_parallel", four_writers, o, exhaustive);
      if (!x.passed) state.SkipWithError(x.verdict.c_str());
      execs += x.executions;
    }
  }
  state.counters["executions"] = static_cast<double>(execs);
  state.counters["us_per_execution"] = benchmark::Counter(
      static_cast<double>(execs) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}

// Exhaustive: the graph engine's search of four_writers, 3 times (one search is ~2 s).
void BM_exhaustive_graph(benchmark::State& s) { run(s, true, 0, 3); }
// Random mode: 3,000,000 iterations of the same program.
void BM_random(benchmark::State& s) { run(s, false, 3'000'000, 1); }

BENCHMARK(BM_exhaustive_graph)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(BM_random)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
