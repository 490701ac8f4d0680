// Internal: a deterministic partition of one test's search into disjoint parts (--shard=I/N,
// the TEST_SHARD_* / GTEST_SHARD_* protocol, and the workers of --jobs).
//
// Every engine numbers the subtrees of its search below a split depth d in the order a single
// run explores them (DFS order, numbers 0, 1, 2, ...). A part explores subtree k iff it claims
// k: a shard I of N claims k % N == I; a --jobs worker claims k if it is the first worker to
// ask for it (claim_fn). The executions above d, the shared prefix that produces the subtrees,
// are run by every part but counted (and their failures reported) only by the prefix owner
// (shard 0, worker 0). d is fixed from the search's first path, which every part runs alike:
// the smallest depth at which the branching factors along that path multiply to `target`.
//
// Guarantee: the counted executions of the parts are disjoint and their union is the search
// of the same split run as one part. For the graph engine, plain DFS and random/PCT mode that
// is the unsplit search itself (skipping a subtree changes nothing outside it). For the DPOR
// engine it is not: a race found inside a subtree adds backtrack points above it, which a part
// that skips the subtree would never see, so when split, DPOR explores the d levels above the
// split without reduction (every awake candidate) — a search as sound as DPOR's and the same
// for every N (d depends only on kDporTarget), with more executions than unsplit DPOR.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lockstep::rt {

class partition {
 public:
  // First-come claim of subtree k (the --jobs workers); called once per subtree, in order.
  using claim_fn = bool (*)(void* ctx, std::uint64_t k);

  partition() = default;  // not split: the whole search
  partition(std::uint32_t index, std::uint32_t count) : index_(index), count_(count) {}
  // Claims through f; `parts` only sizes the split (target()).
  partition(bool owns_prefix, std::uint32_t parts, claim_fn f, void* ctx)
      : index_(owns_prefix ? 0 : 1), count_(parts), claim_(f), ctx_(ctx) {}

  bool split() const noexcept { return count_ > 0; }
  std::uint32_t index() const noexcept { return index_; }
  std::uint32_t count() const noexcept { return count_; }
  bool owns_prefix() const noexcept { return index_ == 0; }
  bool claims(std::uint64_t k) const {
    if (claim_) return claim_(ctx_, k);
    return count_ == 0 || k % count_ == index_;
  }
  // Subtrees to aim for: many per part, so that parts of unequal size even out.
  std::uint64_t target() const noexcept { return 64ull * (count_ ? count_ : 1); }
  // DPOR's split must not depend on the number of parts (its search depends on d).
  static constexpr std::uint64_t kDporTarget = 256;

 private:
  std::uint32_t index_ = 0, count_ = 0;
  claim_fn claim_ = nullptr;
  void* ctx_ = nullptr;
};

// The split of a stateless DFS over a path of choice positions (dfs_chooser, dpor_chooser): a
// subtree is the set of executions sharing their first d positions. The chooser calls, per
// execution: fix() once (after the first execution), then counted() exactly once after the
// execution and before backtracking, keep() to learn how much of the path to keep (a subtree
// that is not this part's is left whole), and moved_to(p) when backtracking changed the
// choice at position p.
class path_split {
 public:
  explicit path_split(const partition* p = nullptr) : p_(p) {}
  bool active() const noexcept { return p_ && p_->split(); }
  bool fixed() const noexcept { return fixed_; }
  std::size_t depth() const noexcept { return d_; }
  // branching(i): the alternatives at position i of the first path (len positions).
  template <class F>
  void fix(std::size_t len, std::uint64_t target, F branching) {
    fixed_ = true;
    double prod = 1;
    d_ = 0;
    while (d_ < len && prod < static_cast<double>(target)) prod *= branching(d_++);
    if (prod < static_cast<double>(target)) d_ = len + 1;  // the search may be all prefix
  }
  bool counted(std::size_t len) {
    if (!active()) return true;
    if (len < d_) {
      unit_ = 2 * seen_;
      return p_->owns_prefix();
    }
    if (fresh_) {
      fresh_ = false;
      mine_ = p_->claims(seen_++);
    }
    unit_ = 2 * (seen_ - 1) + 1;
    return mine_;
  }
  // The unit of the execution counted() judged last, in the single run's order: 2k + 1
  // inside subtree k, 2k in the prefix after k subtrees began (parallel.hpp).
  std::uint64_t unit() const noexcept { return unit_; }
  // Gives up the rest of the current subtree (a --jobs worker inheriting it from worker 0).
  void leave() noexcept { mine_ = false; }
  std::size_t keep(std::size_t len) const { return active() && len >= d_ && !mine_ ? d_ : len; }
  void moved_to(std::size_t pos) {
    if (pos < d_) fresh_ = true;
  }

 private:
  const partition* p_;
  bool fixed_ = false;
  std::size_t d_ = 0;
  bool fresh_ = true;  // the next execution that reaches depth d starts a new subtree
  bool mine_ = true;
  std::uint64_t seen_ = 0;
  std::uint64_t unit_ = 0;
};

}  // namespace lockstep::rt
