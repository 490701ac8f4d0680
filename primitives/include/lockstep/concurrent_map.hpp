// lockstep/concurrent_map.hpp — a linearizable concurrent hash map with a choice of locking.
//
// Guarantees
//   * Every single-key operation — get, contains, put, erase, update, compute, visit — takes
//     effect atomically under the lock(s) guarding its key, so any concurrent history is
//     linearizable against models::map. update(key, fn) is an atomic read-modify-write:
//     no other operation on `key` runs between reading the old value and storing fn's result.
//   * Locking policies (the fourth template argument, lockstep::map_locking::...):
//       single_lock  one mutex over one table. Simplest; every operation serialises.
//       rw_lock      one P::shared_mutex: get/contains/visit run in parallel with each other,
//                    writers are exclusive.
//       striped<N>   N tables ("stripes", N = constructor argument, default N, rounded up to
//                    a power of two), each with its own mutex; a key lives in stripe
//                    hash(key) mod N. Operations on keys in
//                    different stripes run in parallel.
//       per_key      a lock table keyed by key: one mutex per key, entries created on demand
//                    and reference counted, erased when the last operation on a key that has
//                    no value leaves (see detail/map_key_locks.hpp). Operations on different
//                    keys never wait for each other's critical sections — only for the short
//                    table lookup.
//   * Iteration:
//       for_each(f)  WEAKLY CONSISTENT: f(key, value) is called for every entry present for
//                    the whole call; entries inserted/erased concurrently may or may not be
//                    seen. Striped/single/RW: each stripe is visited at one instant (under its
//                    lock), different stripes at different instants. per_key: the set of keys
//                    is fixed for the call (table lock held), each value is read under its key
//                    lock. f runs under a lock: it must not call back into the map.
//       snapshot()   CONSISTENT: a copy of the whole map at one instant (all stripe locks, or
//                    the table lock plus every key lock, held together; taken in a fixed order
//                    so concurrent snapshots cannot deadlock). Linearizable; costs O(size) and
//                    briefly blocks writers everywhere.
//   * Not lock-free. fn/f passed to update/compute/visit run under the key's lock: keep them
//     short and never call back into the map from them.
//
// Usage
//   lockstep::ConcurrentMap<std::string, int> m;                           // striped<16>
//   lockstep::ConcurrentMap<int, int, lockstep::std_platform,
//                           lockstep::map_locking::per_key> pk;
//   m.put("a", 1);
//   m.update("a", [](std::optional<int> v) { return std::optional<int>(v.value_or(0) + 1); });
//   if (auto v = m.get("a")) use(*v);
//   for (auto& [k, v] : m.snapshot()) ...
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "lockstep/detail/map_key_locks.hpp"
#include "lockstep/detail/map_stripes.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

// Locking policies: each names the core that stores the entries (see the header comment).
namespace map_locking {
struct single_lock {
  template <class K, class V, class P, class H>
  using core = detail::map_stripes<K, V, P, typename P::mutex, H>;
  static constexpr std::size_t stripes(std::size_t) { return 1; }
};
struct rw_lock {
  template <class K, class V, class P, class H>
  using core = detail::map_stripes<K, V, P, typename P::shared_mutex, H>;
  static constexpr std::size_t stripes(std::size_t) { return 1; }
};
template <std::size_t DefaultStripes = 16>
struct striped {
  template <class K, class V, class P, class H>
  using core = detail::map_stripes<K, V, P, typename P::mutex, H>;
  static constexpr std::size_t stripes(std::size_t n) { return n ? n : DefaultStripes; }
};
struct per_key {
  template <class K, class V, class P, class H>
  using core = detail::map_key_locks<K, V, P, H>;
  static constexpr std::size_t stripes(std::size_t) { return 0; }
};
}  // namespace map_locking

template <class K, class V, class P = std_platform, class Locking = map_locking::striped<>,
          class Hash = std::hash<K>>
class ConcurrentMap {
 public:
  // `stripes` is used by striped<> only (0: its default); the other policies ignore it.
  explicit ConcurrentMap(std::size_t stripes = 0) : core_(Locking::stripes(stripes)) {}
  ConcurrentMap(const ConcurrentMap&) = delete;
  ConcurrentMap& operator=(const ConcurrentMap&) = delete;

  std::optional<V> get(const K& key) const {
    return core_.read(key, [](const V* v) { return v ? std::optional<V>(*v) : std::nullopt; });
  }
  bool contains(const K& key) const {
    return core_.read(key, [](const V* v) { return v != nullptr; });
  }
  // Inserts or overwrites; returns whether the key was absent.
  bool put(const K& key, V value) {
    return core_.apply(key, [&](std::optional<V>& slot) {
      const bool inserted = !slot.has_value();
      slot = std::move(value);
      return inserted;
    });
  }
  // Removes the key; returns whether it was present.
  bool erase(const K& key) {
    return core_.apply(key, [](std::optional<V>& slot) {
      const bool present = slot.has_value();
      slot.reset();
      return present;
    });
  }
  // Atomically replaces the value by fn(old) (old: nullopt if absent; a nullopt result
  // erases the key). Returns the new value.
  template <class Fn>
  std::optional<V> update(const K& key, Fn&& fn) {
    return core_.apply(key, [&](std::optional<V>& slot) {
      std::optional<V> next = fn(std::as_const(slot));
      slot = next;
      return next;
    });
  }
  // Low-level read-modify-write: f(std::optional<V>& slot) edits the entry in place (no copy
  // of the value); returns f's result.
  template <class F>
  decltype(auto) compute(const K& key, F&& f) {
    return core_.apply(key, std::forward<F>(f));
  }
  // Low-level read: f(const V* or nullptr) under the key's (shared, where possible) lock.
  template <class F>
  decltype(auto) visit(const K& key, F&& f) const {
    return core_.read(key, std::forward<F>(f));
  }

  // Weakly consistent iteration (see the header comment).
  template <class F>
  void for_each(F&& f) const {
    core_.for_each(std::forward<F>(f));
  }
  // Consistent copy of the whole map (see the header comment); unordered.
  std::vector<std::pair<K, V>> snapshot() const {
    std::vector<std::pair<K, V>> out;
    core_.for_each_atomic([&](const K& k, const V& v) { out.emplace_back(k, v); });
    return out;
  }
  // Number of entries at one instant (a snapshot count).
  std::size_t size() const {
    std::size_t n = 0;
    core_.for_each_atomic([&](const K&, const V&) { ++n; });
    return n;
  }

 private:
  typename Locking::template core<K, V, P, Hash> core_;
};

}  // namespace lockstep
