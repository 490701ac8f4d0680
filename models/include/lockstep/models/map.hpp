// lockstep/models/map.hpp — sequential spec of a hash map over small integer keys and values
// (get / put / erase / update-by-adding), P-compositional: histories are checked per key, so
// the state is one key's value (models::map::absent when the key is not in the map).
//
// Guarantees: a value type satisfying lin::model.
//   get(k)        -> the value, or absent
//   put(k, v)     -> ok = whether k was absent; k := v
//   erase(k)      -> ok = whether k was present; k := absent
//   update(k, d)  -> value = new value; k := (old value, or 0 if absent) + d (an atomic
//                    read-modify-write: the operation a get + put pair cannot implement)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

namespace lockstep::models {

// The operation indices of `h` grouped by input.key (P-compositionality: per-key models
// check each group separately).
template <class History>
std::vector<std::vector<std::size_t>> partition_by_key(const History& h) {
  std::map<std::int64_t, std::vector<std::size_t>> by_key;
  for (std::size_t i = 0; i < h.ops.size(); ++i) by_key[h.ops[i].input.key].push_back(i);
  std::vector<std::vector<std::size_t>> parts;
  for (auto& [k, v] : by_key) parts.push_back(std::move(v));
  return parts;
}

struct map {
  enum class op : std::uint8_t { get, put, erase, update };
  struct input_type {
    op kind = op::get;
    std::int64_t key = 0;
    std::int64_t value = 0;  // put value / update delta
  };
  struct output_type {
    std::int64_t value = 0;  // get / update
    bool ok = true;          // put / erase
  };
  using state_type = std::int64_t;
  static constexpr std::int64_t absent = INT64_MIN;

  state_type init() const { return absent; }
  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::get:
        if (out && out->value != s) return std::nullopt;
        return s;
      case op::put:
        if (out && out->ok != (s == absent)) return std::nullopt;
        return in.value;
      case op::erase:
        if (out && out->ok != (s != absent)) return std::nullopt;
        return absent;
      case op::update: {
        const std::int64_t next = (s == absent ? 0 : s) + in.value;
        if (out && out->value != next) return std::nullopt;
        return next;
      }
    }
    return std::nullopt;
  }
  // Partition: the operations on each key (keys are independent).
  template <class History>
  std::vector<std::vector<std::size_t>> partition(const History& h) const {
    return partition_by_key(h);
  }
};

inline std::ostream& operator<<(std::ostream& os, const map::input_type& in) {
  switch (in.kind) {
    case map::op::get:
      return os << "get(" << in.key << ")";
    case map::op::put:
      return os << "put(" << in.key << "," << in.value << ")";
    case map::op::erase:
      return os << "erase(" << in.key << ")";
    case map::op::update:
      return os << "update(" << in.key << ",+" << in.value << ")";
  }
  return os;
}

}  // namespace lockstep::models
