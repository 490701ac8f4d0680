// lockstep/models/register.hpp — sequential spec of an etcd-style register (read/write/cas).
//
// Guarantees: a value type satisfying lin::model; state is the register value
// (models::register_model::nil = unset: Jepsen's etcd test reads nil for a fresh key). A cas with
// unknown outcome (open) takes effect iff it would succeed; a failed cas is a no-op, so "never took
// effect" covers the other case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lockstep::models {

struct register_model {
  enum class op : std::uint8_t { read, write, cas };
  struct input_type {
    op kind;
    std::int64_t arg1 = 0;  // write value / cas expected
    std::int64_t arg2 = 0;  // cas new value
  };
  struct output_type {
    std::int64_t value = 0;  // read result
    bool ok = true;          // cas result
  };
  using state_type = std::int64_t;
  static constexpr std::int64_t nil = INT64_MIN;  // value of an unset register

  state_type init() const { return nil; }
  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::read:
        if (!out || out->value == s) return s;
        return std::nullopt;
      case op::write:
        return in.arg1;
      case op::cas:
        if (!out) return in.arg1 == s ? in.arg2 : s;
        if (out->ok) return in.arg1 == s ? std::optional<state_type>(in.arg2) : std::nullopt;
        return in.arg1 != s ? std::optional<state_type>(s) : std::nullopt;
    }
    return std::nullopt;
  }
  // Optional hook of lin::check: every step it accepts leaves the state unchanged (a read, a
  // failed cas), so the search may linearize it as soon as it is callable and accepted.
  static bool read_only(const input_type& in, const std::optional<output_type>& out) {
    return in.kind == op::read || (in.kind == op::cas && out && !out->ok);
  }
  // Report text in the notation of Jepsen's etcd logs: read() -> 3, write(4), cas(1, 2) -> ok.
  static std::string describe_value(std::int64_t v) {
    return v == nil ? std::string("nil") : std::to_string(v);
  }
  static std::string describe(const input_type& in, const std::optional<output_type>& out) {
    switch (in.kind) {
      case op::read:
        return "read() -> " + (out ? describe_value(out->value) : std::string("?"));
      case op::write:
        return "write(" + describe_value(in.arg1) + ")";
      case op::cas:
        return "cas(" + describe_value(in.arg1) + ", " + describe_value(in.arg2) + ") -> " +
               (out ? (out->ok ? "ok" : "fail") : "?");
    }
    return "?";
  }
  static std::string describe_state(state_type s) { return describe_value(s); }
};

}  // namespace lockstep::models
