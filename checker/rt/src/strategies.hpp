// Internal: the sources of scheduler choices.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "execution.hpp"

namespace lockstep::rt {

// Exhaustive depth-first search over the tree of choices (stateless: each execution
// re-runs the test from the start, replaying the prefix of the current branch).
// Partial-order reduction plugs in here: it only changes which alternatives of an entry are
// still to be explored.
class dfs_chooser final : public chooser {
 public:
  int pick(int n) override {
    if (pos_ < stack_.size()) {
      auto& e = stack_[pos_++];
      if (e.second != n) {
        error = "nondeterministic test: replaying the same choices offered " + std::to_string(n) +
                " alternatives where an earlier execution offered " + std::to_string(e.second) +
                " (does the test depend on real time, addresses, or global state?)";
        return 0;
      }
      return e.first;
    }
    stack_.push_back({0, static_cast<std::uint16_t>(n)});
    ++pos_;
    return 0;
  }
  // Moves to the next unexplored branch; false when the tree is exhausted.
  bool next() {
    pos_ = 0;
    while (!stack_.empty() && stack_.back().first + 1 >= stack_.back().second) stack_.pop_back();
    if (stack_.empty()) return false;
    ++stack_.back().first;
    return true;
  }
  std::size_t depth() const noexcept { return stack_.size(); }

 private:
  std::vector<std::pair<std::uint16_t, std::uint16_t>> stack_;
  std::size_t pos_ = 0;
};

// Uniformly random choices from a seed (splitmix64: tiny state, good enough mixing).
class random_chooser final : public chooser {
 public:
  explicit random_chooser(std::uint64_t seed) : s_(seed) {}
  int pick(int n) override { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t s_;
};

// Re-plays the choices of a token.
class replay_chooser final : public chooser {
 public:
  explicit replay_chooser(std::vector<std::uint16_t> c) : c_(std::move(c)) {}
  int pick(int n) override {
    if (pos_ >= c_.size()) {
      error = "the replay token's schedule ended after " + std::to_string(c_.size()) +
              " choices but the execution continued (token from different code?)";
      return 0;
    }
    int v = c_[pos_++];
    if (v >= n) {
      error = "the replay token chose alternative " + std::to_string(v) + " of only " +
              std::to_string(n) + " at choice " + std::to_string(pos_) +
              " (token from different code?)";
      return 0;
    }
    return v;
  }

 private:
  std::vector<std::uint16_t> c_;
  std::size_t pos_ = 0;
};

}  // namespace lockstep::rt
