// Caches benchmarks, each against its peer in the same run (1 and 2 threads):
//   lru/*        LruCache<int,int> vs a hand-written std::mutex + std::list + unordered_map
//                LRU (80% get / 20% put over 2x capacity keys)
//   cow_read/*   CowList<int>::read summing 64 ints vs the same under std::shared_mutex
//   limiter/*    try_acquire on the locked, thread-local and lock-free token buckets (rate
//                high enough that most calls are grants)
#include <benchmark/benchmark.h>
#include <lockstep/cow_list.hpp>
#include <lockstep/lru_cache.hpp>
#include <lockstep/rate_limiter.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t kCap = 256;

class BaselineLru {
 public:
  explicit BaselineLru(std::size_t cap) : cap_(cap) {}
  std::optional<int> get(int k) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = index_.find(k);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  bool put(int k, int v) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = index_.find(k);
    if (it != index_.end()) {
      it->second->second = v;
      order_.splice(order_.begin(), order_, it->second);
      return false;
    }
    order_.emplace_front(k, v);
    index_.emplace(k, order_.begin());
    if (order_.size() <= cap_) return false;
    index_.erase(order_.back().first);
    order_.pop_back();
    return true;
  }

 private:
  std::size_t cap_;
  std::mutex mu_;
  std::list<std::pair<int, int>> order_;
  std::unordered_map<int, std::list<std::pair<int, int>>::iterator> index_;
};

template <class Cache>
void BM_Lru(benchmark::State& state) {
  static Cache* cache = nullptr;
  if (state.thread_index() == 0) cache = new Cache(kCap);
  std::uint32_t x = 1u + static_cast<std::uint32_t>(state.thread_index());
  for (auto _ : state) {
    x = x * 1664525u + 1013904223u;
    int key = static_cast<int>((x >> 8) % (2 * kCap));
    if ((x >> 24) % 5 == 0) {
      benchmark::DoNotOptimize(cache->put(key, key));
    } else {
      benchmark::DoNotOptimize(cache->get(key));
    }
  }
  if (state.thread_index() == 0) {
    delete cache;
    cache = nullptr;
  }
}

class SharedMutexVector {
 public:
  SharedMutexVector() : v_(64, 1) {}
  template <class F>
  auto read(F&& f) {
    std::shared_lock<std::shared_mutex> g(mu_);
    return f(v_);
  }

 private:
  std::shared_mutex mu_;
  std::vector<int> v_;
};

struct CowFixture : lockstep::CowList<int> {
  CowFixture() {
    write([](std::vector<int>& v) { v.assign(64, 1); });
  }
};

template <class List>
void BM_CowRead(benchmark::State& state) {
  static List* list = nullptr;
  if (state.thread_index() == 0) list = new List;
  for (auto _ : state) {
    int sum = list->read([](const std::vector<int>& v) {
      int s = 0;
      for (int x : v) s += x;
      return s;
    });
    benchmark::DoNotOptimize(sum);
  }
  if (state.thread_index() == 0) {
    delete list;
    list = nullptr;
  }
}

struct Locked : lockstep::LockedRateLimiter<> {
  Locked() : LockedRateLimiter(1'000'000, 1'000'000'000) {}
};
struct ThreadLocal : lockstep::ThreadLocalRateLimiter<> {
  ThreadLocal() : ThreadLocalRateLimiter(1'000'000, 1'000'000'000, 2) {}
};
struct LockFree : lockstep::LockFreeRateLimiter<> {
  LockFree() : LockFreeRateLimiter(1'000'000, 1'000'000'000) {}
};

template <class L>
void BM_Limiter(benchmark::State& state) {
  static L* l = nullptr;
  if (state.thread_index() == 0) l = new L;
  for (auto _ : state) benchmark::DoNotOptimize(l->try_acquire());
  if (state.thread_index() == 0) {
    delete l;
    l = nullptr;
  }
}

}  // namespace

// Google Benchmark runs the body of every thread after a barrier that follows thread 0's
// setup, and runs thread 0's teardown after all threads stopped: the static pointers are safe.
BENCHMARK_TEMPLATE(BM_Lru, lockstep::LruCache<int, int>)
    ->Name("lru/lockstep")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Lru, BaselineLru)
    ->Name("lru/std_mutex_list_map")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_CowRead, CowFixture)
    ->Name("cow_read/lockstep_cow_list")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_CowRead, SharedMutexVector)
    ->Name("cow_read/std_shared_mutex_vector")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Limiter, Locked)
    ->Name("limiter/locked")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Limiter, ThreadLocal)
    ->Name("limiter/thread_local")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Limiter, LockFree)
    ->Name("limiter/lock_free")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

BENCHMARK_MAIN();
