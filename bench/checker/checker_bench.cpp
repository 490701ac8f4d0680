// Cost of the checker's step loop: per visible operation, and executions per second of a
// tiny 2-thread test. Peer: a bare pair of fcontext switches (the floor a fiber scheduler
// cannot go below) measured in the same run.
#include <benchmark/benchmark.h>

#include <boost/context/detail/fcontext.hpp>
#include <lockstep/check.hpp>

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

// One simulated thread doing 1000 atomic loads: every load is a scheduling point.
void BM_SchedulerPerVisibleOp(benchmark::State& state) {
  constexpr int kOps = 1000;
  lockstep::model_test_options opts;
  opts.max_steps = 10 * kOps;
  for (auto _ : state) {
    auto x = lockstep::explore("bench_ops", [] {
      P::atomic<int> a{0};
      int sum = 0;
      for (int i = 0; i < kOps; ++i) sum += a.load(std::memory_order_relaxed);
      benchmark::DoNotOptimize(sum);
    }, opts, true);
    if (!x.passed) state.SkipWithError("execution failed");
  }
  state.SetItemsProcessed(state.iterations() * kOps);
  state.counters["ns_per_op"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kOps),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SchedulerPerVisibleOp);

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
  state.counters["executions"] = static_cast<double>(execs) / static_cast<double>(state.iterations());
  state.counters["executions_per_s"] =
      benchmark::Counter(static_cast<double>(execs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExecutionsPerSecondTwoThreads);

}  // namespace

BENCHMARK_MAIN();
