// Maps and counters benchmarks, each against its peers in the same run (1, 2 and 4 threads):
//   map/<impl>/<read%>   get/put mix over 1024 pre-filled int keys (uniform random keys;
//                        90% or 50% gets) on one shared map: ConcurrentMap with single_lock,
//                        rw_lock, striped<16>, per_key vs tbb::concurrent_hash_map and a
//                        std::mutex + std::unordered_map baseline.
//   counter/<impl>       add(1) on one shared counter: LockedCounter, ShardedCounter (per-thread
//                        shards), AtomicCounter (CAS loop) vs std::atomic::fetch_add.
//   counter_read/<impl>  reading the value (ShardedCounter::total locks every shard).
#include <benchmark/benchmark.h>
#include <lockstep/concurrent_map.hpp>
#include <lockstep/counters.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#ifdef LOCKSTEP_BENCH_HAVE_TBB
#include <tbb/concurrent_hash_map.h>
#endif

namespace {

constexpr int kKeys = 1024;

template <class Locking>
struct Ours {
  lockstep::ConcurrentMap<int, int, lockstep::std_platform, Locking> m;
  std::optional<int> get(int k) { return m.get(k); }
  void put(int k, int v) { m.put(k, v); }
};

struct MutexMap {
  std::mutex mu;
  std::unordered_map<int, int> m;
  std::optional<int> get(int k) {
    std::lock_guard<std::mutex> g(mu);
    auto it = m.find(k);
    return it == m.end() ? std::nullopt : std::optional<int>(it->second);
  }
  void put(int k, int v) {
    std::lock_guard<std::mutex> g(mu);
    m[k] = v;
  }
};

#ifdef LOCKSTEP_BENCH_HAVE_TBB
struct TbbMap {
  tbb::concurrent_hash_map<int, int> m;
  std::optional<int> get(int k) {
    tbb::concurrent_hash_map<int, int>::const_accessor a;
    return m.find(a, k) ? std::optional<int>(a->second) : std::nullopt;
  }
  void put(int k, int v) {
    tbb::concurrent_hash_map<int, int>::accessor a;
    m.insert(a, k);
    a->second = v;
  }
};
#endif

// One shared, pre-filled map per implementation (all threads of a run use it).
template <class Map>
Map& shared_map() {
  static Map* m = [] {
    auto* p = new Map();
    for (int k = 0; k < kKeys; ++k) p->put(k, k);
    return p;
  }();
  return *m;
}

template <class Map>
void BM_Map(benchmark::State& state) {
  Map& m = shared_map<Map>();
  const auto read_pct = static_cast<std::uint32_t>(state.range(0));
  std::uint32_t x = 0x9E3779B9u * static_cast<std::uint32_t>(state.thread_index() + 1);
  std::int64_t sum = 0;
  for (auto _ : state) {
    x = x * 1664525u + 1013904223u;
    const int key = static_cast<int>((x >> 8) % kKeys);
    if ((x >> 24) % 100 < read_pct) {
      sum += m.get(key).value_or(0);
    } else {
      m.put(key, static_cast<int>(x));
    }
  }
  benchmark::DoNotOptimize(sum);
}

#define MAP_BENCH(name, type)      \
  BENCHMARK_TEMPLATE(BM_Map, type) \
      ->Name("map/" name)          \
      ->Arg(90)                    \
      ->Arg(50)                    \
      ->Threads(1)                 \
      ->Threads(2)                 \
      ->Threads(4)                 \
      ->UseRealTime()

namespace locking = lockstep::map_locking;
MAP_BENCH("std_mutex_unordered_map", MutexMap);
#ifdef LOCKSTEP_BENCH_HAVE_TBB
MAP_BENCH("tbb_concurrent_hash_map", TbbMap);
#endif
MAP_BENCH("single_lock", Ours<locking::single_lock>);
MAP_BENCH("rw_lock", Ours<locking::rw_lock>);
MAP_BENCH("striped16", Ours<locking::striped<16>>);
MAP_BENCH("per_key", Ours<locking::per_key>);

// ---- counters ----------------------------------------------------------------------

struct StdAtomic {
  std::atomic<std::int64_t> v{0};
  void add(std::int64_t d) { v.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t get() const { return v.load(std::memory_order_acquire); }
};
struct Sharded {
  lockstep::ShardedCounter<> c;
  void add(std::int64_t d) { c.add(d); }
  std::int64_t get() const { return c.total(); }
};

template <class C>
C& shared_counter() {
  static C c;
  return c;
}

template <class C>
void BM_CounterAdd(benchmark::State& state) {
  C& c = shared_counter<C>();
  for (auto _ : state) c.add(1);
}

template <class C>
void BM_CounterRead(benchmark::State& state) {
  C& c = shared_counter<C>();
  std::int64_t sum = 0;
  for (auto _ : state) sum += c.get();
  benchmark::DoNotOptimize(sum);
}

#define COUNTER_BENCH(name, type)         \
  BENCHMARK_TEMPLATE(BM_CounterAdd, type) \
      ->Name("counter/" name)             \
      ->Threads(1)                        \
      ->Threads(2)                        \
      ->Threads(4)                        \
      ->UseRealTime();                    \
  BENCHMARK_TEMPLATE(BM_CounterRead, type)->Name("counter_read/" name)->Threads(1)->UseRealTime()

COUNTER_BENCH("std_atomic_fetch_add", StdAtomic);
COUNTER_BENCH("locked", lockstep::LockedCounter<>);
COUNTER_BENCH("sharded", Sharded);
COUNTER_BENCH("atomic_cas", lockstep::AtomicCounter<>);

}  // namespace

BENCHMARK_MAIN();
