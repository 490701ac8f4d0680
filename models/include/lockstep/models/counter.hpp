// lockstep/models/counter.hpp — sequential spec of a 64-bit counter (add / add_if_below / get).
//
// Guarantees: a value type satisfying lin::model; the state is the counter value (starts at 0).
// add_if_below(d, limit) adds d iff value + d < limit and reports whether it did. An open
// add takes effect or not (both allowed by lin::check); an open add_if_below takes effect iff
// its condition holds at its linearization point.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

namespace lockstep::models {

struct counter {
  enum class op : std::uint8_t { add, add_if_below, get };
  struct input_type {
    op kind = op::get;
    std::int64_t delta = 0;
    std::int64_t limit = 0;  // add_if_below only
  };
  struct output_type {
    std::int64_t value = 0;  // get
    bool ok = true;          // add_if_below
  };
  using state_type = std::int64_t;

  state_type init() const { return 0; }
  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::add:
        return s + in.delta;
      case op::add_if_below: {
        const bool fits = s + in.delta < in.limit;
        if (out && out->ok != fits) return std::nullopt;
        return fits ? s + in.delta : s;
      }
      case op::get:
        if (out && out->value != s) return std::nullopt;
        return s;
    }
    return std::nullopt;
  }
};

inline std::ostream& operator<<(std::ostream& os, const counter::input_type& in) {
  switch (in.kind) {
    case counter::op::add:
      return os << "add(" << in.delta << ")";
    case counter::op::add_if_below:
      return os << "add_if_below(" << in.delta << "," << in.limit << ")";
    case counter::op::get:
      return os << "get";
  }
  return os;
}

}  // namespace lockstep::models
