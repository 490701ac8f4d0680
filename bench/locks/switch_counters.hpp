// Context switches of the calling benchmark thread, as Google Benchmark counters: "vcs/kop"
// (voluntary: the thread slept, e.g. in a futex wait) and "ivcs/kop" (involuntary: it was
// preempted or called sched_yield()), per 1000 operations of all threads together. Voluntary
// switches say how often a lock puts its waiters to sleep, which depends far less on the load
// of a shared machine than wall time does; involuntary ones grow with the load.
// Usage: SwitchCounter sc; for (auto _ : state) {...} sc.report(state);
#pragma once

#include <benchmark/benchmark.h>
#include <sys/resource.h>

struct SwitchCounter {
  rusage start{};
  SwitchCounter() { getrusage(RUSAGE_THREAD, &start); }
  void report(benchmark::State& state) const {
    rusage end{};
    getrusage(RUSAGE_THREAD, &end);
    const double per_kop =
        state.iterations() > 0 ? 1000.0 / static_cast<double>(state.iterations()) : 0;
    // kAvgThreads: the mean over threads of (switches / own operations), i.e. all switches per
    // 1000 operations of all threads (every thread runs the same number of iterations).
    state.counters["vcs/kop"] =
        benchmark::Counter(static_cast<double>(end.ru_nvcsw - start.ru_nvcsw) * per_kop,
                           benchmark::Counter::kAvgThreads);
    state.counters["ivcs/kop"] =
        benchmark::Counter(static_cast<double>(end.ru_nivcsw - start.ru_nivcsw) * per_kop,
                           benchmark::Counter::kAvgThreads);
  }
};
