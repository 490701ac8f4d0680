// lockstep/models/kv.hpp — sequential spec of a string key-value map (get/put/append),
// P-compositional: histories are checked per key, so the state is one key's value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lockstep::models {

struct kv {
  enum class op : std::uint8_t { get, put, append };
  struct input_type {
    op kind;
    std::string key;
    std::string value;
  };
  struct output_type {
    std::string value;  // get result ("" for a missing key)
  };
  using state_type = std::string;

  state_type init() const { return {}; }
  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::get:
        if (!out || out->value == s) return s;
        return std::nullopt;
      case op::put:
        return in.value;
      case op::append:
        return s + in.value;
    }
    return std::nullopt;
  }
  // Partition: indices of the operations on each key (P-compositionality).
  template <class History>
  std::vector<std::vector<std::size_t>> partition(const History& h) const {
    std::map<std::string, std::vector<std::size_t>> by_key;
    for (std::size_t i = 0; i < h.ops.size(); ++i) by_key[h.ops[i].input.key].push_back(i);
    std::vector<std::vector<std::size_t>> parts;
    for (auto& [k, v] : by_key) parts.push_back(std::move(v));
    return parts;
  }
};

}  // namespace lockstep::models
