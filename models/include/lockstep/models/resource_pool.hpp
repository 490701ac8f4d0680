// lockstep/models/resource_pool.hpp — sequential spec of a bounded pool of N reusable
// resources handed out by identity (lockstep::ConnectionPool with connection ids 0..N-1).
//
// Guarantees: a value type satisfying lin::model. State = the set of ids leased out.
//   acquire   ok with id: id < N and not leased (it becomes leased);
//             failed (timeout): no effect. Not pinned to "all N leased": in a pool gated by
//             a semaphore, units held by acquirers still in progress (or by releasers that
//             have already given their connection back) make a timeout legitimate while
//             fewer than N connections are out, which no instant of this model shows.
//   release   ok with id: id was leased (it becomes free); not ok: the caller held nothing
//             (no effect).
// So: never more than N leased, never one id leased twice, never a release of a connection
// that is not out. An open operation (no
// response) is treated as never having taken effect (scenarios join all threads).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

namespace lockstep::models {

template <int N>
struct resource_pool_model {
  static_assert(N >= 1 && N <= 32);
  enum class op : std::uint8_t { acquire, release };
  struct input_type {
    op kind = op::acquire;
    friend std::ostream& operator<<(std::ostream& os, const input_type& in) {
      return os << (in.kind == op::acquire ? "acquire" : "release");
    }
  };
  struct output_type {
    bool ok = false;
    int id = -1;
    friend bool operator==(const output_type&, const output_type&) = default;
    friend std::ostream& operator<<(std::ostream& os, const output_type& out) {
      return out.ok ? os << "conn " << out.id : os << "none";
    }
  };
  using state_type = std::uint32_t;  // bit i: id i is leased

  state_type init() const { return 0; }

  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    if (!out) return s;
    const bool valid_id = out->id >= 0 && out->id < N;
    const state_type bit = valid_id ? state_type{1} << out->id : 0;
    if (in.kind == op::acquire) {
      if (!out->ok) return s;  // see the header: a timeout is not pinned to exhaustion
      if (!valid_id || (s & bit)) return std::nullopt;
      return s | bit;
    }
    if (!out->ok) return s;
    if (!valid_id || !(s & bit)) return std::nullopt;
    return s & ~bit;
  }
};

}  // namespace lockstep::models
