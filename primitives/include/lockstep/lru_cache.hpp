// lockstep/lru_cache.hpp — a thread-safe least-recently-used cache with a fixed capacity.
//
// Guarantees
//   * Linearizable: every operation takes effect atomically under one lock, so any concurrent
//     history is equivalent to some sequential history of the LRU model that respects
//     real-time order.
//   * get(k) returns the value stored under k (if any) and makes k the most recently used
//     entry; put(k, v) inserts or overwrites k, makes it the most recently used entry and, if
//     the cache then holds more than capacity() entries, evicts the least recently used one.
//   * size() <= capacity() whenever the lock is free. capacity() must be at least 1.
//   * Not lock-free: operations block while another thread holds the lock. Values are copied
//     out under the lock, so keep V cheap to copy (or store a shared_ptr).
//
// Usage
//   lockstep::LruCache<std::string, int> cache(128);
//   cache.put("a", 1);
//   if (auto v = cache.get("a")) use(*v);
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class K, class V, class P = std_platform, class Hash = std::hash<K>>
class LruCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("LruCache capacity must be at least 1");
  }
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  // The value under `key`, refreshed to most recently used; nullopt if absent.
  std::optional<V> get(const K& key) {
    std::lock_guard<typename P::mutex> g(mu_);
    // A hit writes the recency order, so it takes the state for writing (ref), not cref:
    // a reader that skipped the lock would race with this splice.
    State& s = state_.ref();
    auto it = s.index.find(key);
    if (it == s.index.end()) return std::nullopt;
    s.order.splice(s.order.begin(), s.order, it->second);
    return it->second->second;
  }

  // Inserts or overwrites `key`; returns true if an entry was evicted to make room.
  bool put(const K& key, V value) {
    std::lock_guard<typename P::mutex> g(mu_);
    State& s = state_.ref();
    auto it = s.index.find(key);
    if (it != s.index.end()) {
      it->second->second = std::move(value);
      s.order.splice(s.order.begin(), s.order, it->second);
      return false;
    }
    s.order.emplace_front(key, std::move(value));
    s.index.emplace(key, s.order.begin());
    if (s.order.size() <= capacity_) return false;
    // The back of the list is the least recently used entry.
    s.index.erase(s.order.back().first);
    s.order.pop_back();
    return true;
  }

  // Removes `key`; returns whether it was present.
  bool erase(const K& key) {
    std::lock_guard<typename P::mutex> g(mu_);
    State& s = state_.ref();
    auto it = s.index.find(key);
    if (it == s.index.end()) return false;
    s.order.erase(it->second);
    s.index.erase(it);
    return true;
  }

  // Whether `key` is cached, without refreshing it (a peek does not count as a use).
  bool contains(const K& key) const {
    std::lock_guard<typename P::mutex> g(mu_);
    return state_.cref().index.count(key) != 0;
  }

  std::size_t size() const {
    std::lock_guard<typename P::mutex> g(mu_);
    return state_.cref().order.size();
  }

  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct State {
    // Most recently used at the front. The index points into the list; list iterators stay
    // valid across splice, so refreshing an entry never touches the index.
    std::list<std::pair<K, V>> order;
    std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator, Hash> index;
  };

  const std::size_t capacity_;
  mutable typename P::mutex mu_;
  typename P::template var<State> state_;
};

}  // namespace lockstep
