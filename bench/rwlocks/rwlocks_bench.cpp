// Reader-writer lock benchmarks. Every thread runs a fixed pattern of operations on one
// shared lock: out of every 100 operations, `writes` (the benchmark argument) take the lock
// exclusively and update a small shared record, the rest take it shared and read the record.
// Workloads: 99/1 and 90/10 read/write (read-mostly) and 50/50 (write-heavy), at 1 thread
// (uncontended) and 2, 4 and 8 threads (oversubscribed beyond the core count) (wall time per
// operation, all threads together). Every lock is measured in the same run as std::shared_mutex,
// the reference. Each row also reports the context switches per 1000 operations (vcs/kop,
// ivcs/kop: ../locks/switch_counters.hpp).
#include <absl/synchronization/mutex.h>
#include <benchmark/benchmark.h>
#include <tbb/queuing_rw_mutex.h>
#include <tbb/spin_rw_mutex.h>

#include <lockstep/phase_fair_rw_lock.hpp>
#include <lockstep/reader_pref_rw_lock.hpp>
#include <lockstep/writer_pref_rw_lock.hpp>

#include <cstdint>
#include <shared_mutex>
#include <thread>
#include <type_traits>

#include "../locks/switch_counters.hpp"

namespace {

// Adapters to the SharedLockable interface.
struct AbslMutex {
  absl::Mutex m;
  void lock() { m.Lock(); }
  void unlock() { m.Unlock(); }
  void lock_shared() { m.ReaderLock(); }
  void unlock_shared() { m.ReaderUnlock(); }
};
using TbbSpinRw = tbb::spin_rw_mutex;
// tbb::queuing_rw_mutex locks through a scoped_lock that owns the queue node.
struct TbbQueuingRw {
  tbb::queuing_rw_mutex m;
};
using StdSharedMutex = std::shared_mutex;
using ReaderPref = lockstep::ReaderPrefRwLock<>;
using WriterPref = lockstep::WriterPrefRwLock<>;
using PhaseFair = lockstep::PhaseFairRwLock<>;

// The protected record: a writer bumps all fields, a reader sums them (a few loads, like a
// lookup in a small table).
struct Record {
  std::uint64_t f[4] = {0, 0, 0, 0};
};

template <class L>
struct Shared {
  alignas(64) L lock;
  alignas(64) Record rec;
};
template <class L>
Shared<L>& shared() {
  static Shared<L> s;
  return s;
}

template <class L>
void write_op(Shared<L>& s) {
  if constexpr (std::is_same_v<L, TbbQueuingRw>) {
    tbb::queuing_rw_mutex::scoped_lock g(s.lock.m, /*write=*/true);
    for (auto& x : s.rec.f) ++x;
  } else {
    s.lock.lock();
    for (auto& x : s.rec.f) ++x;
    s.lock.unlock();
  }
}
template <class L>
std::uint64_t read_op(Shared<L>& s) {
  std::uint64_t sum = 0;
  if constexpr (std::is_same_v<L, TbbQueuingRw>) {
    tbb::queuing_rw_mutex::scoped_lock g(s.lock.m, /*write=*/false);
    for (auto x : s.rec.f) sum += x;
  } else {
    s.lock.lock_shared();
    for (auto x : s.rec.f) sum += x;
    s.lock.unlock_shared();
  }
  return sum;
}

template <class L>
void BM_Rw(benchmark::State& state) {
  Shared<L>& s = shared<L>();
  const int writes = static_cast<int>(state.range(0));
  // Threads start at different points of the pattern so that writes do not line up.
  int i = state.thread_index() * 37;
  const SwitchCounter switches;
  for (auto _ : state) {
    if (i % 100 < writes) {
      write_op(s);
    } else {
      benchmark::DoNotOptimize(read_op(s));
    }
    if (++i == 100) i = 0;
  }
  switches.report(state);
  state.SetItemsProcessed(state.iterations());
}

#define RW_BENCH(L)            \
  BENCHMARK_TEMPLATE(BM_Rw, L) \
      ->Name(#L)               \
      ->ArgName("writes%")     \
      ->Arg(1)                 \
      ->Arg(10)                \
      ->Arg(50)                \
      ->Threads(1)             \
      ->Threads(2)             \
      ->Threads(4)             \
      ->Threads(8)             \
      ->UseRealTime()

RW_BENCH(StdSharedMutex);
RW_BENCH(AbslMutex);
RW_BENCH(TbbSpinRw);
RW_BENCH(TbbQueuingRw);
RW_BENCH(ReaderPref);
RW_BENCH(WriterPref);
RW_BENCH(PhaseFair);

// glibc skips the bus lock in pthread locks while the process has never started a second
// thread, which would flatter std::shared_mutex in the 1-thread rows: start one first.
const bool g_multi_threaded = [] {
  std::thread([] {}).join();
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
