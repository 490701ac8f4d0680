// lockstep/models/queue.hpp — sequential specs of a closable bounded queue in three orders:
// fifo_queue_model (FIFO), lifo_queue_model (stack), priority_queue_model (smallest first).
//
// Guarantees: each is a value type satisfying lin::model. State = the queued items (in
// get order) + the closed flag. Operations and when each outcome is allowed:
//   put       ok: open and not full (item appended);  failed: closed.
//   put_for   ok: as put;                             failed: closed or full (timeout).
//   try_put   ok: as put;                             failed: closed or full.
//   get       item: the next item in order;           nothing: closed and empty.
//   get_for   item: the next item;                    nothing: empty (timeout or closed).
//   try_get   item: the next item;                    nothing: empty.
//   close     always; sets closed (idempotent).
//   size      returns the number of queued items.
// Every failed or empty outcome leaves the state unchanged. An open operation (no response)
// takes effect only if it changes the state (put accepted, get removed the next item);
// otherwise "never took effect" already covers it.
//
// Usage
//   lin::recorder<models::fifo_queue_model<2>> rec;      // capacity 2
//   auto id = rec.invoke(0, {models::queue_op::try_put, 7});
//   rec.respond(id, {true});
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <vector>

namespace lockstep::models {

enum class queue_op : std::uint8_t { put, put_for, try_put, get, get_for, try_get, close, size };

struct queue_input {
  queue_op kind;
  std::int64_t value = 0;  // the item of a put
  friend bool operator==(const queue_input&, const queue_input&) = default;
};

struct queue_output {
  bool ok = true;          // put accepted / get returned an item
  std::int64_t value = 0;  // the item got, or the size
  friend bool operator==(const queue_output&, const queue_output&) = default;
};

inline std::ostream& operator<<(std::ostream& os, const queue_input& in) {
  static constexpr const char* names[] = {"put",     "put_for", "try_put", "get",
                                          "get_for", "try_get", "close",   "size"};
  os << names[static_cast<int>(in.kind)];
  switch (in.kind) {
    case queue_op::put:
    case queue_op::put_for:
    case queue_op::try_put:
      return os << '(' << in.value << ')';
    default:
      return os << "()";
  }
}

// Printed by lin::describe as "-> ok 3" / "-> failed" (a get's item, or the size).
inline std::ostream& operator<<(std::ostream& os, const queue_output& out) {
  return out.ok ? os << "ok " << out.value : os << "failed";
}

struct queue_state {
  std::vector<std::int64_t> items;  // in get order: items.front() is got next
  bool closed = false;
  friend bool operator==(const queue_state&, const queue_state&) = default;
};

// Where a put inserts, so that the next item to get is always items.front().
struct fifo_insert {
  static void insert(std::vector<std::int64_t>& v, std::int64_t x) { v.push_back(x); }
};
struct lifo_insert {
  static void insert(std::vector<std::int64_t>& v, std::int64_t x) { v.insert(v.begin(), x); }
};
struct priority_insert {  // sorted ascending: a canonical state for equal multisets
  static void insert(std::vector<std::int64_t>& v, std::int64_t x) {
    v.insert(std::upper_bound(v.begin(), v.end(), x), x);
  }
};

template <class Insert, std::size_t Capacity>
struct queue_model {
  using input_type = queue_input;
  using output_type = queue_output;
  using state_type = queue_state;
  static constexpr std::size_t capacity = Capacity;

  state_type init() const { return {}; }

  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    const bool empty = s.items.empty();
    const bool full = s.items.size() >= Capacity;
    switch (in.kind) {
      case queue_op::put:
      case queue_op::put_for:
      case queue_op::try_put: {
        if (!out || out->ok) {
          if (s.closed || full) return std::nullopt;
          state_type n = s;
          Insert::insert(n.items, in.value);
          return n;
        }
        const bool may_fail = in.kind == queue_op::put ? s.closed : (s.closed || full);
        return may_fail ? std::optional<state_type>(s) : std::nullopt;
      }
      case queue_op::get:
      case queue_op::get_for:
      case queue_op::try_get: {
        if (!out) {  // open: only a removal changes anything (any value may have been got)
          if (empty) return std::nullopt;
          state_type n = s;
          n.items.erase(n.items.begin());
          return n;
        }
        if (out->ok) {
          if (empty || s.items.front() != out->value) return std::nullopt;
          state_type n = s;
          n.items.erase(n.items.begin());
          return n;
        }
        const bool may_be_empty = in.kind == queue_op::get ? (empty && s.closed) : empty;
        return may_be_empty ? std::optional<state_type>(s) : std::nullopt;
      }
      case queue_op::close: {
        state_type n = s;
        n.closed = true;
        return n;
      }
      case queue_op::size:
        if (out && static_cast<std::size_t>(out->value) != s.items.size()) return std::nullopt;
        return s;
    }
    return std::nullopt;
  }
};

template <std::size_t Capacity>
using fifo_queue_model = queue_model<fifo_insert, Capacity>;
template <std::size_t Capacity>
using lifo_queue_model = queue_model<lifo_insert, Capacity>;
template <std::size_t Capacity>
using priority_queue_model = queue_model<priority_insert, Capacity>;

}  // namespace lockstep::models

template <>
struct std::hash<lockstep::models::queue_state> {
  std::size_t operator()(const lockstep::models::queue_state& s) const noexcept {
    std::size_t h = s.closed ? 0x9E3779B97F4A7C15ull : 0;
    for (auto x : s.items) h = (h ^ static_cast<std::size_t>(x)) * 0x100000001B3ull + (h >> 31);
    return h;
  }
};
