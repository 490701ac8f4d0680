// Model tests of LruCache under the checker: every execution's history is checked for
// linearizability against the sequential LRU model (lru_history.hpp), and broken twins
// must be caught.
#include <lockstep/check.hpp>
#include <lockstep/lru_cache.hpp>

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lru_history.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lru_history::op;
using lru_history::op_kind;

namespace {

// Broken twin 1: get() finds the entry and copies the value in one critical section and
// refreshes its recency in a second one. In between, a put() can evict the entry the get
// has already returned as a hit: the eviction then removes a key that a linearizable cache
// would have just refreshed.
template <class K, class V, class Pl>
class SplitRefreshLru {
 public:
  explicit SplitRefreshLru(std::size_t capacity) : capacity_(capacity) {}
  std::optional<V> get(const K& key) {
    V value;
    {
      std::lock_guard<typename Pl::mutex> g(mu_);
      auto& s = state_.ref();
      auto it = s.index.find(key);
      if (it == s.index.end()) return std::nullopt;
      value = it->second->second;
    }
    std::lock_guard<typename Pl::mutex> g(mu_);  // BUG: the refresh is a separate step
    auto& s = state_.ref();
    auto it = s.index.find(key);
    if (it != s.index.end()) s.order.splice(s.order.begin(), s.order, it->second);
    return value;
  }
  bool put(const K& key, V value) {
    std::lock_guard<typename Pl::mutex> g(mu_);
    auto& s = state_.ref();
    auto it = s.index.find(key);
    if (it != s.index.end()) {
      it->second->second = value;
      s.order.splice(s.order.begin(), s.order, it->second);
      return false;
    }
    s.order.emplace_front(key, value);
    s.index.emplace(key, s.order.begin());
    if (s.order.size() <= capacity_) return false;
    s.index.erase(s.order.back().first);
    s.order.pop_back();
    return true;
  }

 private:
  struct State {
    std::list<std::pair<K, V>> order;
    std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index;
  };
  std::size_t capacity_;
  typename Pl::mutex mu_;
  typename Pl::template var<State> state_;
};

// Broken twin 2: put() evicts the most recently used entry other than the new one (the
// front's successor) instead of the least recently used (the back).
template <class K, class V, class Pl>
class WrongVictimLru {
 public:
  explicit WrongVictimLru(std::size_t capacity) : inner_(capacity + 1), capacity_(capacity) {}
  std::optional<V> get(const K& key) {
    std::lock_guard<typename Pl::mutex> g(mu_);
    return inner_.get(key);
  }
  bool put(const K& key, V value) {
    std::lock_guard<typename Pl::mutex> g(mu_);
    keys_.ref().remove(key);
    keys_.ref().push_front(key);
    inner_.put(key, value);
    if (keys_.cref().size() <= capacity_) return false;
    auto victim = *std::next(keys_.cref().begin());  // BUG: should be keys_.back()
    keys_.ref().remove(victim);
    inner_.erase(victim);
    return true;
  }

 private:
  lockstep::LruCache<K, V, Pl> inner_;
  std::size_t capacity_;
  typename Pl::mutex mu_;
  typename Pl::template var<std::list<K>> keys_;
};

// The scenario: capacity 2, prefilled with 1 and 2 (2 most recent). Thread A reads 1 and
// then writes 4; thread B writes 3 and reads 2; afterwards the main thread probes every key.
// Whether 1 or 2 survives depends on the order of A's get and B's put, so a cache whose get
// does not refresh atomically, or that evicts the wrong entry, yields a history no
// sequential LRU produces.
template <class Cache>
void run_scenario() {
  Cache cache(2);
  cache.put(1, 10);
  cache.put(2, 20);
  lru_history::model initial(2);
  initial.apply({op_kind::put, 1, 10, false, 0, 0});
  initial.apply({op_kind::put, 2, 20, false, 0, 0});

  // Fibers run on one OS thread and a plain increment is not a scheduling point, so this
  // counter orders calls and returns exactly as the execution interleaves them.
  std::int64_t clk = 0;
  auto do_get = [&](std::vector<op>& h, int key) {
    op o{op_kind::get, key, 0, false, ++clk, 0};
    auto v = cache.get(key);
    o.ret = ++clk;
    o.result = v.has_value();
    o.value = v.value_or(0);
    h.push_back(o);
  };
  auto do_put = [&](std::vector<op>& h, int key, int value) {
    op o{op_kind::put, key, value, false, ++clk, 0};
    o.result = cache.put(key, value);
    o.ret = ++clk;
    h.push_back(o);
  };

  std::vector<std::vector<op>> hist(3);
  P::thread a([&] {
    do_get(hist[0], 1);
    do_put(hist[0], 4, 40);
  });
  P::thread b([&] {
    do_put(hist[1], 3, 30);
    do_get(hist[1], 2);
  });
  a.join();
  b.join();
  for (int k = 1; k <= 4; ++k) do_get(hist[2], k);

  if (!lru_history::linearizable(hist, initial)) {
    lockstep::report_failure(
        failure_kind::linearizability,
        "history not linearizable w.r.t. the LRU model:\n" + lru_history::describe(hist));
  }
}

}  // namespace

LOCKSTEP_TEST(lru_cache_is_linearizable) { run_scenario<lockstep::LruCache<int, int, P>>(); }

LOCKSTEP_TEST(lru_cache_put_put_same_key_keeps_last, {.preemption_bound = 3}) {
  lockstep::LruCache<int, int, P> cache(1);
  P::thread a([&] { cache.put(7, 1); });
  P::thread b([&] { cache.put(7, 2); });
  P::thread c([&] { cache.put(8, 3); });
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(cache.size() == 1) << "capacity exceeded: size " << cache.size();
  auto v7 = cache.get(7);
  auto v8 = cache.get(8);
  LOCKSTEP_ASSERT(v7.has_value() != v8.has_value()) << "exactly one key must survive";
  if (v7) LOCKSTEP_ASSERT(*v7 == 1 || *v7 == 2) << "invented value " << *v7;
  if (v8) LOCKSTEP_ASSERT(*v8 == 3) << "invented value " << *v8;
}

LOCKSTEP_TEST(broken_lru_split_refresh_is_caught, {.expect = failure_kind::linearizability}) {
  run_scenario<SplitRefreshLru<int, int, P>>();
}

LOCKSTEP_TEST(broken_lru_wrong_victim_is_caught, {.expect = failure_kind::linearizability}) {
  run_scenario<WrongVictimLru<int, int, P>>();
}
