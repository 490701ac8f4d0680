// Multi-lock benchmarks. Transfers: each iteration moves 1 unit between two distinct random
// accounts out of state.range(0) (2: every transfer contends on the same pair; 64: rare
// collisions), taking both account locks with one strategy. Once: the cost of reading an
// already-initialised lazy value (the fast path every caller pays forever).
#include <benchmark/benchmark.h>

#include <lockstep/backoff.hpp>
#include <lockstep/bank.hpp>
#include <lockstep/multi_lock.hpp>
#include <lockstep/once.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace {

struct Account {
  std::mutex m;
  long balance = 1'000'000;
};

std::vector<Account>& accounts() {
  static std::vector<Account> v(64);
  return v;
}

enum class strategy { ordered_guard, lock_ordered, lock_backoff, scoped_lock };

template <strategy S>
void BM_Transfer(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  auto& acc = accounts();
  lockstep::SplitMix64 rng(static_cast<std::uint64_t>(state.thread_index()) + 1);
  for (auto _ : state) {
    const std::uint32_t i = rng.below(n);
    std::uint32_t j = rng.below(n - 1);
    if (j >= i) ++j;  // distinct
    Account& a = acc[i];
    Account& b = acc[j];
    if constexpr (S == strategy::ordered_guard) {
      lockstep::OrderedLockGuard<std::mutex> g({&a.m, &b.m});
      --a.balance, ++b.balance;
    } else if constexpr (S == strategy::lock_ordered) {
      lockstep::lock_ordered(a.m, b.m);
      --a.balance, ++b.balance;
      a.m.unlock(), b.m.unlock();
    } else if constexpr (S == strategy::lock_backoff) {
      lockstep::lock_backoff(a.m, b.m);
      --a.balance, ++b.balance;
      a.m.unlock(), b.m.unlock();
    } else {
      std::scoped_lock g(a.m, b.m);
      --a.balance, ++b.balance;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BankTransfer(benchmark::State& state) {
  static lockstep::Bank<> bank(64, 1'000'000);
  const auto n = static_cast<std::uint32_t>(state.range(0));
  lockstep::SplitMix64 rng(static_cast<std::uint64_t>(state.thread_index()) + 1);
  for (auto _ : state) {
    const std::uint32_t i = rng.below(n);
    std::uint32_t j = rng.below(n - 1);
    if (j >= i) ++j;
    benchmark::DoNotOptimize(bank.transfer(i, j, 1));
  }
  state.SetItemsProcessed(state.iterations());
}

#define TRANSFER_BENCH(fn, name) \
  BENCHMARK(fn)->Name(name)->Arg(2)->Arg(64)->Threads(1)->Threads(2)->Threads(4)->UseRealTime()

TRANSFER_BENCH(BM_Transfer<strategy::scoped_lock>, "transfer/std_scoped_lock");
TRANSFER_BENCH(BM_Transfer<strategy::lock_ordered>, "transfer/lock_ordered");
TRANSFER_BENCH(BM_Transfer<strategy::ordered_guard>, "transfer/OrderedLockGuard");
TRANSFER_BENCH(BM_Transfer<strategy::lock_backoff>, "transfer/lock_backoff");
TRANSFER_BENCH(BM_BankTransfer, "transfer/Bank");

// ---- once: reading an initialised value
void BM_LazyGet(benchmark::State& state) {
  static lockstep::Lazy<long> lazy([] { return 42L; });
  for (auto _ : state) benchmark::DoNotOptimize(lazy.get());
}
void BM_FunctionStatic(benchmark::State& state) {
  auto get = []() -> const long& {
    static const long v = [] { return 42L; }();  // the compiler's guarded static init
    return v;
  };
  for (auto _ : state) benchmark::DoNotOptimize(get());
}
void BM_StdCallOnce(benchmark::State& state) {
  static std::once_flag flag;
  static long v = 0;
  for (auto _ : state) {
    std::call_once(flag, [] { v = 42; });
    benchmark::DoNotOptimize(v);
  }
}
void BM_MutexEveryTime(benchmark::State& state) {  // the naive alternative to DCL
  static std::mutex m;
  static std::unique_ptr<long> v;
  for (auto _ : state) {
    std::lock_guard<std::mutex> g(m);
    if (!v) v = std::make_unique<long>(42);
    benchmark::DoNotOptimize(*v);
  }
}
BENCHMARK(BM_LazyGet)->Name("once/lockstep_Lazy")->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_FunctionStatic)->Name("once/function_static")->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_StdCallOnce)->Name("once/std_call_once")->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_MutexEveryTime)->Name("once/mutex_every_time")->Threads(1)->Threads(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
