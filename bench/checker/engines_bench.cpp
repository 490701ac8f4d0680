// The graph engine against the interleaving engine (DPOR; under C++11 times the choice of
// store) on the programs of the exploration reference, in the same run: executions
// (complete + blocked) and CPU time per exhaustive exploration. GenMC's counts for the same
// programs (shared/notes/exploration-reference.md) are the reference in BENCHMARKS.md.
// The interleaving engine is capped at 300,000 executions ("capped" = 1).
#include <benchmark/benchmark.h>

#include <lockstep/check.hpp>

#include <mutex>

#include "reference_programs.hpp"

namespace {

using lockstep::engine;
using lockstep::memory_model;

template <class Body>
void explore_program(benchmark::State& state, Body body, engine eng, memory_model mm,
                     int spurious_wakeups = 0) {
  lockstep::model_test_options o;
  o.engine = eng;
  o.memory = mm;
  o.spurious_wakeups = spurious_wakeups;
  o.max_executions = 300'000;
  std::uint64_t execs = 0, blocked = 0;
  bool capped = false;
  for (auto _ : state) {
    auto x = lockstep::explore(
        "bench_engine",
        [&] {
          std::string out;
          body(out);
          benchmark::DoNotOptimize(out);
        },
        o, true);
    capped = x.verdict == "FAIL: incomplete";
    if (!x.passed && !capped) state.SkipWithError(x.verdict.c_str());
    execs = x.executions;
    blocked = x.blocked;
  }
  state.counters["executions"] = static_cast<double>(execs);
  state.counters["blocked"] = static_cast<double>(blocked);
  state.counters["capped"] = capped ? 1 : 0;
  state.counters["us_per_execution"] = benchmark::Counter(
      static_cast<double>(execs) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}

#define LOCKSTEP_ENGINE_BENCH(name, body)                                          \
  void BM_##name##_graph_rc11(benchmark::State& s) {                               \
    explore_program(s, body, engine::graph, memory_model::c11);                    \
  }                                                                                \
  void BM_##name##_dpor_c11(benchmark::State& s) {                                 \
    explore_program(s, body, engine::dpor, memory_model::c11);                     \
  }                                                                                \
  void BM_##name##_graph_sc(benchmark::State& s) {                                 \
    explore_program(s, body, engine::graph, memory_model::sequential);             \
  }                                                                                \
  void BM_##name##_dpor_sc(benchmark::State& s) {                                  \
    explore_program(s, body, engine::dpor, memory_model::sequential);              \
  }                                                                                \
  BENCHMARK(BM_##name##_graph_rc11)->Unit(benchmark::kMillisecond)->Iterations(1); \
  BENCHMARK(BM_##name##_dpor_c11)->Unit(benchmark::kMillisecond)->Iterations(1);   \
  BENCHMARK(BM_##name##_graph_sc)->Unit(benchmark::kMillisecond)->Iterations(1);   \
  BENCHMARK(BM_##name##_dpor_sc)->Unit(benchmark::kMillisecond)->Iterations(1)

LOCKSTEP_ENGINE_BENCH(sb, lockstep_test::sb);
LOCKSTEP_ENGINE_BENCH(faa_4_2, [](std::string& o) { lockstep_test::faa(o, 4, 2); });
LOCKSTEP_ENGINE_BENCH(treiber_2, [](std::string& o) { lockstep_test::treiber(o, 2); });
LOCKSTEP_ENGINE_BENCH(treiber_3, [](std::string& o) { lockstep_test::treiber(o, 3); });
LOCKSTEP_ENGINE_BENCH(msq2, lockstep_test::msq2);
LOCKSTEP_ENGINE_BENCH(seqlock, lockstep_test::seqlock);
LOCKSTEP_ENGINE_BENCH(mutex_counter_4,
                      [](std::string& o) { lockstep_test::mutex_counter_n(o, 4); });
LOCKSTEP_ENGINE_BENCH(ticket_3, [](std::string& o) { lockstep_test::ticket(o, 3); });

// Wait-heavy: two consumers wait on a condition variable (predicate loops) for the items a
// producer publishes with notify_one, and the producer waits on an atomic until both are done;
// with one spurious wake-up per execution (the waits' default budget).
void cv_handoff(std::string& out) {
  using P = lockstep::model_platform;
  P::mutex m;
  P::condition_variable cv;
  int items = 0;  // guarded by m
  P::atomic<int> done{0};
  auto consumer = [&] {
    {
      std::unique_lock<P::mutex> lk(m);
      while (items == 0) cv.wait(lk);
      --items;
    }
    done.fetch_add(1);
    done.notify_one();
  };
  P::thread a(consumer), b(consumer);
  for (int i = 0; i < 2; ++i) {
    {
      std::lock_guard<P::mutex> g(m);
      ++items;
    }
    cv.notify_one();
  }
  for (int d = done.load(); d != 2; d = done.load()) done.wait(d);
  a.join();
  b.join();
  out = "ok";
}
void BM_cv_handoff_spurious_graph_sc(benchmark::State& s) {
  explore_program(s, cv_handoff, engine::graph, memory_model::sequential, 1);
}
void BM_cv_handoff_spurious_graph_rc11(benchmark::State& s) {
  explore_program(s, cv_handoff, engine::graph, memory_model::c11, 1);
}
BENCHMARK(BM_cv_handoff_spurious_graph_sc)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_cv_handoff_spurious_graph_rc11)->Unit(benchmark::kMillisecond)->Iterations(1);
}  // namespace

BENCHMARK_MAIN();
