// Internal: exhaustive exploration with dynamic partial-order reduction.
//
// Source-set DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL'14) with sleep sets, on the same
// stateless DFS as dfs_chooser: every scheduling decision is a node of the current path;
// after each step the race detector (happens-before vector clocks over the path's events)
// finds the earlier steps that conflict with it and are not ordered before it; for each such
// race it adds to the earlier node's backtrack set one *initial* of the reversed sequence,
// unless one is already there. Sleep sets keep explored independent alternatives from being
// re-explored below. Result: one execution per Mazurkiewicz trace in the common case (more
// only where a sleep-set-blocked execution has to run to completion, which is counted
// separately as `redundant`).
//
// Data choices (lockstep::choose, which waiter a notify_one wakes) are explored exhaustively
// as in dfs_chooser. Not combined with preemption bounding (the runner refuses both).
// Fair-yield filtering can hide a racing thread at a backtrack point; the fallback then adds
// every candidate there (sound for the explored candidates, at the cost of reduction). A yield
// of thread t writes its own key (kYieldKeyBase + t) and the first writing step of every other
// thread after it reads that key: the ordering fair scheduling imposes (the yielder waits for
// the others) is then a race like any other, which the search reverses. Yields of different
// threads and read-only steps (spin loads) do not race with a yield, so spin-with-yield
// loops keep most of their reduction.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "execution.hpp"
#include "lockstep/rt/thread_set.hpp"
#include "partition.hpp"
#include "small_vec.hpp"

namespace lockstep::rt {

class dpor_chooser final : public chooser {
 public:
  dpor_chooser();

  int pick(int n) override;
  bool per_step() const noexcept override { return true; }
  int pick_step(const step_candidate* c, int n, const access* pending) override;
  void on_step(int tid, const access* acc, int nacc) override;

  // Split exploration (partition.hpp): only p's part; the levels above the split are explored
  // without reduction (a race found in a skipped subtree cannot add backtrack points there).
  void set_partition(const partition* p) { split_ = path_split(p); }
  // Whether the execution just run is this part's (called once per execution, before next()).
  bool counted();
  std::uint64_t unit() const noexcept { return split_.unit(); }  // partition.hpp
  void leave_subtree() noexcept { split_.leave(); }
  // Moves to the next unexplored alternative; false when the search is complete.
  bool next();
  std::uint64_t redundant_executions() const noexcept { return redundant_total_; }
  // Knuth-style estimate of the remaining tree: product of alternatives along the path.
  double path_estimate() const noexcept;
  // Frontier persistence (resumable exploration).
  std::string save() const;
  bool load(const std::string& text);

 private:
  // Per-thread arrays are sized by the threads of the execution (any number); sets of
  // candidate indices and of thread ids are thread_sets (inline up to 64). Nodes are kept
  // when the search backtracks over them and reused by the next execution (len_ is the
  // path's length), so their arrays keep their storage.
  struct node {
    bool data = false;
    // data node
    std::uint16_t chosen = 0, count = 0;
    // thread node: the decision
    int n = 0;
    small_vec<step_candidate, 8> cand;  // the n candidates
    thread_set backtrack;               // candidate indices still to explore
    thread_set done;                    // candidate indices explored
    thread_set sleep;                   // thread ids asleep here
    int chosen_idx = 0;
    small_vec<access, 8> pending;  // what each thread's next step touches here
    // thread node: the event that the decision executed
    int tid = -1;
    access acc[2];
    int nacc = 0;
    small_vec<std::int32_t, 8> clock;  // per thread: last event index hb-before or equal
    std::int32_t clock_of(int t) const noexcept {
      return static_cast<std::size_t>(t) < clock.size() ? clock[static_cast<std::size_t>(t)] : -1;
    }
  };
  struct object_state {
    std::int32_t last_write = -1;
    std::int32_t last_acquire = -1;
    std::vector<std::int32_t> reads;  // since the last write
  };

  void reset_execution();
  node& push_node();  // a cleared node at the end of the path
  node& at(std::size_t i) noexcept { return path_[i]; }
  void race(std::int32_t j, std::int32_t i, const std::vector<std::int32_t>& pre_clock_i);
  thread_set cand_set_of_thread(const node& nd, int tid) const;
  // Sleep sets: a yield counts as dependent with every writing step of another thread (the
  // step that lets a yielder run again under fair scheduling), not with reads or yields.
  static bool dependent(const access& a, const access& b) noexcept {
    const bool ya = is_yield_key(a.key), yb = is_yield_key(b.key);
    if (ya != yb) return (ya ? b : a).write && (ya ? b : a).key != 0;  // yield vs a write
    if (ya) return false;                                              // two yields
    return a.key != 0 && a.key == b.key && (a.write || b.write);
  }
  std::vector<std::int32_t>& thread_clock(int tid);

  static thread_set awake_set(const node& nd);  // candidate indices of threads awake at nd

  std::vector<node> path_;
  std::size_t len_ = 0;  // nodes of path_ in use
  std::size_t pos_ = 0;
  path_split split_;
  std::int32_t cur_event_ = -1;
  std::int32_t last_thread_node_ = -1;
  bool redundant_ = false;
  int nthreads_ = 0;  // threads seen in this execution (sizes the per-thread arrays)
  // answer_[u]: the threads that yielded since u's last writing step. u's next writing step
  // reads their yield keys: it is the step that lets them run again under fair scheduling.
  std::vector<thread_set> answer_;
  std::uint64_t redundant_total_ = 0;
  std::vector<std::vector<std::int32_t>> thread_clock_;  // per thread, per thread (-1: none)
  std::unordered_map<std::uint32_t, object_state> objects_;
  // Scratch of on_step and race (kept to avoid allocating per step).
  std::vector<std::int32_t> pre_, clk_, first_;
  std::vector<access> all_;
};

}  // namespace lockstep::rt
