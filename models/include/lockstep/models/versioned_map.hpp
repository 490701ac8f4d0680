// lockstep/models/versioned_map.hpp — sequential spec of a map with per-key versions and
// compare-version writes (lockstep::OptimisticMap).
//
// Guarantees: a value type satisfying lin::model, partitioned by key (P-compositionality: the
// keys are independent objects, so each key's operations are checked on their own and the
// state is one entry). Per key:
//   version      returns the key's version: 0 until its first write.
//   get          returns {present, value, version}; an absent key reports present = false
//                (and no version).
//   put(v)       always writes; returns the new version (old + 1).
//   update(e,v)  writes iff version == e, returning {ok, new version}; else {!ok, version}.
//   erase(e)     removes iff present and version == e, returning {ok, new version} (the
//                version survives removal and grows, so a stale writer cannot resurrect the
//                key); else {!ok, version}.
// An open operation (no response) takes effect iff it would write.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

namespace lockstep::models {

struct versioned_map_model {
  enum class op : std::uint8_t { get, version, put, update, erase };
  struct input_type {
    op kind = op::get;
    int key = 0;
    std::uint64_t expected = 0;  // update / erase
    std::int64_t value = 0;      // put / update
  };
  struct output_type {
    bool ok = true;          // update / erase succeeded; get: key present
    std::int64_t value = 0;  // get
    std::uint64_t version = 0;
    friend bool operator==(const output_type&, const output_type&) = default;
  };
  struct state_type {
    bool present = false;
    std::int64_t value = 0;
    std::uint64_t version = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
    friend std::size_t state_hash(const state_type& s) {
      return static_cast<std::size_t>(s.version * 0x9e3779b97f4a7c15ULL) ^
             static_cast<std::size_t>(s.value) ^ (s.present ? 1u : 0u);
    }
  };

  state_type init() const { return {}; }

  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    auto written = [&](bool present, std::int64_t v) {
      return state_type{present, present ? v : 0, s.version + 1};
    };
    switch (in.kind) {
      case op::version:
        if (out && out->version != s.version) return std::nullopt;
        return s;
      case op::get:  // an absent key reports no version
        if (out && (out->ok != s.present ||
                    (s.present && (out->value != s.value || out->version != s.version))))
          return std::nullopt;
        return s;
      case op::put:
        if (out && out->version != s.version + 1) return std::nullopt;
        return written(true, in.value);
      case op::update:
      case op::erase: {
        const bool can = s.version == in.expected && (in.kind == op::update || s.present);
        if (!out) return can ? written(in.kind == op::update, in.value) : s;
        if (out->ok != can) return std::nullopt;
        if (!can) return out->version == s.version ? std::optional<state_type>(s) : std::nullopt;
        if (out->version != s.version + 1) return std::nullopt;
        return written(in.kind == op::update, in.value);
      }
    }
    return std::nullopt;
  }

  template <class History>
  std::vector<std::vector<std::size_t>> partition(const History& h) const {
    std::map<int, std::vector<std::size_t>> by_key;
    for (std::size_t i = 0; i < h.ops.size(); ++i) by_key[h.ops[i].input.key].push_back(i);
    std::vector<std::vector<std::size_t>> parts;
    for (auto& [k, v] : by_key) parts.push_back(std::move(v));
    return parts;
  }
};

inline std::ostream& operator<<(std::ostream& os, const versioned_map_model::input_type& in) {
  using op = versioned_map_model::op;
  switch (in.kind) {
    case op::get:
      return os << "get(" << in.key << ")";
    case op::version:
      return os << "version(" << in.key << ")";
    case op::put:
      return os << "put(" << in.key << "," << in.value << ")";
    case op::update:
      return os << "update(" << in.key << ",v" << in.expected << "," << in.value << ")";
    case op::erase:
      return os << "erase(" << in.key << ",v" << in.expected << ")";
  }
  return os;
}

inline std::ostream& operator<<(std::ostream& os, const versioned_map_model::output_type& out) {
  return os << (out.ok ? "ok" : "no") << " value " << out.value << " v" << out.version;
}

}  // namespace lockstep::models
