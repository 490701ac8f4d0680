// lockstep/detail/map_key_locks.hpp — the core of ConcurrentMap's per-key policy: a lock
// table keyed by key. Each key present (or being operated on) has an entry with its own
// mutex and its value; a table mutex guards only the table's shape and the entries'
// reference counts, and is held just long enough to find/create/release an entry, so
// operations on different keys run their critical sections (e.g. an update's function) in
// parallel. See lockstep/concurrent_map.hpp for the public guarantees.
//
// Entry lifetime (why it is safe to erase entries):
//   * acquire(): under the table lock, find or create the key's entry and increment its
//     reference count; the entry cannot disappear while the count is positive.
//   * release(): after unlocking the entry, under the table lock, decrement the count; the
//     last holder erases the entry if it holds no value. Reading the value there without the
//     entry lock is race-free: with the count at zero nobody else holds the entry, and every
//     earlier writer unlocked the entry before taking the table lock to release it.
//   * So the table holds exactly the keys with a value plus the keys being operated on;
//     a key with no entry has no value (entries with a value are never erased).
//   * Lock order: table -> entry (snapshots, entries in creation order), never entry -> table:
//     an operation unlocks its entry before it releases it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lockstep::detail {

template <class K, class V, class P, class Hash>
class map_key_locks {
 public:
  explicit map_key_locks(std::size_t /*stripes: unused*/ = 0) {}

  // f(const V* or nullptr) under the key's lock. A key without an entry has no value, so a
  // miss never creates one.
  template <class F>
  decltype(auto) read(const K& key, F&& f) const {
    Entry* e = acquire(key, /*create=*/false);
    if (e == nullptr) return f(static_cast<const V*>(nullptr));
    held h{*this, key, *e};
    std::lock_guard<typename P::mutex> g(e->mu);
    const auto& v = e->value.cref();
    return f(v ? &*v : nullptr);
  }

  // f(std::optional<V>& slot) under the key's lock; what f leaves in slot is the new value.
  template <class F>
  decltype(auto) apply(const K& key, F&& f) {
    Entry* e = acquire(key, /*create=*/true);
    held h{*this, key, *e};
    std::lock_guard<typename P::mutex> g(e->mu);
    return f(e->value.ref());
  }

  // f(key, value) for every key with a value, each under its own lock, while the table lock
  // keeps the set of entries fixed (operations already holding an entry may still finish).
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard<typename P::mutex> t(table_mu_);
    for (const auto& [k, e] : table_.cref()) {
      std::lock_guard<typename P::mutex> g(e->mu);
      if (const auto& v = e->value.cref()) f(k, *v);
    }
  }

  // f(key, value) while the table lock and EVERY entry lock are held: the map at one instant.
  // Entry locks are taken in creation order: the table lock already lets only one caller
  // hold several entry locks at a time, but the table's iteration order changes as keys come
  // and go, and a fixed global order keeps lock-order checkers (TSan) from seeing a cycle.
  // (Not address order: addresses differ between the checker's executions, whose lock-order
  // graph would then see both orders of two entries.)
  template <class F>
  void for_each_atomic(F&& f) const {
    std::lock_guard<typename P::mutex> t(table_mu_);
    const auto& table = table_.cref();
    std::vector<Entry*> order;
    order.reserve(table.size());
    for (const auto& kv : table) order.push_back(kv.second.get());
    std::sort(order.begin(), order.end(),
              [](const Entry* a, const Entry* b) { return a->seq < b->seq; });
    for (Entry* e : order) e->mu.lock();
    for (const auto& [k, e] : table)
      if (const auto& v = e->value.cref()) f(k, *v);
    for (auto it = order.rbegin(); it != order.rend(); ++it) (*it)->mu.unlock();
  }

  std::size_t stripes() const noexcept { return 0; }

 private:
  struct Entry {
    mutable typename P::mutex mu;
    typename P::template var<std::optional<V>> value;  // guarded by mu
    typename P::template var<std::size_t> refs{0};     // guarded by the table lock
    std::uint64_t seq = 0;  // creation order (set under the table lock, then constant)
  };
  using Table = std::unordered_map<K, std::unique_ptr<Entry>, Hash>;

  // Releases the entry when the operation's scope ends (after its entry lock is released:
  // declared before the lock_guard).
  struct held {
    const map_key_locks& m;
    const K& key;
    Entry& e;
    ~held() { m.release(key, e); }
  };

  Entry* acquire(const K& key, bool create) const {
    std::lock_guard<typename P::mutex> t(table_mu_);
    auto& table = table_.ref();
    auto it = table.find(key);
    if (it == table.end()) {
      if (!create) return nullptr;
      it = table.emplace(key, std::make_unique<Entry>()).first;
      it->second->seq = next_seq_++;
    }
    it->second->refs += 1;
    return it->second.get();
  }

  void release(const K& key, Entry& e) const {
    std::lock_guard<typename P::mutex> t(table_mu_);
    e.refs -= 1;
    if (e.refs.get() == 0 && !e.value.cref().has_value()) table_.ref().erase(key);
  }

  mutable typename P::mutex table_mu_;
  mutable typename P::template var<Table> table_;  // shape and refs guarded by table_mu_
  mutable std::uint64_t next_seq_ = 0;             // guarded by table_mu_
};

}  // namespace lockstep::detail
