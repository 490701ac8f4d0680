// Zero cost of the platform abstraction: a primitive written against std_platform versus the
// same algorithm written directly on std:: types, measured in the same run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <type_traits>

#include <lockstep/spin_lock.hpp>
#include <lockstep/std_platform.hpp>
#include <lockstep/ticket_lock.hpp>

namespace {

using S = lockstep::std_platform;
static_assert(std::is_same_v<S::atomic<int>, std::atomic<int>>);
static_assert(std::is_same_v<S::mutex, std::mutex>);
static_assert(sizeof(S::var<long>) == sizeof(long));

// The hand-written peer: the same ticket lock, straight on std::atomic.
class RawTicketLock {
 public:
  void lock() {
    const std::uint32_t my = next_.fetch_add(1, std::memory_order_relaxed);
    while (serving_.load(std::memory_order_acquire) != my) __builtin_ia32_pause();
  }
  void unlock() {
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  std::atomic<std::uint32_t> next_{0}, serving_{0};
};

template <class Lock>
void BM_UncontendedLockUnlock(benchmark::State& state) {
  Lock lock;
  long counter = 0;
  for (auto _ : state) {
    lock.lock();
    ++counter;
    benchmark::DoNotOptimize(counter);
    lock.unlock();
  }
}
BENCHMARK(BM_UncontendedLockUnlock<RawTicketLock>);
BENCHMARK(BM_UncontendedLockUnlock<lockstep::TicketLock<>>);
BENCHMARK(BM_UncontendedLockUnlock<std::mutex>);
BENCHMARK(BM_UncontendedLockUnlock<S::mutex>);

template <class Lock>
void BM_ContendedLockUnlock(benchmark::State& state) {
  static Lock lock;
  static long counter = 0;
  for (auto _ : state) {
    lock.lock();
    ++counter;
    benchmark::DoNotOptimize(counter);
    lock.unlock();
  }
}
BENCHMARK(BM_ContendedLockUnlock<RawTicketLock>)->Threads(2)->UseRealTime();
BENCHMARK(BM_ContendedLockUnlock<lockstep::TicketLock<>>)->Threads(2)->UseRealTime();

void BM_PlainIncrement(benchmark::State& state) {
  long v = 0;
  for (auto _ : state) {
    v += 1;
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_PlainIncrement);

void BM_VarIncrement(benchmark::State& state) {
  S::var<long> v{0};
  for (auto _ : state) {
    v += 1;
    benchmark::DoNotOptimize(v.ref());
  }
}
BENCHMARK(BM_VarIncrement);

// Per-thread values. Peer: a C++ `thread_local` (static storage only, so it cannot be a
// per-object member). One object: the one-entry lookup cache answers. Two objects used
// alternately: every get() misses the cache and takes the hash-table path.
void BM_CxxThreadLocalIncrement(benchmark::State& state) {
  static thread_local long v = 0;
  for (auto _ : state) {
    v += 1;
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_CxxThreadLocalIncrement);

void BM_ThreadLocalVarIncrement(benchmark::State& state) {
  S::thread_local_var<long> v;
  for (auto _ : state) {
    v.get() += 1;
    benchmark::DoNotOptimize(v.get());
  }
}
BENCHMARK(BM_ThreadLocalVarIncrement);

void BM_ThreadLocalVarAlternating(benchmark::State& state) {
  S::thread_local_var<long> a, b;
  for (auto _ : state) {
    a.get() += 1;
    b.get() += 1;
    benchmark::DoNotOptimize(a.get());
  }
}
BENCHMARK(BM_ThreadLocalVarAlternating);

}  // namespace

BENCHMARK_MAIN();
