// lockstep/models/kv.hpp — sequential spec of a string key-value map (get/put/append),
// P-compositional: histories are checked per key, so the state is one key's value.
//
// Guarantees: a value type satisfying lin::model. A get returns "" for a missing key (Porcupine's
// kv semantics), put replaces the value, append concatenates. The per-key state is a
// models::kv_value: an immutable string shared by reference with its hash cached, because the
// checker copies, hashes and compares states on every step of its search and the values grow
// with every append (hundreds of bytes in Porcupine's c50 histories).
//
// Usage
//   lin::history<models::kv> h = lin::parse_kv(lin::read_file(path), path);
//   lin::result r = lin::check(models::kv{}, h);  // checked key by key
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lockstep::models {

// An immutable string value: copying shares the characters (one allocation holds them and the
// reference count), equality rejects on the cached hash or length before comparing
// characters, and appending hashes only the appended part (polynomial hash:
// h(a + b) = h(a) * B^|b| + h(b) mod 2^64).
class kv_value {
 public:
  kv_value() = default;
  explicit kv_value(std::string_view s) : kv_value(kv_value{}.append(s)) {}
  std::string_view str() const { return {p_.get(), n_}; }
  std::size_t size() const { return n_; }
  std::uint64_t hash() const { return hash_; }
  kv_value append(std::string_view v) const {
    if (v.empty()) return *this;
    kv_value r;
    r.n_ = n_ + v.size();
    r.p_ = std::make_shared_for_overwrite<char[]>(r.n_);
    std::copy(p_.get(), p_.get() + n_, r.p_.get());
    std::copy(v.begin(), v.end(), r.p_.get() + n_);
    std::uint64_t h = hash_;
    for (unsigned char c : v) h = h * base + c + 1;  // +1: "" and "\0" hash differently
    r.hash_ = h;
    return r;
  }
  friend bool operator==(const kv_value& a, const kv_value& b) {
    return a.hash_ == b.hash_ && a.n_ == b.n_ && (a.p_ == b.p_ || a.str() == b.str());
  }
  friend bool operator==(const kv_value& a, std::string_view b) { return a.str() == b; }

 private:
  static constexpr std::uint64_t base = 0x100000001B3ull;  // odd: multiplying loses no bits
  std::shared_ptr<char[]> p_;  // null for ""; never written after construction
  std::size_t n_ = 0;
  std::uint64_t hash_ = 0;
};

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
  using state_type = kv_value;

  state_type init() const { return {}; }
  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case op::get:
        if (!out || s == out->value) return s;
        return std::nullopt;
      case op::put:
        return state_type(in.value);
      case op::append:
        return s.append(in.value);
    }
    return std::nullopt;
  }
  // Optional hook of lin::check: the heap bytes of a state (its characters and the shared
  // block's header), charged to options.max_memory.
  static std::size_t state_bytes(const state_type& s) { return s.size() ? s.size() + 32 : 0; }
  // Optional hook of lin::check: a get never changes the state (see register_model).
  static bool read_only(const input_type& in, const std::optional<output_type>&) {
    return in.kind == op::get;
  }
  // Report text: get("k") -> "v", put("k", "v"), append("k", "v").
  static std::string describe(const input_type& in, const std::optional<output_type>& out) {
    auto q = [](std::string_view v) { return "\"" + std::string(v) + "\""; };
    switch (in.kind) {
      case op::get:
        return "get(" + q(in.key) + ") -> " + (out ? q(out->value) : std::string("?"));
      case op::put:
        return "put(" + q(in.key) + ", " + q(in.value) + ")";
      case op::append:
        return "append(" + q(in.key) + ", " + q(in.value) + ")";
    }
    return "?";
  }
  // The key's value, cut to 200 characters (appended values grow long).
  static std::string describe_state(const state_type& s) {
    const std::string_view v = s.str();
    if (v.size() <= 200) return "\"" + std::string(v) + "\"";
    return "\"" + std::string(v.substr(0, 200)) + "\"... (" + std::to_string(v.size()) + " chars)";
  }
  // Partition: indices of the operations on each key (P-compositionality).
  template <class History>
  std::vector<std::vector<std::size_t>> partition(const History& h) const {
    // Hashed, then in key order (the order lin::check breaks ties between equal sizes in).
    std::unordered_map<std::string_view, std::size_t> part_of;
    std::vector<std::string_view> keys;
    std::vector<std::vector<std::size_t>> by_first;
    for (std::size_t i = 0; i < h.ops.size(); ++i) {
      const std::string_view k = h.ops[i].input.key;
      auto [it, fresh] = part_of.try_emplace(k, by_first.size());
      if (fresh) {
        keys.push_back(k);
        by_first.emplace_back();
      }
      by_first[it->second].push_back(i);
    }
    std::vector<std::size_t> rank(keys.size());
    for (std::size_t r = 0; r < rank.size(); ++r) rank[r] = r;
    std::sort(rank.begin(), rank.end(),
              [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    std::vector<std::vector<std::size_t>> parts;
    parts.reserve(rank.size());
    for (auto r : rank) parts.push_back(std::move(by_first[r]));
    return parts;
  }
};

}  // namespace lockstep::models

template <>
struct std::hash<lockstep::models::kv_value> {
  std::size_t operator()(const lockstep::models::kv_value& v) const noexcept {
    return static_cast<std::size_t>(v.hash());
  }
};
