// lockstep/detail/map_stripes.hpp — the bucket core of ConcurrentMap's single-lock, RW-lock
// and striped policies: N independent hash tables ("stripes"), each guarded by its own lock.
// A key always lives in stripe hash(key) mod N (N rounded up to a power of two, so the stripe
// is a mask, not a second division next to the table's own), so an operation on one key takes
// exactly one lock and is atomic. With a shared (reader-writer) lock type, read() takes the lock
// shared. See lockstep/concurrent_map.hpp for the public guarantees.
#pragma once

#include <bit>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lockstep::detail {

// Takes `mu` shared if it is a reader-writer lock, exclusively otherwise.
template <class Lock>
class map_read_guard {
 public:
  explicit map_read_guard(Lock& mu) : mu_(mu) {
    if constexpr (shared)
      mu_.lock_shared();
    else
      mu_.lock();
  }
  ~map_read_guard() {
    if constexpr (shared)
      mu_.unlock_shared();
    else
      mu_.unlock();
  }
  map_read_guard(const map_read_guard&) = delete;
  map_read_guard& operator=(const map_read_guard&) = delete;

 private:
  static constexpr bool shared = requires(Lock & l) { l.lock_shared(); };
  Lock& mu_;
};

template <class K, class V, class P, class Lock, class Hash>
class map_stripes {
 public:
  explicit map_stripes(std::size_t stripes)
      : n_(std::bit_ceil(stripes ? stripes : 1)), stripes_(std::make_unique<Stripe[]>(n_)) {}

  // f(const V* or nullptr) under the key's stripe lock (shared if possible).
  template <class F>
  decltype(auto) read(const K& key, F&& f) const {
    const Stripe& s = stripe_of(key);
    map_read_guard<Lock> g(s.mu);
    const auto& t = s.table.cref();
    auto it = t.find(key);
    return f(it == t.end() ? nullptr : &it->second);
  }

  // f(std::optional<V>& slot) under the key's stripe lock: slot holds the current value (if
  // any); whatever f leaves in it becomes the entry (nullopt erases). Returns f's result.
  template <class F>
  decltype(auto) apply(const K& key, F&& f) {
    Stripe& s = stripe_of(key);
    std::lock_guard<Lock> g(s.mu);
    auto& t = s.table.ref();
    auto it = t.find(key);
    std::optional<V> slot;
    if (it != t.end()) slot.emplace(std::move(it->second));
    struct write_back {  // also when f throws: the entry is left as f left the slot
      decltype(t)& table;
      decltype(it)& pos;
      const K& k;
      std::optional<V>& v;
      ~write_back() {
        if (v && pos != table.end())
          pos->second = std::move(*v);
        else if (v)
          table.emplace(k, std::move(*v));
        else if (pos != table.end())
          table.erase(pos);
      }
    } wb{t, it, key, slot};
    return f(slot);
  }

  // f(key, value) for every entry, one stripe at a time under that stripe's lock.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < n_; ++i) {
      map_read_guard<Lock> g(stripes_[i].mu);
      for (const auto& [k, v] : stripes_[i].table.cref()) f(k, v);
    }
  }

  // f(key, value) for every entry while ALL stripe locks are held (taken in index order, so
  // concurrent calls cannot deadlock): the entries seen are the map at one instant.
  template <class F>
  void for_each_atomic(F&& f) const {
    std::vector<std::unique_ptr<map_read_guard<Lock>>> held;
    held.reserve(n_);
    for (std::size_t i = 0; i < n_; ++i)
      held.push_back(std::make_unique<map_read_guard<Lock>>(stripes_[i].mu));
    for (std::size_t i = 0; i < n_; ++i)
      for (const auto& [k, v] : stripes_[i].table.cref()) f(k, v);
    while (!held.empty()) held.pop_back();  // release in reverse order
  }

  std::size_t stripes() const noexcept { return n_; }

 private:
  // One cache line (at least) per stripe: threads on different stripes do not share lines.
  struct alignas(64) Stripe {
    mutable Lock mu;
    typename P::template var<std::unordered_map<K, V, Hash>> table;  // guarded by mu
  };

  const Stripe& stripe_of(const K& key) const { return stripes_[Hash{}(key) & (n_ - 1)]; }
  Stripe& stripe_of(const K& key) { return stripes_[Hash{}(key) & (n_ - 1)]; }

  const std::size_t n_;
  std::unique_ptr<Stripe[]> stripes_;
};

}  // namespace lockstep::detail
