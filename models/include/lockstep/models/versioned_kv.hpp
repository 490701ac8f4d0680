// lockstep/models/versioned_kv.hpp — sequential spec of a time-based versioned key-value store:
// set(key, value, ts) records value as the key's version at timestamp ts (a second set at the
// same ts overwrites it); get(key, ts) returns the value of the latest version at or before
// ts, or absent. P-compositional: histories are checked per key, so the state is one key's
// versions.
//
// Guarantees: a value type satisfying lin::model (state hashable through std::hash below).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "lockstep/models/map.hpp"  // partition_by_key

namespace lockstep::models {

struct versioned_kv {
  enum class op : std::uint8_t { set, get };
  struct input_type {
    op kind = op::get;
    std::int64_t key = 0;
    std::int64_t value = 0;  // set only
    std::int64_t ts = 0;
  };
  struct output_type {
    std::int64_t value = 0;  // get: the value, or absent
  };
  static constexpr std::int64_t absent = INT64_MIN;
  struct state_type {
    std::map<std::int64_t, std::int64_t> versions;  // ts -> value
    bool operator==(const state_type&) const = default;
  };

  state_type init() const { return {}; }
  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::set: {
        state_type next = s;
        next.versions[in.ts] = in.value;
        return next;
      }
      case op::get: {
        if (out && out->value != latest_at(s, in.ts)) return std::nullopt;
        return s;
      }
    }
    return std::nullopt;
  }
  static std::int64_t latest_at(const state_type& s, std::int64_t ts) {
    auto it = s.versions.upper_bound(ts);
    return it == s.versions.begin() ? absent : std::prev(it)->second;
  }
  template <class History>
  std::vector<std::vector<std::size_t>> partition(const History& h) const {
    return partition_by_key(h);
  }
};

inline std::ostream& operator<<(std::ostream& os, const versioned_kv::input_type& in) {
  if (in.kind == versioned_kv::op::set)
    return os << "set(" << in.key << "," << in.value << ",t" << in.ts << ")";
  return os << "get(" << in.key << ",t" << in.ts << ")";
}

}  // namespace lockstep::models

template <>
struct std::hash<lockstep::models::versioned_kv::state_type> {
  std::size_t operator()(const lockstep::models::versioned_kv::state_type& s) const noexcept {
    std::size_t h = s.versions.size();
    for (const auto& [t, v] : s.versions)
      h = (h ^ std::hash<std::int64_t>{}(t * 1000003 + v)) * 0x9E3779B97F4A7C15ull;
    return h;
  }
};
