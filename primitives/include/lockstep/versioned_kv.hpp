// lockstep/versioned_kv.hpp — a time-based versioned key-value store.
//
// Guarantees
//   * set(key, value, ts) records `value` as key's version at timestamp ts (a later set with
//     the same key and ts overwrites that version); get(key, ts) returns the value of the
//     latest version with timestamp <= ts, or nullopt. Timestamps are supplied by the caller
//     and need not arrive in order.
//   * Linearizable against models::versioned_kv: each operation takes effect atomically under
//     the lock guarding its key (one key's versions are a std::map, so get is O(log versions)).
//   * Locking variants (the Locking argument, shared with ConcurrentMap):
//       map_locking::single_lock  one mutex for the whole store;
//       map_locking::rw_lock      one shared_mutex: gets run in parallel, sets are exclusive;
//       map_locking::per_key      one lock per key (lock table, see concurrent_map.hpp): gets
//                                 and sets on different keys never wait for each other;
//     (striped<N> works too). The fourth variant, ExecutorVersionedKv, serialises every
//     operation through a single-worker executor instead of locks.
//   * The versions of a key are never pruned: memory grows with the number of distinct
//     (key, ts) pairs set.
//
// Usage
//   lockstep::VersionedKv<std::string, std::string> kv;           // per-key locks
//   kv.set("cfg", "v1", 10);
//   kv.set("cfg", "v2", 20);
//   kv.get("cfg", 15);  // "v1"
//   kv.get("cfg", 5);   // nullopt
//   lockstep::ExecutorVersionedKv<std::string, std::string> ex;  // same API, one worker
#pragma once

#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include <unordered_map>

#include "lockstep/concurrent_map.hpp"
#include "lockstep/std_platform.hpp"
#include "lockstep/thread_pool.hpp"

namespace lockstep {

namespace detail {
// The value of the latest version at or before ts in one key's versions.
template <class V, class Ts>
std::optional<V> kv_latest_at(const std::map<Ts, V>* versions, const Ts& ts) {
  if (versions == nullptr) return std::nullopt;
  auto it = versions->upper_bound(ts);
  if (it == versions->begin()) return std::nullopt;
  return std::prev(it)->second;
}
}  // namespace detail

template <class K, class V, class P = std_platform, class Locking = map_locking::per_key,
          class Ts = std::int64_t, class Hash = std::hash<K>>
class VersionedKv {
 public:
  void set(const K& key, V value, Ts ts) {
    versions_.compute(key, [&](std::optional<std::map<Ts, V>>& slot) {
      if (!slot) slot.emplace();
      (*slot)[ts] = std::move(value);  // edits the key's versions in place, under its lock
    });
  }

  std::optional<V> get(const K& key, Ts ts) const {
    return versions_.visit(
        key, [&](const std::map<Ts, V>* versions) { return detail::kv_latest_at(versions, ts); });
  }

 private:
  ConcurrentMap<K, std::map<Ts, V>, P, Locking, Hash> versions_;
};

// The executor variant: no locks around the data. Every operation is a task on a
// ThreadPool with ONE worker, which alone touches the versions; the caller waits for its
// task's result. Linearizable because the single worker runs tasks one at a time in
// submission (FIFO) order: an operation takes effect when the worker runs its task, which is
// after its invocation and before its response. Serialises everything (like single_lock) and
// adds a queue hop and two thread switches per operation; it shows the actor/executor style
// (the data needs no synchronisation at all), not a faster store.
template <class K, class V, class P = std_platform, class Ts = std::int64_t,
          class Hash = std::hash<K>>
class ExecutorVersionedKv {
 public:
  void set(const K& key, V value, Ts ts) {
    worker_
        .submit([this, key, ts, v = std::move(value)]() mutable {
          data_.ref()[key][ts] = std::move(v);
        })
        .result();
  }

  std::optional<V> get(const K& key, Ts ts) const {
    return worker_
        .submit([this, key, ts] {
          const auto& d = data_.cref();
          auto it = d.find(key);
          return detail::kv_latest_at(it == d.end() ? nullptr : &it->second, ts);
        })
        .result();
  }

 private:
  // Touched only by the worker's tasks (the pool's queue orders them after the submitter).
  typename P::template var<std::unordered_map<K, std::map<Ts, V>, Hash>> data_;
  // Declared last: destroyed (drained and joined) before data_.
  mutable ThreadPool<P> worker_{1};
};

}  // namespace lockstep
