// lockstep/models/config.hpp — sequential spec of an immutable configuration replaced by
// reference swap (lockstep::Config<T>), with T an integer for testing.
//
// Guarantees: a value type satisfying lin::model. State = {value, version}.
//   load          returns the current value.
//   version       returns the number of publishes so far (0 initially).
//   store(v)      publishes v; version + 1.
//   add(d)        update(f) with f = "+= d": publishes value + d; returns the new version.
//                 Concurrent adds are never lost (each sees the latest value).
// An open operation (no response) takes effect iff it publishes.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

namespace lockstep::models {

struct config_model {
  enum class op : std::uint8_t { load, version, store, add };
  struct input_type {
    op kind = op::load;
    std::int64_t value = 0;  // store: the value; add: the delta
  };
  struct output_type {
    std::int64_t value = 0;     // load
    std::uint64_t version = 0;  // version / add
    friend bool operator==(const output_type&, const output_type&) = default;
  };
  struct state_type {
    std::int64_t value = 0;
    std::uint64_t version = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
    friend std::size_t state_hash(const state_type& s) {
      return static_cast<std::size_t>(s.version * 0x9e3779b97f4a7c15ULL) ^
             static_cast<std::size_t>(s.value);
    }
  };

  std::int64_t initial = 0;

  state_type init() const { return {initial, 0}; }

  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::load:
        if (out && out->value != s.value) return std::nullopt;
        return s;
      case op::version:
        if (out && out->version != s.version) return std::nullopt;
        return s;
      case op::store:
        return state_type{in.value, s.version + 1};
      case op::add:
        if (out && out->version != s.version + 1) return std::nullopt;
        return state_type{s.value + in.value, s.version + 1};
    }
    return std::nullopt;
  }
};

inline std::ostream& operator<<(std::ostream& os, const config_model::input_type& in) {
  switch (in.kind) {
    case config_model::op::load:
      return os << "load";
    case config_model::op::version:
      return os << "version";
    case config_model::op::store:
      return os << "store(" << in.value << ")";
    case config_model::op::add:
      return os << "add(" << in.value << ")";
  }
  return os;
}

inline std::ostream& operator<<(std::ostream& os, const config_model::output_type& out) {
  return os << "value " << out.value << " v" << out.version;
}

}  // namespace lockstep::models
