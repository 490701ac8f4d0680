// Internal: the execution graph of the graph engine (checker/rt/src/graph/README.md).
//
// An execution graph (Kokologiannakis, Raad, Vafeiadis, PLDI'19; TruSt, POPL'22) is the set
// of events of one execution, per thread in program order (po), with
//   rf  — for every read, the write it reads from (or the location's initial value),
//   co  — per location, the modification (coherence) order of its writes,
// plus the thread edges spawn -> start and finish -> join. The graph does not record an
// interleaving: every interleaving that produces the same graph is the same execution, so
// the engine explores one execution per consistent graph.
//
// Events are addressed by (thread, index in po). Each event carries its stamp: the order in
// which the exploration added it. Stamps grow along po, so "the events with stamp <= s" is a
// prefix of every thread, and so is every porf-prefix: a set of events closed under
// predecessors is a `view` (a length per thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "lockstep/rt/runtime.hpp"

namespace lockstep::rt::graph {

using rt::rmw_kind;

using loc_key = std::uint32_t;

// A reference to an event, or to the initial write of a location (tid == -1).
struct event_ref {
  std::int32_t tid = -1;
  std::int32_t idx = 0;
  bool is_init() const noexcept { return tid < 0; }
  friend bool operator==(event_ref, event_ref) = default;
};

enum class ev_kind : std::uint8_t {
  start,   // first event of a thread; created by its parent's spawn
  spawn,   // aux = the child's thread id
  join,    // aux = the joined thread; ordered after that thread's finish
  finish,  // last event of a thread
  yield,   // yield / spin_pause: passes the turn (no memory effect)
  fence,   // atomic_thread_fence
  read,    // a load, or the read part of an RMW-capable access (rmw != none): CAS, fetch_op,
           // and the operations of synchronization objects (their states are the values);
           // when it writes, its write part is the next event
  write,   // a store, or the write part of an RMW (rmw_write)
  choice,  // lockstep::choose(n): bits = the value, aux = n
};
const char* to_string(ev_kind k) noexcept;

struct event {
  ev_kind kind = ev_kind::start;
  rmw_kind rmw = rmw_kind::none;
  std::memory_order mo = std::memory_order_seq_cst;       // for rmw: the success order
  std::memory_order mo_fail = std::memory_order_seq_cst;  // rmw-capable reads that fail
  bool rmw_write = false;        // the write part of an RMW (its read is the previous event)
  bool step_start = false;       // the first event of a step of its thread (a step is atomic)
  bool spurious_ok = false;      // an await that wakes spuriously: reads only states its
                                 // guard rejects, and writes
  bool spurious_choice = false;  // RMW write: aux 1 is a spurious wake-up (a timed wait's);
                                 // choice: an untimed wait's decision (bits 1: it wakes
                                 // spuriously next, its wake-up event follows; 0: it sleeps)
  bool weak_cas = false;         // compare_exchange_weak: may fail spuriously on a match
  bool spurious_fail = false;    // ... and does: it reads the expected value, writes nothing
  bool wait_compare = false;     // read: an atomic wait's comparison; the next event (its
                                 // registration) reads a write that happens before it
  bool revisitable = true;       // a later write may still change what this read reads
  bool added_max = true;         // read: read the co-latest write when added; write: placed last;
                                 // choice: value 0
  loc_key loc = 0;
  std::uint32_t loc_hint = 0;  // where `loc` was in exec_graph::locs when the event was made
                               // (locations are only appended; checked against the key)
  std::uint32_t stamp = 0;
  std::uint32_t aux = 0;   // spawn: child; join: joined thread; choice: n; RMW write: its choice
  event_ref rf;            // read role: the write read from
  std::uint64_t bits = 0;  // write role: the value written; choice: the value chosen
  std::uint64_t expected = 0;  // cas: the expected value; guarded reads: the guard's argument
  // The execution (trust_engine's serial) whose values bits and expected are: set when the
  // event is added and each time it is replayed. Values of two executions are never compared
  // (addresses differ between executions; README, "Values from other executions").
  std::uint32_t values_of = 0;
  rt::rmw_guard guard = nullptr;
  const char* file = nullptr;  // source location (for traces and reports)
  int line = 0;

  bool has_read() const noexcept { return kind == ev_kind::read; }
  bool has_write() const noexcept { return kind == ev_kind::write; }
  bool is_sc() const noexcept { return mo == std::memory_order_seq_cst; }
};

struct location {
  loc_key key = 0;
  std::uint64_t init_bits = 0;
  bool sync_object = false;   // a mutex, semaphore, cv, the clock: operations linearizable
  std::vector<event_ref> co;  // writes in modification order (the initial write excluded)
};

// A per-thread prefix of the graph: view[t] events of thread t.
using view = std::vector<std::int32_t>;

class exec_graph {
 public:
  std::vector<std::vector<event>> threads;
  std::vector<location> locs;
  std::uint32_t next_stamp = 1;

  event& at(event_ref r) {
    return threads[static_cast<std::size_t>(r.tid)][static_cast<std::size_t>(r.idx)];
  }
  const event& at(event_ref r) const {
    return threads[static_cast<std::size_t>(r.tid)][static_cast<std::size_t>(r.idx)];
  }
  int nthreads() const noexcept { return static_cast<int>(threads.size()); }
  std::size_t size() const noexcept;

  location* find_loc(loc_key k) noexcept;
  const location* find_loc(loc_key k) const noexcept;
  location& loc(loc_key k, std::uint64_t init_bits, bool sync_object);
  std::uint32_t index_of(const location& l) const noexcept {
    return static_cast<std::uint32_t>(&l - locs.data());
  }

  // Whether the RMW-capable read `e` writes after reading v (lockstep::rt::rmw_writes).
  static bool writes_after(const event& e, std::uint64_t v) noexcept;
  // Whether e may read v at all: an await only reads values that let it go on (or, through a
  // backward revisit, that hold it back), a guarded `always` only values its guard accepts.
  static bool may_read(const event& e, std::uint64_t v, bool backward) noexcept;
  // Spurious events in the graph (spurious wake-ups, timed waits' spurious wake-ups, weak CAS
  // failures), but e.
  int spurious_wakeups(event_ref but) const;
  // The read's write part, if it has one in the graph.
  bool has_write_part(event_ref r) const noexcept {
    const auto& t = threads[static_cast<std::size_t>(r.tid)];
    return static_cast<std::size_t>(r.idx) + 1 < t.size() &&
           t[static_cast<std::size_t>(r.idx) + 1].rmw_write;
  }
  // The value a read reads: the bits of its rf write (or the location's initial value).
  std::uint64_t value_of(event_ref w, loc_key k) const;
  // Position of a write in co (0 = the initial write).
  std::size_t co_index(const location& l, event_ref w) const;
  event_ref co_max(const location& l) const { return l.co.empty() ? event_ref{} : l.co.back(); }

  event_ref append(int tid, const event& e);  // stamps it
  // Keeps only the events with stamp <= s (a prefix of every thread); co follows.
  void cut_to_stamp(std::uint32_t s);
  // Keeps only the events in v.
  void restrict_to(const view& v);
  // The porf-prefix of e (e included) into `into`: po, rf, spawn->start, finish->join
  // predecessors. `into`'s storage is reused (the engine asks for a prefix per new event: a
  // view allocated per call was 7 % of faa(4,2)'s instructions).
  void prefix_of(event_ref e, view& into) const;
  event_ref spawn_of(int tid) const;       // the spawn of thread tid (init if none)
  view stamp_view(std::uint32_t s) const;  // events with stamp <= s
  static bool contains(const view& v, event_ref e) noexcept {
    return e.is_init() || (static_cast<std::size_t>(e.tid) < v.size() &&
                           e.idx < v[static_cast<std::size_t>(e.tid)]);
  }
  event_ref last_added() const noexcept;  // the event with the largest stamp
  std::string describe() const;           // debugging

 private:
  mutable std::vector<event_ref> spawn_cache_;  // spawn_of, per thread
};

}  // namespace lockstep::rt::graph
