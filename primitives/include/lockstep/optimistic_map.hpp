// lockstep/optimistic_map.hpp — a map with per-key versions and optimistic (compare-version)
// updates.
//
// Guarantees
//   * Every key carries a version: 0 while absent, incremented by every successful write
//     (put, update, erase). get() returns the value together with its version.
//   * update(key, expected_version, value) writes only if the key's version is still
//     expected_version (0 = "only if absent"), atomically with the check: it returns
//     {true, new_version} or {false, current_version} (a conflict). Linearizable: every
//     operation takes effect at one instant under the map's lock.
//   * update_with_retry(key, f) is the read-modify-write loop on top: read (value, version),
//     compute f(old), try update; on conflict back off (yield, then exponentially growing
//     sleeps) and retry. It returns the attempts and conflicts it saw; conflicts() counts
//     every conflict the map has reported, for monitoring contention.
//   * The lock is held only for the lookup and the write, never while f runs, so a slow f
//     delays nobody but its own caller (who then risks a conflict).
//
// Usage
//   lockstep::OptimisticMap<std::string, int> m;
//   auto r = m.update_with_retry("hits", [](std::optional<int> v) { return v.value_or(0) + 1; });
//   // r.conflicts: how often another writer got in between
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class K, class V, class P = std_platform, class Hash = std::hash<K>>
class OptimisticMap {
 public:
  struct versioned {
    V value;
    std::uint64_t version;
  };
  struct update_result {
    bool ok;
    std::uint64_t version;  // ok: the new version; conflict: the version found
  };
  struct retry_result {
    std::uint64_t version;    // the version the successful write created
    std::uint32_t attempts;   // including the successful one
    std::uint32_t conflicts;  // attempts - 1
  };

  OptimisticMap() = default;
  OptimisticMap(const OptimisticMap&) = delete;
  OptimisticMap& operator=(const OptimisticMap&) = delete;

  std::optional<versioned> get(const K& key) const {
    std::lock_guard<typename P::mutex> g(mu_);
    const auto& m = map_.cref();
    auto it = m.find(key);
    if (it == m.end() || !it->second.present) return std::nullopt;
    return versioned{it->second.value, it->second.version};
  }

  // The key's version: 0 if it was never written.
  std::uint64_t version(const K& key) const {
    std::lock_guard<typename P::mutex> g(mu_);
    const auto& m = map_.cref();
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second.version;
  }

  // Writes unconditionally; returns the new version.
  std::uint64_t put(const K& key, V value) {
    std::lock_guard<typename P::mutex> g(mu_);
    Entry& e = map_.ref()[key];
    e.value = std::move(value);
    e.present = true;
    return ++e.version;
  }

  // Writes only if the key's version equals expected_version (the check and the write are
  // one critical section: that is the whole point).
  update_result update(const K& key, std::uint64_t expected_version, V value) {
    std::lock_guard<typename P::mutex> g(mu_);
    auto& m = map_.ref();
    auto it = m.find(key);
    std::uint64_t current = it == m.end() ? 0 : it->second.version;
    if (current != expected_version) {
      conflicts_.fetch_add(1, std::memory_order_relaxed);
      return {false, current};
    }
    Entry& e = it == m.end() ? m[key] : it->second;
    e.value = std::move(value);
    e.present = true;
    return {true, ++e.version};
  }

  // Removes the key if its version equals expected_version; the version survives (and is
  // incremented), so a stale writer cannot resurrect the key.
  update_result erase(const K& key, std::uint64_t expected_version) {
    std::lock_guard<typename P::mutex> g(mu_);
    auto& m = map_.ref();
    auto it = m.find(key);
    std::uint64_t current = it == m.end() ? 0 : it->second.version;
    if (current != expected_version || it == m.end() || !it->second.present) {
      conflicts_.fetch_add(1, std::memory_order_relaxed);
      return {false, current};
    }
    it->second.present = false;
    it->second.value = V{};
    return {true, ++it->second.version};
  }

  // Read-modify-write with optimistic concurrency: f(std::optional<V>) -> V.
  template <class F>
  retry_result update_with_retry(const K& key, F&& f) {
    std::uint32_t conflicts = 0;
    for (;;) {
      std::optional<V> old;
      std::uint64_t seen;
      {
        std::lock_guard<typename P::mutex> g(mu_);
        const auto& m = map_.cref();
        auto it = m.find(key);
        seen = it == m.end() ? 0 : it->second.version;
        if (it != m.end() && it->second.present) old = it->second.value;
      }
      update_result r = update(key, seen, f(std::move(old)));
      if (r.ok) return {r.version, conflicts + 1, conflicts};
      ++conflicts;
      backoff(conflicts);
    }
  }

  // Conflicts reported by update() and erase() since construction.
  std::uint64_t conflicts() const { return conflicts_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    V value{};
    std::uint64_t version = 0;
    bool present = false;
  };

  // A few yields first (the competing writer is usually about to finish), then sleeps that
  // double from 1 us up to 1 ms so heavy contention stops burning the CPU.
  static void backoff(std::uint32_t conflicts) {
    if (conflicts <= 3) {
      P::this_thread::yield();
      return;
    }
    std::uint32_t shift = conflicts - 4 < 10 ? conflicts - 4 : 10;
    P::this_thread::sleep_for(std::chrono::microseconds(1u << shift));
  }

  mutable typename P::mutex mu_;
  typename P::template var<std::unordered_map<K, Entry, Hash>> map_;
  typename P::template atomic<std::uint64_t> conflicts_{0};
};

}  // namespace lockstep
