// lockstep/models/lru_cache.hpp — sequential spec of a least-recently-used cache of fixed
// capacity (get / put), matching lockstep::LruCache.
//
// Guarantees
//   * A value type satisfying lin::model; default-constructible (lin_property builds M{}),
//     so the capacity is a template parameter.
//   * get(k) returns the value under k (nullopt if absent) and, on a hit, makes k the most
//     recently used entry. put(k, v) inserts or overwrites k, makes it the most recently used
//     and, if the cache then holds more than Capacity entries, evicts the least recently used
//     one; its output says whether it evicted (LruCache::put's return value).
//   * The state is the entries in recency order (most recent first): two states are equal iff
//     they hold the same entries in the same order, because the order decides future
//     evictions. std::hash is specialised for it (lin::check memoises states).
//   * Not P-compositional (an eviction depends on every key), so there is no partition().
//   * An open operation (unknown outcome) is applied with the outcome the state dictates; an
//     open get still refreshes recency, since it may have taken effect.
//
// Usage
//   using M = lockstep::models::lru_cache<2>;
//   lin::recorder<M> rec;
//   auto id = rec.invoke(thread, M::get(1));
//   rec.respond(id, {cache.get(1)});
//   assert(lin::check(M{}, rec.history()).linearizable());
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace lockstep::models {

template <class K, class V>
struct lru_state {
  std::vector<std::pair<K, V>> entries;  // most recently used first; size <= capacity
  bool operator==(const lru_state&) const = default;
};

template <std::size_t Capacity, class K = int, class V = int>
struct lru_cache {
  static_assert(Capacity >= 1, "LruCache capacity must be at least 1");
  static constexpr std::size_t capacity = Capacity;
  enum class op : unsigned char { get, put };
  struct input_type {
    op kind;
    K key{};
    V value{};  // put only
    // For rapidcheck's scenario printer (lin_property).
    friend std::ostream& operator<<(std::ostream& os, const input_type& in) {
      return os << lru_cache::describe(in);
    }
  };
  struct output_type {
    std::optional<V> value;  // get: the value returned (nullopt = miss)
    bool evicted = false;    // put: an entry was evicted to make room
  };
  using state_type = lru_state<K, V>;

  static input_type get(K k) { return {op::get, std::move(k), V{}}; }
  static input_type put(K k, V v) { return {op::put, std::move(k), std::move(v)}; }

  state_type init() const { return {}; }
  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    auto it = std::find_if(s.entries.begin(), s.entries.end(),
                           [&](const auto& e) { return e.first == in.key; });
    const bool hit = it != s.entries.end();
    if (in.kind == op::get) {
      if (out && (out->value.has_value() != hit || (hit && !(*out->value == it->second))))
        return std::nullopt;
      if (!hit) return s;  // a miss changes nothing
      return refreshed(s, it, it->second);
    }
    const bool evicts = !hit && s.entries.size() == Capacity;
    if (out && out->evicted != evicts) return std::nullopt;
    if (hit) return refreshed(s, it, in.value);
    state_type n;
    n.entries.reserve(std::min(s.entries.size() + 1, Capacity));
    n.entries.emplace_back(in.key, in.value);
    // The least recently used entry (the last) falls off when the cache was full.
    n.entries.insert(n.entries.end(), s.entries.begin(),
                     evicts ? s.entries.end() - 1 : s.entries.end());
    return n;
  }

  // Label for reports and lin::to_html: "get(1) -> 7", "get(2) -> miss", "put(1,7) evicted".
  static std::string describe(const input_type& in) {
    using std::to_string;
    if (in.kind == op::get) return "get(" + to_string(in.key) + ")";
    return "put(" + to_string(in.key) + "," + to_string(in.value) + ")";
  }
  static std::string describe(const input_type& in, const std::optional<output_type>& out) {
    using std::to_string;
    std::string s = describe(in);
    if (!out) return s + " -> ?";
    if (in.kind == op::get) return s + " -> " + (out->value ? to_string(*out->value) : "miss");
    return out->evicted ? s + " evicted" : s;
  }

 private:
  // `s` with the entry at `it` moved to the front holding `v`.
  static state_type refreshed(const state_type& s,
                              typename std::vector<std::pair<K, V>>::const_iterator it,
                              const V& v) {
    state_type n;
    n.entries.reserve(s.entries.size());
    n.entries.emplace_back(it->first, v);
    for (auto j = s.entries.begin(); j != s.entries.end(); ++j)
      if (j != it) n.entries.push_back(*j);
    return n;
  }
};

}  // namespace lockstep::models

template <class K, class V>
struct std::hash<lockstep::models::lru_state<K, V>> {
  std::size_t operator()(const lockstep::models::lru_state<K, V>& s) const {
    std::size_t x = s.entries.size();
    for (const auto& [k, v] : s.entries) {
      x = (x ^ std::hash<K>{}(k)) * 0x9E3779B97F4A7C15ull;
      x = (x ^ std::hash<V>{}(v)) * 0x9E3779B97F4A7C15ull;
    }
    return x;
  }
};
