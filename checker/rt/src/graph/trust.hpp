// Internal: exhaustive exploration over execution graphs — TruSt (Kokologiannakis, Marmanis,
// Gladstein, Vafeiadis, "Truly Stateless, Optimal Dynamic Partial Order Reduction", POPL'22),
// run natively on the fiber runtime.
//
// Visit(G): the program is re-run from the start; the events of G are replayed (in a
// topological order of po ∪ rf ∪ ..., so every object is in the state the graph says), then
// the execution goes on and each new event a = next_P(G) is added:
//   * a read reads the co-latest write; every other write it may consistently read from is an
//     alternative (a forward revisit, pushed to the work list);
//   * a write goes last in co; every other consistent co position is an alternative; then
//     CalcRevisits(a): every read r of the location that is not in porf-prefix(a) and is
//     still revisitable may read from a instead — the backward revisit
//         Revisit(G, r, a) = G restricted to {e : stamp(e) <= stamp(r)} ∪ porf-prefix(a),
//                            with rf(r) = a, and porf-prefix(a) no longer revisitable,
//     performed only when every deleted event (and r) was added maximally (IsMaximal below):
//     that condition makes each graph reachable in exactly one way (optimality).
//   * lockstep::choose(n) is an event whose value is chosen: values 1..n-1 are alternatives;
//     so is an untimed wait's decision, when its thread blocks un-notified, to sleep (0) or to
//     wake spuriously right there (1: its wake-up then reads only states without its notify),
//     offered and kept only where another thread could run (README.md, "How an execution
//     runs").
// An RMW is a read followed by its write; a read that an RMW shares with another RMW breaks
// atomicity: such a graph (a "springboard") is only used to compute the backward revisits of
// its RMW write and is not counted ("moot"). A lock is an RMW on the mutex that only reads a
// free state; a lock that a revisit makes read a held state holds its thread back: if the
// execution ends with it held back and the lock free, the execution is "blocked" (counted
// apart: its completion is explored by the revisit of the unlock). If the lock is still held
// — its holder asleep for good, itself held back on another such lock, joining a stuck
// thread — and no thread can go on, no unlock will come: a deadlock, reported as such.
// A lock that blocks in the runtime (GenMC's blocked lock read): when no thread can go on,
// each thread blocked on a lock gets the lock's read of the held state (stuck()), with the
// free states it could read instead as alternatives, so the order in which it locks first is
// explored even when its holder never unlocks (a lock held across a join of that thread).
// next_P: the thread of the last added event goes on until it yields, blocks or ends; then
// the next thread in cyclic order. Spin loops and fairness: after a yield, a thread's read may
// not read a write that a newer write to the same location by a thread that had its turn since
// the yield (added after the yield) overwrote; and a thread reads an overwritten value after
// yielding at most `stale_spins` times per location, then the latest write. Both keep a spin
// loop finite (it sees the write it waits for), as the old scheduler's fair-yield rule did; the
// bound decides how long a spin that misses an existing write is explored (spin-then-park
// code needs it at least as large as its spin count to reach the parking path that way).
//
// Loop pruning (GenMC's spin-assume, found at run time instead of by a compiler pass): an
// iteration of a loop that wrote nothing is cut when the loop goes round again (had it read a
// newer write, that is another graph, explored on its own) — the thread is held back (its
// continuation is explored by the revisit of the write it waits for) and the execution counts as
// blocked. Three shapes are recognised: a read-only iteration ending in spin_pause (which marks
// spin loops; a plain yield needs two rounds), a failed CAS followed by the same CAS (same source
// line) with only reads in between, and an iteration of a loop marked by loop_head
// (model_platform.hpp) with only reads, yields and fences between two visits of the head. If at the
// end nothing can end such a spin (it read the latest writes and every other thread is done), the
// spin is let go and runs into the step bound: a livelock, reported with a replayable token. A loop
// that leaves after a count of identical iterations (spin-then-park) needs prune_loops = false to
// explore its fallback path (and stale_spins at least its count).
//
// Work list: a stack of states (graph + its own work list of alternatives, taken in
// decreasing stamp order); a backward revisit pushes a new state. The search is complete when
// the stack is empty.
//
// Split exploration (--shard, --jobs; ../partition.hpp): an item's depth is the number of items
// applied on the way to it from the first execution. The subtrees are the items of the split
// depth d with everything explored from them; a part drops the items of depth d it does not
// claim, unapplied. That leaves the rest of the search as it was: an item restores its graph
// from the events up to its own stamp, which no other item's subtree changes. d is fixed along
// the first chain of executions (each one applying an item of the one before): the product of
// the numbers of items they push reaches the partition's target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../partition.hpp"
#include "consistency.hpp"
#include "hooks.hpp"

namespace lockstep::rt::graph {

class trust_engine final : public chooser, public engine_hooks {
 public:
  // stale_spins, prune_loops: see model_test_options.
  trust_engine(model m, int stale_spins, bool prune_loops, int spurious_wakeups);

  // chooser
  int pick(int n) override;
  bool per_step() const noexcept override { return true; }
  int pick_step(const step_candidate* c, int n, const access* pending) override;

  // Strict liveness (model_test_options::strict_liveness): the fairness rule above keeps the
  // threads out of lock step (a read after a yield sees what the others did since), so the
  // adversarial cycles are never explored as such. Under strict liveness that rule is
  // dropped — only the stale_spins bound stays, so the search stays finite and shows a few
  // rounds of lock step — and each execution notes its repeating rounds: a point where every thread
  // that can run has just yielded, and an earlier point where the same threads could run at the
  // same operations (same kind and source line) and every one of them has run since. Repeating the
  // schedule between the two until the step bound is a candidate livelock: a graph token (the
  // execution's choices up to the later point, then the round's choices over and over) that
  // the runner replays. It is a livelock only if that replay runs into the step bound; any
  // other ending (the round did not repeat: a counter, a value that changed) drops it.
  // Weakly fair by construction: every thread that can run takes a step in every round.
  void set_strict_liveness(std::uint64_t max_steps) noexcept { strict_steps_ = max_steps; }
  // The candidate livelocks of the execution just run (strict liveness only).
  const std::vector<std::vector<std::uint16_t>>& livelock_candidates() const noexcept {
    return cycles_;
  }
  engine_hooks* graph_hooks() noexcept override { return this; }

  // engine_hooks
  void begin_step(execution& x, int tid, const point_desc& d, wake how) override;
  void end_step(execution& x, int tid, bool finished) override;
  void store(execution& x, loc_key k, std::uint64_t init, std::uint64_t bits, std::memory_order mo,
             source_loc at) override;
  rmw_result rmw(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                 const rmw_request& op, source_loc at) override;
  void fence(execution& x, std::memory_order mo, source_loc at) override;
  std::uint64_t latest(loc_key k, std::uint64_t init) override;
  bool held_back(int tid) const noexcept override;
  void stuck(execution& x) override;
  void loop_head(execution& x, source_loc at) noexcept override;
  bool excuses_step_bound(const execution& x) const noexcept override;

  // After an execution: classifies it (complete / blocked / moot) and prepares the next
  // one. False when the exploration is complete.
  bool next();
  // Explore only p's part of the search (partition.hpp); before the first next().
  void set_partition(const partition* p) { part_ = p; }
  // Whether the execution just run is this part's: counted (also in the totals below) and its
  // failure reported. Executions of the shared prefix are the prefix owner's.
  bool counted() const noexcept {
    if (!part_ || !part_->split()) return true;
    return split_ && depth_ >= split_ ? mine_ : part_->owns_prefix();
  }
  // The unit of the execution just run (partition.hpp, path_split::unit).
  std::uint64_t unit() const noexcept {
    return split_ && depth_ >= split_ ? 2 * (seen_ - 1) + 1 : 2 * seen_;
  }
  // Gives up the rest of the current subtree (a --jobs worker inheriting it from worker 0).
  void leave_subtree() noexcept { leave_ = split_ && depth_ >= split_; }
  // The unexplored frontier after next() returned true (the prepared graph included), and
  // its reading by a later run of the same binary: false (and nothing changed) if the text
  // is not such a frontier. graph/frontier.cpp.
  std::string save_frontier() const;
  bool load_frontier(const std::string& text);
  // The execution just run was a springboard (not a consistent graph): its failures are not
  // real and it is not counted.
  bool moot() const noexcept { return moot_; }
  void mark_blocked() noexcept { blocked_ = true; }  // lockstep::assume cut the execution
  bool blocked() const noexcept { return blocked_; }
  std::uint64_t complete_count() const noexcept { return complete_; }
  std::uint64_t blocked_count() const noexcept { return blocked_total_; }
  std::uint64_t moot_count() const noexcept { return moot_total_; }
  // The graph of the execution just run (for the cross-check tests: no graph twice).
  std::string signature() const;
  double path_estimate() const noexcept;

 private:
  enum class item_kind : std::uint8_t { read_rf, write_co, choice, write_choice, backward };
  struct item {
    item_kind kind;
    std::uint32_t stamp;      // the stamp the state's graph is cut to first
    event_ref e;              // the event changed (read, write, choice; backward: the read)
    event_ref w;              // read_rf/backward: the write to read from
    std::uint32_t value;      // write_co: co position (1 = right after the initial write); choice;
                              // read_rf/backward: 1 = a weak CAS's spurious failure
    view keep;                // backward: the events kept
    std::uint32_t depth = 0;  // items applied on the way here from the first execution
  };
  struct state {
    exec_graph g;
    std::vector<item> work;
  };

  exec_graph& g() noexcept { return states_.back().g; }
  void push(item it) {
    it.depth = depth_ + 1;
    ++pushed_;
    states_.back().work.push_back(std::move(it));
  }
  // Adding events (next_P extension) and replaying them.
  bool replaying(int tid) const;
  bool replay_pending() const;  // some thread still has graph events to replay
  event& next_event(execution& x, int tid, ev_kind k, const char* what);
  event_ref add(int tid, event e);
  void add_write_alternatives(event_ref w);
  void calc_revisits(event_ref w);
  bool is_maximal(event_ref r, event_ref w, const view& keep) const;
  // The writes a new read may read (a weak CAS that would succeed: also failing spuriously).
  struct rf_choice {
    event_ref w;
    bool spurious;
  };
  std::vector<rf_choice> rf_candidates(event_ref r);
  std::vector<std::uint8_t> cand_want_, cand_ok_;  // rf_candidates' working arrays
  std::vector<event_ref> cand_ws_;
  // exec_graph::prefix_of's result, its storage reused: one prefix at a time (rf_candidates,
  // calc_revisits, a backward revisit's apply, retry_redundant, decide_wakes; none calls
  // another).
  mutable view prefix_;
  int spurious_in(const exec_graph& G, const view& keep, event_ref but) const;
  bool allowed_after_yield(event_ref r, event_ref w) const;
  void set_rf(event_ref r, event_ref w);
  event read_event(loc_key k, std::uint32_t hint, const rmw_request& op, source_loc at) const;
  void track_threads(const execution& x);
  bool apply(item& it);
  void begin_execution(bool ordered = false);  // ordered: order_ is the graph's replay order
  std::uint64_t read_value(execution& x, event_ref r, bool sync_object, std::memory_order mo);
  void record_rf(execution& x, event_ref r);
  std::uint64_t executed_value(event_ref w, loc_key k);
  void executed_write(execution& x, event_ref w, std::memory_order mo, bool rmw, bool sync_object);
  void mismatch(execution& x, const char* what);

  model model_;
  int stale_spins_;
  bool prune_loops_;
  int spurious_budget_;  // spurious wake-ups an execution may have
  std::vector<state> states_;
  bool first_ = true;
  // Per execution.
  std::uint32_t serial_ = 0;       // this execution's number (event::values_of)
  std::vector<std::int32_t> pos_;  // events of each thread consumed so far
  std::vector<event_ref> order_;   // the replay schedule
  std::size_t order_pos_ = 0;
  bool moot_ = false;
  bool blocked_ = false;
  bool showing_livelock_ = false;  // spins let go to run into the step bound
  bool new_step_ = false;          // the next event added starts a step
  int turn_ = -1;                  // next_P: the thread whose turn it is
  // Threads held back: a lock that reads a held state (lock), or a loop iteration that is
  // pruned (retry: a CAS retry after a failed CAS; spin: a read-only iteration ending in a
  // yield, or a CAS that waits for the same value again).
  enum class hold : std::uint8_t { none, lock, retry, spin };
  std::vector<hold> held_;
  std::vector<bool> unprunable_;  // released to show a spin that nothing can end
  // Retry loops (model_platform::loop_head): per thread, its last loop head (source line, and
  // its events then); cut: the iteration since the one before at that head wrote nothing.
  struct loop_mark {
    const char* file = nullptr;
    int line = 0;
    std::int32_t at = -1;
  };
  std::vector<loop_mark> marks_;
  std::vector<bool> cut_;
  hold prune(int tid, const point_desc& d) const;
  bool retry_redundant(event_ref cas) const;
  int pick_next(const step_candidate* c, int n);
  // Spurious wake-ups of untimed waits (decide_wakes: the decision at the block; the rest:
  // the wake-up's point in the replay).
  int decide_wakes(const step_candidate* c, int n);
  bool spurious_wake_possible(event_ref wake, const std::vector<bool>& could_run) const;
  void note_runnable(const step_candidate* c, int n);
  static bool others_can_run(const step_candidate* c, int n, int tid);
  bool read_to_replay(loc_key k, event_ref w, event_ref but) const;
  std::vector<bool> runnable_;  // the threads that could run where a spurious wake-up was taken
  // Strict liveness: the scheduling points of the execution, and the rounds found.
  struct runnable {  // a thread that could take the step, and the operation it would do
    int tid;
    op kind;
    int line;
    const char* file;
    friend bool operator==(const runnable&, const runnable&) = default;
  };
  struct sched_point {
    std::size_t pos;  // choices recorded before this step
    int tid;          // the thread that took it
    bool yields;      // ... and the step was a yield
    std::vector<runnable> could;
  };
  void note_round(const step_candidate* c, int n, int pick);
  std::uint64_t strict_steps_ = 0;  // the step bound; 0: strict liveness off
  std::vector<sched_point> sched_;
  std::vector<std::vector<std::uint16_t>> cycles_;
  bool reads_latest(int tid, std::int32_t from) const;
  executed_writes writes_;
  // Totals.
  std::uint64_t complete_ = 0, blocked_total_ = 0, moot_total_ = 0;
  // Split exploration.
  const partition* part_ = nullptr;
  std::uint32_t depth_ = 0;  // of the item the current execution applied
  std::uint32_t max_depth_ = 0;
  std::uint32_t pushed_ = 0;  // items pushed since that item was applied
  std::uint32_t split_ = 0;   // the split depth; 0: not fixed yet
  double chain_ = 1;          // product of pushed_ along the first chain
  std::uint64_t seen_ = 0;    // items of the split depth popped so far
  bool mine_ = true;          // the current subtree is this part's
  bool leave_ = false;        // drop the rest of the current subtree at next()
};

}  // namespace lockstep::rt::graph
