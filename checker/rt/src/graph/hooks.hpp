// Internal: what the runtime tells the graph engine, and asks it, during one execution.
//
// Under the graph engine the values of atomics (and of mutex states) come from the execution
// graph, not from the objects: a load returns the value of the write it reads from, which
// under the C++11 model need not be the latest one. Two implementations: the exploration
// (trust.hpp) and the replay of a token (replay.hpp). Both keep the execution-side part here:
// the writes executed so far per location (in execution order, with their release clocks for
// the race detector) — which is also what a token's read and write choices index into.
#pragma once

#include <cstdint>
#include <vector>

#include "../execution.hpp"
#include "graph.hpp"

namespace lockstep::rt::graph {

// The operations the graph engine does not model yet: the name to report, or nullptr.
const char* unsupported_op(const point_desc& d, wake how) noexcept;

class engine_hooks {
 public:
  virtual ~engine_hooks() = default;
  // At the step bound: the execution only ran on because the graph holds a thread back that
  // would have gone on (a lock that is free again): blocked, not a livelock.
  virtual bool excuses_step_bound(const execution&) const noexcept { return false; }
  // Around each step: the events of start, spawn, join and yield are made here.
  virtual void begin_step(execution& x, int tid, const point_desc& d, wake how) = 0;
  virtual void end_step(execution& x, int tid, bool finished) = 0;
  // A load is an RMW-capable access that never writes.
  std::uint64_t load(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                     std::memory_order mo, source_loc at);
  virtual void store(execution& x, loc_key k, std::uint64_t init, std::uint64_t bits,
                     std::memory_order mo, source_loc at) = 0;
  virtual rmw_result rmw(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                         const rmw_request& op, source_loc at) = 0;
  virtual void fence(execution& x, std::memory_order mo, source_loc at) = 0;
  // The value of the write latest in co among the location's writes executed so far.
  virtual std::uint64_t latest(loc_key k, std::uint64_t init) = 0;
  // A thread the graph holds back (a lock that reads a held state): never scheduled.
  virtual bool held_back(int tid) const noexcept = 0;
  // No thread can go on: before the execution ends, the engine gives every thread blocked in
  // the runtime on a lock its read of the held state (trust.hpp, blocked lock reads).
  virtual void stuck(execution&) {}
  // The current thread is at the head of a retry loop (model_platform::loop_head).
  virtual void loop_head(execution&, source_loc) noexcept {}
};

// The execution-side record of the writes executed so far, per location.
class executed_writes {
 public:
  struct entry {
    event_ref ref;  // the graph event (explore) or an execution-local number (replay)
    std::uint64_t bits = 0;
    bool has_sync = false;
    vclock sync;  // release clock (release sequence head), for hb
    // Replay: the writer's own clock entry at the write (ref.tid is the writer): the write
    // happens before an access whose thread's clock has at least this entry for ref.tid.
    std::uint32_t epoch = 0;
  };
  struct loc_entry {
    loc_key key = 0;
    std::vector<entry> writes;  // [0] = the initial value
  };
  void reset() { locs_.clear(); }
  loc_entry& of(loc_key k, std::uint64_t init);
  // hb bookkeeping shared by both engines (the same as the C++11 model's: release sequences
  // continued by RMWs, release/acquire fences).
  static void on_read(thread_rec& t, const entry& w, std::memory_order mo);
  static void on_write(thread_rec& t, entry& w, std::memory_order mo, const entry* rmw_source);
  static void on_fence(thread_rec& t, std::memory_order mo);

 private:
  std::vector<loc_entry> locs_;
};

}  // namespace lockstep::rt::graph
