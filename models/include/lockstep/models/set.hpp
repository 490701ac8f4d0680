// lockstep/models/set.hpp — sequential spec of a set of small integers (insert/erase/contains).
//
// Guarantees
//   * A value type satisfying lin::model. Elements are ints in [0, set::universe); the state is
//     a bitmask (bit x set iff x is a member), so equality and hashing are one word.
//   * insert(x) returns true iff x was absent (and adds it); erase(x) returns true iff x was
//     present (and removes it); contains(x) returns membership. An open operation (unknown
//     outcome) is applied with the outcome the state dictates.
//   * P-compositional: every operation reads and writes only its own element, so partition()
//     splits the history per element and each element's operations are checked alone (a
//     1000-operation history over 8 elements becomes 8 small searches).
//   * An element outside [0, universe) is never accepted (step returns nullopt), so a test that
//     feeds one fails loudly instead of aliasing another element's bit.
//
// Usage
//   using S = lockstep::models::set;
//   lin::recorder<S> rec;
//   auto id = rec.invoke(thread, {S::op::insert, 3});
//   rec.respond(id, {my_set.insert(3)});
//   assert(lin::check(S{}, rec.history()).linearizable());
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace lockstep::models {

struct set {
  static constexpr int universe = 64;
  enum class op : std::uint8_t { insert, erase, contains };
  struct input_type {
    op kind;
    int x = 0;
  };
  struct output_type {
    bool result = false;  // insert: newly added; erase: was present; contains: member
  };
  using state_type = std::uint64_t;

  state_type init() const { return 0; }
  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    if (in.x < 0 || in.x >= universe) return std::nullopt;
    const state_type bit = state_type{1} << in.x;
    const bool member = (s & bit) != 0;
    // What the operation returns when applied to `s`, and the state it leaves behind.
    bool result = member;
    state_type next = s;
    switch (in.kind) {
      case op::insert:
        result = !member;
        next = s | bit;
        break;
      case op::erase:
        next = s & ~bit;
        break;
      case op::contains:
        break;
    }
    if (out && out->result != result) return std::nullopt;
    return next;
  }

  // One partition per element (indices in history order).
  template <class History>
  std::vector<std::vector<std::size_t>> partition(const History& h) const {
    std::map<int, std::vector<std::size_t>> by_x;
    for (std::size_t i = 0; i < h.ops.size(); ++i) by_x[h.ops[i].input.x].push_back(i);
    std::vector<std::vector<std::size_t>> parts;
    for (auto& [x, v] : by_x) parts.push_back(std::move(v));
    return parts;
  }

  // Label for reports and lin::to_html: "insert(3) -> true", "contains(1) -> ?" when open.
  static std::string describe(const input_type& in) {
    static constexpr const char* names[] = {"insert", "erase", "contains"};
    return std::string(names[static_cast<int>(in.kind)]) + "(" + std::to_string(in.x) + ")";
  }
  static std::string describe(const input_type& in, const std::optional<output_type>& out) {
    return describe(in) + " -> " + (out ? (out->result ? "true" : "false") : "?");
  }
};

// For rapidcheck's scenario printer (lin_property).
inline std::ostream& operator<<(std::ostream& os, const set::input_type& in) {
  return os << set::describe(in);
}

}  // namespace lockstep::models
