// Lock benchmarks: uncontended lock/unlock latency (1 thread), contended throughput (2, 4
// and 8 threads hammering one lock around a tiny critical section; on a 2-core machine 4 and
// 8 are oversubscribed) and a lock convoy (8 threads, critical section + private work).
// Every lock is measured in the same run as std::mutex, the reference for the ratios in
// RESULTS.md. Each row also reports the context switches per 1000 operations (vcs/kop,
// ivcs/kop: switch_counters.hpp).
#include <absl/synchronization/mutex.h>
#include <benchmark/benchmark.h>
#include <tbb/queuing_mutex.h>
#include <tbb/spin_mutex.h>

#include <lockstep/fifo_lock.hpp>
#include <lockstep/lock.hpp>
#include <lockstep/profiled_lock.hpp>
#include <lockstep/rlock.hpp>
#include <lockstep/semaphore.hpp>
#include <lockstep/spin_lock.hpp>
#include <lockstep/ticket_lock.hpp>

#include <cstdint>
#include <mutex>
#include <thread>

#include "switch_counters.hpp"

namespace {

// Adapters to a common lock()/unlock() interface.
struct AbslMutex {
  absl::Mutex m;
  void lock() { m.Lock(); }
  void unlock() { m.Unlock(); }
};
struct TbbSpin {
  tbb::spin_mutex m;
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
};
// tbb::queuing_mutex locks through a scoped_lock that owns the queue node.
struct TbbQueuing {
  tbb::queuing_mutex m;
};
struct SemaphoreLock {
  lockstep::Semaphore<> s{1};
  void lock() { s.acquire(); }
  void unlock() { s.release(); }
};

template <class L>
L& shared_lock() {
  static L l;
  return l;
}
std::uint64_t g_counter = 0;  // protected by the lock under test

template <class L>
void BM_Lock(benchmark::State& state) {
  L& l = shared_lock<L>();
  const SwitchCounter switches;
  for (auto _ : state) {
    if constexpr (std::is_same_v<L, TbbQueuing>) {
      tbb::queuing_mutex::scoped_lock g(l.m);
      benchmark::DoNotOptimize(++g_counter);
    } else {
      l.lock();
      benchmark::DoNotOptimize(++g_counter);
      l.unlock();
    }
  }
  switches.report(state);
  state.SetItemsProcessed(state.iterations());
}

// Lock convoy: more threads than cores (8 on the 2-vCPU dev VM), each doing a short critical
// section and then some private work outside the lock. A lock that hands off to a thread that
// is not running, or whose waiters spin on the CPU the holder needs, collapses here.
void outside_work() {
  std::uint64_t x = 0;
  for (int i = 0; i < 64; ++i) benchmark::DoNotOptimize(x += static_cast<std::uint64_t>(i));
}
template <class L>
void BM_Convoy(benchmark::State& state) {
  L& l = shared_lock<L>();
  const SwitchCounter switches;
  for (auto _ : state) {
    if constexpr (std::is_same_v<L, TbbQueuing>) {
      tbb::queuing_mutex::scoped_lock g(l.m);
      benchmark::DoNotOptimize(++g_counter);
    } else {
      l.lock();
      benchmark::DoNotOptimize(++g_counter);
      l.unlock();
    }
    outside_work();
  }
  switches.report(state);
  state.SetItemsProcessed(state.iterations());
}

#define LOCK_BENCH(L)                                                  \
  BENCHMARK_TEMPLATE(BM_Lock, L)->Name("uncontended/" #L)->Threads(1); \
  BENCHMARK_TEMPLATE(BM_Lock, L)                                       \
      ->Name("contended/" #L)                                          \
      ->Threads(2)                                                     \
      ->Threads(4)                                                     \
      ->Threads(8)                                                     \
      ->UseRealTime();                                                 \
  BENCHMARK_TEMPLATE(BM_Convoy, L)->Name("convoy/" #L)->Threads(8)->UseRealTime()

LOCK_BENCH(std::mutex);
LOCK_BENCH(AbslMutex);
LOCK_BENCH(TbbSpin);
LOCK_BENCH(TbbQueuing);
LOCK_BENCH(lockstep::SpinLock<>);
LOCK_BENCH(lockstep::TTASLock<>);
LOCK_BENCH(lockstep::TicketLock<>);
LOCK_BENCH(lockstep::FifoLock<>);
LOCK_BENCH(lockstep::Lock<>);
LOCK_BENCH(lockstep::RLock<>);
using ProfiledStdMutex = lockstep::ProfiledLock<std::mutex>;
LOCK_BENCH(ProfiledStdMutex);
LOCK_BENCH(SemaphoreLock);

// A real program that shares a lock has threads. glibc skips the bus lock in its mutex (and
// other atomics) while the process has never started a second thread, which would flatter
// std::mutex in the single-thread rows: start and join one before any benchmark runs.
const bool g_multi_threaded = [] {
  std::thread([] {}).join();
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
