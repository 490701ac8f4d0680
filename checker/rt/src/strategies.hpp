// Internal: the sources of scheduler choices.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "execution.hpp"
#include "partition.hpp"

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
  // Split exploration (partition.hpp): this chooser explores only p's part of the tree.
  void set_partition(const partition* p) {
    part_ = p;
    split_ = path_split(p);
  }
  // Whether the execution just run is this part's (called once per execution, before next()).
  bool counted() {
    if (split_.active() && !split_.fixed())
      split_.fix(stack_.size(), part_->target(), [&](std::size_t i) { return stack_[i].second; });
    return split_.counted(stack_.size());
  }
  std::uint64_t unit() const noexcept { return split_.unit(); }
  void leave_subtree() noexcept { split_.leave(); }
  // Moves to the next unexplored branch; false when the tree is exhausted.
  bool next() {
    pos_ = 0;
    stack_.resize(split_.keep(stack_.size()));  // a subtree of another part: left whole
    while (!stack_.empty() && stack_.back().first + 1 >= stack_.back().second) stack_.pop_back();
    if (stack_.empty()) return false;
    ++stack_.back().first;
    split_.moved_to(stack_.size() - 1);
    return true;
  }
  std::size_t depth() const noexcept { return stack_.size(); }
  // Knuth's estimator: the product of the branching factors along the current path.
  double path_estimate() const noexcept {
    double e = 1;
    for (auto& [c, n] : stack_) e *= n;
    return e;
  }
  // Frontier persistence (resumable exploration): one "chosen count" pair per line.
  std::string save() const {
    std::string s;
    for (auto& [c, n] : stack_) s += std::to_string(c) + " " + std::to_string(n) + "\n";
    return s;
  }
  bool load(const std::string& text) {
    stack_.clear();
    pos_ = 0;
    std::size_t i = 0;
    while (i < text.size()) {
      unsigned c = 0, n = 0;
      int used = 0;
      if (std::sscanf(text.c_str() + i, "%u %u\n%n", &c, &n, &used) != 2 || used == 0 || c >= n)
        return false;
      stack_.push_back({static_cast<std::uint16_t>(c), static_cast<std::uint16_t>(n)});
      i += static_cast<std::size_t>(used);
    }
    return true;
  }

 private:
  std::vector<std::pair<std::uint16_t, std::uint16_t>> stack_;
  std::size_t pos_ = 0;
  const partition* part_ = nullptr;
  path_split split_;
};

// Uniformly random choices from a seed (splitmix64: tiny state, good enough mixing).
class random_chooser final : public chooser {
 public:
  explicit random_chooser(std::uint64_t seed) : s_(seed) {}
  // The i-th (0-based) value of next() of a chooser seeded with `seed`, without the i before
  // it: random mode's per-iteration seeds, so that iterations can be split between parts.
  static std::uint64_t nth(std::uint64_t seed, std::uint64_t i) {
    random_chooser r(seed + i * kGamma);
    return r.next();
  }
  // The next execution's seed: random mode keeps one chooser per search, so that the
  // execution asks it once (execution::prepare) and draws from the same state.
  void reseed(std::uint64_t seed) noexcept { s_ = seed; }
  int pick(int n) override { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  std::uint64_t* random_state() noexcept override { return &s_; }
  std::uint64_t next() { return splitmix_next(s_); }

 private:
  static constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ull;
  std::uint64_t s_;
};

// PCT (Burckhardt et al., ASPLOS'10): random distinct priorities for threads, the highest
// priority enabled thread runs, and at d - 1 random steps (out of an estimate k of the
// execution length) the running thread drops below all others. Finds any bug of depth d
// with probability at least 1 / (n * k^(d-1)) per execution.
class pct_chooser final : public chooser {
 public:
  pct_chooser(std::uint64_t seed, int depth, std::uint64_t k) : rng_(seed) {
    for (int i = 0; i + 1 < depth; ++i) change_[i] = 1 + rng_.next() % (k ? k : 1);
    nchange_ = depth > 1 ? depth - 1 : 0;
  }
  int pick(int n) override { return rng_.pick(n); }
  bool per_step() const noexcept override { return true; }
  int pick_step(const step_candidate* c, int n, const access*) override {
    ++step_;
    int best = 0;
    for (int k = 0; k < n; ++k) {
      const auto t = static_cast<std::size_t>(c[k].tid);
      if (t >= prio_.size()) prio_.resize(t + 1, 0);
      // A random draw, ties broken by thread id: (draw, tid) ordered lexicographically, the
      // same order for any number of threads (and the same as before threads were unbounded,
      // when the factor was 16: seeds explore what they did).
      if (prio_[t] == 0)
        prio_[t] =
            1000000 + static_cast<std::int64_t>(rng_.next() % 1000000) * kTidRange + c[k].tid;
      if (prio_[t] > prio_[static_cast<std::size_t>(c[best].tid)]) best = k;
    }
    // Among the chosen thread's own alternatives (normal / timeout / spurious): random.
    int same = 0;
    for (int k = 0; k < n; ++k) same += c[k].tid == c[best].tid;
    if (same > 1) {
      int r = rng_.pick(same);
      for (int k = 0; k < n; ++k)
        if (c[k].tid == c[best].tid && r-- == 0) best = k;
    }
    for (int i = 0; i < nchange_; ++i)
      if (change_[i] == step_) prio_[c[best].tid] = low_--;
    return best;
  }
  std::uint64_t steps() const noexcept { return step_; }

 private:
  static constexpr std::int64_t kTidRange = std::int64_t{1} << 31;  // > any thread id
  random_chooser rng_;
  std::vector<std::int64_t> prio_;  // per thread id; 0: not drawn yet
  std::uint64_t change_[64] = {};
  int nchange_ = 0;
  std::uint64_t step_ = 0;
  std::int64_t low_ = 999;
};

// Re-plays the choices of a token. With a tail seed it goes on at random where the token
// ends (the escape probe of checker/rt/src/liveness.hpp) instead of calling that an error.
class replay_chooser final : public chooser {
 public:
  explicit replay_chooser(std::vector<std::uint16_t> c) : c_(std::move(c)) {}
  replay_chooser(std::vector<std::uint16_t> c, std::uint64_t tail_seed)
      : c_(std::move(c)), tail_(tail_seed), random_tail_(true) {}
  int pick(int n) override {
    if (pos_ >= c_.size() && random_tail_) return tail_.pick(n);
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
  // After the execution: choices taken, and those left over (a token too long for it).
  std::size_t used() const noexcept { return pos_; }
  std::size_t unused() const noexcept { return c_.size() - pos_; }

 private:
  std::vector<std::uint16_t> c_;
  std::size_t pos_ = 0;
  random_chooser tail_{0};
  bool random_tail_ = false;
};

}  // namespace lockstep::rt
