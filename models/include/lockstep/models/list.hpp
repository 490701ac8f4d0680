// lockstep/models/list.hpp — sequential spec of a list with whole-list reads
// (lockstep::CowList): push_back, remove-all-equal, snapshot and size.
//
// Guarantees: a value type satisfying lin::model. State = the elements in order.
//   push_back(v)  appends v.
//   remove(v)     removes every element equal to v; returns how many it removed.
//   snapshot      returns all elements in order (one consistent list, never a mixture).
//   size          returns the number of elements.
// An open operation (no response) takes effect with any outcome it could have had.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

namespace lockstep::models {

struct list_model {
  enum class op : std::uint8_t { push_back, remove, snapshot, size };
  struct input_type {
    op kind = op::snapshot;
    std::int64_t value = 0;  // push_back / remove
  };
  struct output_type {
    std::size_t count = 0;            // remove: removed; size: the size
    std::vector<std::int64_t> items;  // snapshot
    friend bool operator==(const output_type&, const output_type&) = default;
  };
  struct state_type {
    std::vector<std::int64_t> items;
    friend bool operator==(const state_type&, const state_type&) = default;
    friend std::size_t state_hash(const state_type& s) {
      std::size_t h = s.items.size();
      for (auto x : s.items) h = h * 1000003u ^ static_cast<std::size_t>(x);
      return h;
    }
  };

  state_type init() const { return {}; }

  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::push_back: {
        state_type n = s;
        n.items.push_back(in.value);
        return n;
      }
      case op::remove: {
        state_type n = s;
        auto it = std::remove(n.items.begin(), n.items.end(), in.value);
        const auto removed = static_cast<std::size_t>(n.items.end() - it);
        if (out && out->count != removed) return std::nullopt;
        n.items.erase(it, n.items.end());
        return n;
      }
      case op::snapshot:
        if (out && out->items != s.items) return std::nullopt;
        return s;
      case op::size:
        if (out && out->count != s.items.size()) return std::nullopt;
        return s;
    }
    return std::nullopt;
  }
};

inline std::ostream& operator<<(std::ostream& os, const list_model::input_type& in) {
  switch (in.kind) {
    case list_model::op::push_back:
      return os << "push_back(" << in.value << ")";
    case list_model::op::remove:
      return os << "remove(" << in.value << ")";
    case list_model::op::snapshot:
      return os << "snapshot";
    case list_model::op::size:
      return os << "size";
  }
  return os;
}

inline std::ostream& operator<<(std::ostream& os, const list_model::output_type& out) {
  os << "count " << out.count << " [";
  for (std::size_t i = 0; i < out.items.size(); ++i) os << (i ? " " : "") << out.items[i];
  return os << "]";
}

}  // namespace lockstep::models
