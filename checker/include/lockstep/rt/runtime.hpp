// lockstep/rt/runtime.hpp — the checker runtime's interface to the model platform.
//
// This is the small surface through which lockstep::model_platform (and user code that
// writes its own model objects) talks to the scheduler: every visible operation calls
// point() before it takes effect; the scheduler decides there which simulated thread runs
// next. Between two points a thread runs alone (fibers are cooperative), so an operation
// performed right after its point is atomic with respect to all other simulated threads.
//
// Not for production code: everything here requires a running model execution.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "lockstep/rt/thread_set.hpp"
#include "lockstep/rt/vclock.hpp"
#include "lockstep/test.hpp"

namespace lockstep {

// What went wrong in an execution. Tests that expect a failure name its kind.
enum class failure_kind : std::uint8_t {
  none,
  assertion,        // LOCKSTEP_ASSERT failed
  deadlock,         // no thread can run but some have not finished
  livelock,         // the per-execution step bound was exceeded (no progress suspected)
  exception,        // an exception escaped a simulated thread
  misuse,           // unlock of an unowned mutex, use of a destroyed object, a bad free, ...
  data_race,        // two conflicting var<T> accesses not ordered by happens-before
  linearizability,  // a recorded history has no linearization
  fairness,         // a stated fairness property (FIFO, bounded bypass) was violated
  stack_overflow,   // a fiber hit its guard page (reported by the signal handler)
  lock_order,       // a cycle in the lock-order graph: a deadlock is possible
};
const char* to_string(failure_kind k) noexcept;

// Fails the current model execution (or, outside one, throws assertion_failure).
[[noreturn]] void report_failure(failure_kind kind, const std::string& message,
                                 source_loc where = source_loc::current());

namespace rt {

// An execution has any number of simulated threads (limited by memory): per-thread state is
// sized by the threads that exist — vector clocks (vclock.hpp), thread sets (thread_set.hpp).

enum class op : std::uint8_t {
  thread_start,
  thread_spawn,
  thread_join,
  yield,
  atomic_load,
  atomic_store,
  atomic_rmw,
  atomic_cas,
  fence,
  lock,
  try_lock,
  unlock,
  lock_shared,
  try_lock_shared,
  unlock_shared,
  cv_enter,
  cv_block,
  notify_one,
  notify_all,
  sem_acquire,
  sem_try_acquire,
  sem_release,
  clock_now,
  sleep,
  // Not scheduling points: var<T> accesses, in traces only (between the steps of a thread).
  var_read,
  var_write,
};
const char* to_string(op o) noexcept;

// An object whose operations are visible to the scheduler (atomic, mutex, cv, ...).
// Ids are assigned in creation order within an execution, so they are identical across
// replays of the same schedule and make traces readable: "mutex#2".
//
// An object constructed outside any execution — at namespace scope, possibly by constant
// initialisation (`constinit P::atomic<int> n{0};`) — is *static*: it has no id until it is
// used, and it joins each execution on its first use there (rejoin()): it gets an id in that
// execution (in first-use order, so replays agree), a graph-engine key of its own for the
// whole process, and a fresh happens-before clock; the model object then resets its state to
// the one it was constructed with, so every execution starts from the same state.
//
// Lifetime: an object knows when it is destroyed. Its `life_` word says whether it is alive
// inside an execution, static, or dead; the destructor records the destruction (where, by
// which thread) and fails the execution if another thread is about to operate on the object
// (a waiter: lock, cv wait, acquire, atomic wait). A later operation on the dead object
// fails in rejoin() with a misuse verdict naming the object, its creation and destruction
// lines and the use (lifetime.cpp). The check costs one compare per operation.
inline constexpr std::uint32_t kLive = 0x4c495645u;    // 'LIVE': created in an execution
inline constexpr std::uint32_t kStatic = 0x53544154u;  // 'STAT': created outside one
inline constexpr std::uint32_t kDead = 0xdeadbeefu;    // destroyed
// The return address of the call to caller_pc(): where, in the (inlined) code of the caller,
// the call is. Symbolised only when a report needs the line (lifetime.cpp).
const void* caller_pc() noexcept;

class object {
 public:
  constexpr explicit object(const char* kind, source_loc created = source_loc::current()) noexcept
      : kind_(kind), created_(created) {
    if (!std::is_constant_evaluated()) join_execution();
  }
  // An object created inside an execution whose graph-engine key the caller supplies (the
  // shadow of an atomic_ref: shadow_key()) instead of taking the creating thread's next one,
  // which would depend on which thread created it first.
  struct given_key {
    std::uint32_t key;
  };
  object(const char* kind, given_key key, source_loc created) noexcept
      : kind_(kind), created_(created) {
    join_execution(key.key);
  }
  // Out of line (in another translation unit): the compiler may drop stores to an object in
  // its own destructor (lifetime DSE), but not the marking done there.
  ~object() { destroyed(caller_pc()); }
  object(const object&) = delete;
  object& operator=(const object&) = delete;
  std::uint32_t id() const noexcept { return id_; }
  // Identifies the object independently of the interleaving: (creating thread, how many
  // objects that thread created before it). The graph engine's location key.
  std::uint32_t key() const noexcept { return key_; }
  const char* kind() const noexcept { return kind_; }
  source_loc created() const noexcept { return created_; }
  const void* created_pc() const noexcept { return created_pc_; }  // see created_pc_
  std::string name() const;  // "mutex#2", or "accounts (mutex#2)" when named
  // Names the object in traces and reports (lockstep::name, lockstep/name.hpp); the label is
  // not copied: a string literal, or storage that outlives the object.
  void set_name(const char* label) noexcept { label_ = label; }
  // Happens-before: the clock released into this object (unlock, release store, notify).
  vclock& sync() noexcept { return sync_; }
  // For a static object: true on its first use in the running execution (it has joined it
  // now; the caller resets its own state). Model objects call it before their scheduling
  // point in every operation. Always false for objects created inside an execution.
  // On a destroyed object: a misuse verdict (use after destruction), never returns.
  bool rejoin() const noexcept {
    if (life_ == kLive) [[likely]]
      return false;
    return life_ == kStatic ? rejoin_execution() : used_after_destruction();
  }

 private:
  void join_execution(std::uint32_t key = 0) noexcept;  // 0: the thread's next key
  bool rejoin_execution() const noexcept;
  bool used_after_destruction() const noexcept;
  void destroyed(const void* pc) noexcept;  // marks life_ kDead; records it in an execution
  mutable std::uint32_t id_ = 0;
  mutable std::uint32_t key_ = 0;
  mutable std::uint32_t serial_ = 0;  // static objects: the execution last joined
  std::uint32_t life_ = kStatic;      // kLive, kStatic or kDead (anything else: freed memory)
  // Where the constructor was called from (reports, when created_ is a library line:
  // std::optional, P::new_object).
  const void* created_pc_ = nullptr;
  const char* kind_;
  const char* label_ = nullptr;
  source_loc created_;
  mutable vclock sync_;
};

struct rmw_request;

// Something a thread can be blocked on. The scheduler only picks a blocked thread when
// ready(tid) is true (or when its deadline may fire / a spurious wake-up is allowed).
class waitable {
 public:
  virtual bool ready(int tid) const noexcept = 0;
  // For deadlock reports: "mutex#0 held by thread 2".
  virtual std::string waiting_for(int tid) const = 0;
  // Graph engine: the read that thread tid's operation blocked on this (a lock, an acquire)
  // makes of its object's state, GenMC's blocked lock read (checker/rt/src/graph/README.md):
  // fills `r` (an await) and `init` (the state's initial value) and returns the object whose
  // state it reads; null: a thread blocked on this has no such read.
  virtual const object* graph_blocked_read(int /*tid*/, rmw_request& /*r*/,
                                           std::uint64_t& /*init*/) const noexcept {
    return nullptr;
  }
  virtual ~waitable() = default;
};

enum class wake : std::uint8_t { normal, timeout, spurious };

struct point_desc {
  op kind;
  const object* obj = nullptr;
  source_loc loc;
  const waitable* blocker = nullptr;  // null: always enabled
  std::int64_t deadline = -1;         // >= 0: virtual time at which a timeout may fire
  bool may_wake_spuriously = false;   // cv waits
  std::uint64_t expected = 0;         // compare_exchange: the expected value (loop pruning)
  bool spin = false;                  // spin_pause: the back edge of a spin loop
  std::int8_t order = -1;             // atomics and fences: the std::memory_order (traces)
};
// The memory order's name as in the standard ("relaxed", "acquire", ...); "" for -1.
const char* order_name(int order) noexcept;

// The scheduling point. Returns how the thread was resumed: normal, or (only for points
// with a deadline) timeout, or (only with may_wake_spuriously) spurious.
wake point(const point_desc& d);

bool in_execution() noexcept;  // a model execution is running on this OS thread
// Identifies the running execution (0: none); what var_state::execution holds.
std::uint32_t execution_serial() noexcept;
// The operation just performed turned out not to modify its object (a failed CAS or
// try_lock): partial-order reduction may treat it as a read.
void step_read_only() noexcept;
int current_thread() noexcept;
std::int64_t now() noexcept;  // virtual nanoseconds since the execution started

// Happens-before bookkeeping for the race detector.
vclock& thread_clock() noexcept;        // current thread's clock
void release_to(object& o) noexcept;    // o.sync = join(o.sync, thread clock); tick
void acquire_from(object& o) noexcept;  // thread clock = join(thread clock, o.sync)

// Shared plain data (var<T>): checked for data races against happens-before.
struct var_state {
  std::uint32_t id = 0;
  source_loc declared{nullptr, 0};   // the user's line that declared the var
  const char* label = nullptr;       // lockstep::name
  std::uint32_t life = kLive;        // kDead once the var is destroyed (var_destroyed)
  const void* created_pc = nullptr;  // caller_pc() of the constructor (reports only)
  // Last write epoch, and per-thread last read epochs since it (FastTrack-style): one entry
  // per reading thread, in the order they first read (a var is read by few threads).
  int write_tid = -1;
  std::uint32_t write_clock = 0;
  source_loc write_loc;
  struct read {
    int tid;
    std::uint32_t clock;
    source_loc loc;
  };
  std::vector<read> reads;
  std::uint32_t execution = 0;  // which execution the state belongs to
};
void var_read(var_state& v, source_loc loc);
// The var is destroyed (its destructor): later accesses are a misuse verdict.
void var_destroyed(var_state& v, const void* pc) noexcept;
void var_write(var_state& v, source_loc loc);
// Records the construction of a var as its first write (by the constructing thread), so that
// an access not ordered after the construction (an object published through a relaxed
// atomic, say) is reported as a data race.
void var_init(var_state& v) noexcept;
std::uint32_t new_var_id(source_loc created) noexcept;

// ---------------------------------------------------------------- weak memory (C++11)
// When a test runs with memory_model::c11, every atomic keeps its stores in modification
// order and a load may read any store the model permits: not older than what this thread has
// already seen of the location (coherence), nor than the latest store that happens-before
// the load, nor (seq_cst) than the latest seq_cst store or what a seq_cst fence made visible.
// The choice is explored like any other. Acquire loads synchronise with the release
// sequence of the store they read. RMWs read the latest store. RC11: no load reads a store
// that has not been executed yet, so load buffering (LB) outcomes are not produced. A store
// may be placed before later stores in modification order where coherence allows (2+2W).
bool weak_memory() noexcept;
struct weak_store {
  std::uint64_t bits;
  int tid;                // -1: the initial value
  std::uint32_t epoch;    // the storing thread's clock component at the store
  bool has_sync = false;  // a release (sequence) head: acquiring it joins `sync`
  bool seq_cst = false;
  vclock sync;
  bool rmw = false;        // written by an RMW: it stays right after the store it read
  std::uint64_t step = 0;  // the step that stored it (0: the initial value), for traces
};
struct weak_location {
  std::vector<weak_store> mo;   // modification order
  std::uint32_t last_sc = 0;    // index of the latest seq_cst store (0 if none)
  std::uint32_t execution = 0;  // which execution initialised it
};
std::uint64_t weak_load(weak_location& l, std::uint32_t loc_id, std::memory_order mo);
void weak_store_op(weak_location& l, std::uint32_t loc_id, std::uint64_t bits, std::memory_order mo,
                   bool rmw);
void weak_fence(std::memory_order mo);
// Eventual visibility: after a yield (or spin_pause) the thread's loads see at least the
// latest store of every location. Without it a spin loop may read the same stale value
// forever, and every spin-wait would be reported as a livelock under memory_model::c11.
// (It prunes executions that re-read a stale value after yielding: a spin loop's first
// read still may be stale, which is what relaxed-where-acquire bugs need.)
void weak_yield() noexcept;
// For atomic wait (a modelled futex): a load that reads the latest store in modification
// order (a futex compares the word in memory), with `mo`'s acquire semantics.
std::uint64_t weak_load_latest(weak_location& l, std::uint32_t loc_id, std::memory_order mo);
int choose(int n, const char* what);  // a data choice (also declared in model_sync.hpp)
// compare_exchange_weak under the interleaving engines, when the value equals the expected
// one: true if it fails spuriously — a choice while the budget of spurious events lasts.
bool weak_cas_fails_spuriously();

// ---------------------------------------------------------------- the graph engine
// When an execution is explored by the graph engine (checker/rt/src/graph/), the values of
// atomics and the states of synchronization objects (mutexes, semaphores, condition
// variables, waiter sets, the clock) come from the execution graph: model objects call these
// after their scheduling point instead of computing the value themselves. Locations are
// identified by object::key(), which does not depend on the interleaving.
bool graph_engine() noexcept;
// The head of a retry loop (model_platform::loop_head): tells the graph engine where an
// iteration begins. No event, no scheduling point; nothing under the other engines.
void loop_head(source_loc at) noexcept;
enum class rmw_kind : std::uint8_t {
  none,     // a plain load
  always,   // always writes (fetch_add & co., exchange, unlock, release, notify); with a guard,
            // it only ever reads values the guard accepts (unlock: a state this thread holds)
  cas,      // writes iff the value read equals `expected`
  await,    // writes iff the guard accepts the value; waits for such a value otherwise (lock,
            // acquire, a condition-variable wake-up)
  attempt,  // writes iff the guard accepts the value; only reads otherwise (try_lock,
            // try_acquire, timed waits that time out)
};
// A condition on the value (the object's state) read; arg is the access's own (its thread,
// whether a mutex is recursive, ...). A plain function: the graph keeps it across executions.
using rmw_guard = bool (*)(std::uint64_t value, std::uint64_t arg) noexcept;
struct rmw_request {
  rmw_kind kind = rmw_kind::always;
  std::memory_order mo = std::memory_order_seq_cst;       // when it writes
  std::memory_order mo_fail = std::memory_order_seq_cst;  // when it only reads
  std::uint64_t expected = 0;                             // cas
  rmw_guard guard = nullptr;                              // await, attempt, always
  std::uint64_t guard_arg = 0;
  // await: a spurious wake-up (the thread was woken without a notify): reads only values its
  // guard rejects, writing all the same.
  bool spurious = false;
  // When it writes and choices(old) > 1, the engine explores choice k in [0, choices(old))
  // (notify_one: which waiter wakes) and passes it to apply.
  int (*choices)(std::uint64_t old) = nullptr;
  // Choice 1 is a spurious wake-up (a timed wait that leaves without its notify before the
  // deadline): explored only within the execution's budget.
  bool choice_is_spurious = false;
  // cas: compare_exchange_weak, which may fail although the value equals `expected` (a
  // spurious failure: it only reads), within the execution's budget of spurious events.
  bool weak = false;
  // An atomic wait's registration (atomic<T>::wait, a futex): the thread's previous event, in
  // the same step, compared the value, and it happens after what this access reads — a
  // notify earlier in the waiter set's order is ordered before the comparison too, as a
  // futex compares under the lock the waker takes (graph engine; what matters under RC11).
  bool after_compare = false;
  std::uint64_t (*apply)(const void* ctx, std::uint64_t old, int k) = nullptr;  // the value written
  const void* ctx = nullptr;
};
// Whether the access writes after reading v.
bool rmw_writes(const rmw_request& r, std::uint64_t v) noexcept;
// The virtual clock under the graph engine: a location whose writes advance it (timeouts
// firing, sleeps ending) and whose reads are clock::now().
void graph_advance_clock(std::int64_t to, source_loc at);
// Observers (lockstep/fairness.hpp's BypassMonitor) keep the order of what they see in plain
// memory: which thread arrived or entered first. The interleaving engines run every schedule,
// so that order is explored. The graph engine runs one schedule per graph and orders only
// what the graph relates, so under it each observation is an event of the graph too: an RMW
// of the observer's own location, inside the current step (no scheduling point: atomic with
// what the thread did just before, a doorway say). The engine then explores every order of
// the observations consistent with the rest. A key from observer_key(), taken when the
// observer is constructed inside an execution (0 outside: observe() does nothing).
std::uint32_t observer_key() noexcept;
void observe(std::uint32_t key, source_loc at);
struct rmw_result {
  std::uint64_t old = 0;
  bool wrote = false;
  std::uint64_t written = 0;  // when it wrote
  int choice = 0;             // the choice the write depended on
};
// States of the synchronization objects under the graph engine, and their guards.
namespace graph_state {
// mutex: owner + 1 in the low 32 bits (0: free), recursion depth in the high 32.
bool mutex_available(std::uint64_t v, std::uint64_t tid_and_recursive) noexcept;
bool mutex_held_by(std::uint64_t v, std::uint64_t tid) noexcept;
// semaphore: the count.
bool positive(std::uint64_t v, std::uint64_t) noexcept;
// condition variable: its (waiting, notified) threads (checker/rt/src/graph/set_values.hpp).
bool notified(std::uint64_t v, std::uint64_t tid) noexcept;
}  // namespace graph_state
// The object's own state disagrees with the graph's: an internal error, reported as misuse.
void graph_state_mismatch(const object& o, source_loc at);
std::uint64_t graph_load(const object& o, std::uint64_t init, std::memory_order mo, source_loc at);
void graph_store(const object& o, std::uint64_t init, std::uint64_t bits, std::memory_order mo,
                 source_loc at);
rmw_result graph_rmw(const object& o, std::uint64_t init, bool sync_object, const rmw_request& r,
                     source_loc at);
void graph_fence(std::memory_order mo, source_loc at);
// The value of the write latest in modification order among those executed so far (an
// atomic_ref writes it back to the referenced object).
std::uint64_t graph_latest(const object& o, std::uint64_t init);
// Waiting on an atomic (futex) and condition variables under the graph engine: the waiter
// set (waiting, notified threads, any number of them) is a synchronization location — for an
// atomic, one of its own next to the value. The sets are the object's own copy, checked and
// updated. enter registers the thread right after its comparison found the value equal, in
// the same step (rmw_request::after_compare); wake is the await of a notify (or a spurious
// wake-up).
enum class waiters_op : std::uint8_t { enter, wake, notify_one, notify_all };
rmw_result graph_waiters(const object& o, bool separate_location, thread_set& waiting,
                         thread_set& notified, waiters_op op, source_loc at);

// lockstep::assume(cond): an execution in which cond is false is cut (not a failure): the
// thread stops and the execution is counted as blocked.
void assume_failed(source_loc at);

// Tracing (replay mode only): annotate the current step with a result value.
bool tracing() noexcept;
void trace_note(const std::string& note);
// Tracing, the interleaving engine under SC (the other engines know their reads-from): the
// current step read the latest store to `o` (the trace names that store's step), or stored.
void trace_read_latest(const object& o);
void trace_stored(const object& o);

template <class T>
std::string value_text(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
    return std::to_string(v);
  } else if constexpr (std::is_enum_v<T>) {
    return std::to_string(static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_pointer_v<T>) {
    // The address, which differs from run to run: traces show it renumbered in order of
    // first appearance ("ptr#1"), so replays print the same (rt::number_pointers).
    if (!v) return "nullptr";
    char buf[32];
    std::snprintf(buf, sizeof buf, "ptr@%p", static_cast<const void*>(v));
    return buf;
  } else {
    return "<value>";
  }
}

// The acquire and release halves of a memory order.
inline bool acquires(std::memory_order mo) noexcept {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst || mo == std::memory_order_consume;
}
inline bool releases(std::memory_order mo) noexcept {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

// Thread bookkeeping used by model_platform::thread.
using thread_fn = void (*)(void*);
int spawn_thread(thread_fn fn, void* arg, void (*destroy)(void*), source_loc loc);
void join_thread(int tid, source_loc loc);
void forget_thread(int tid);  // the thread handle was joined/moved; nothing to check
bool thread_finished(int tid) noexcept;
// Storage for a thread's callable and arguments (model_platform::thread), at most
// __STDCPP_DEFAULT_NEW_ALIGNMENT__-aligned: blocks are reused from one spawn to the next (no
// malloc per thread); freed with the size it was allocated with.
void* thread_state_allocate(std::size_t size);
void thread_state_free(void* p, std::size_t size) noexcept;

// Lock-order tracking: a blocking acquisition of `m` (held mutexes become its predecessors in
// the lock-order graph) and its release.
void lock_acquired(const object& m, source_loc loc);
void lock_try_acquired(const object& m, source_loc loc);  // held, but adds no edge
void lock_released(const object& m);

// Model state standing in for plain memory accessed atomically (model_platform::atomic_ref):
// one per address for the rest of the running execution (so that a location does not depend
// on the interleaving), shared by every atomic_ref to that address; `refs` counts the live
// ones. `state` is null until the first atomic_ref creates it; `destroy` also identifies its
// type.
struct shadow {
  void* state = nullptr;
  void (*destroy)(void*) = nullptr;
  int refs = 0;
};
shadow& shadow_at(const void* addr);
// The graph-engine key of the location an atomic_ref to addr shares with every other one to
// the same object, the same in every execution: one per object identity for the whole
// process — (thread, distance from its stack's top) for an object on a simulated thread's
// stack (stacks move between executions), else the address (static storage, the model heap,
// which gives the same allocations the same blocks in every execution, and memory allocated
// before the test). An object at an address that changes from one execution to the next
// otherwise (plain malloc inside a test without lockstep/model_new.hpp, whose addresses
// happen to repeat in practice) is reported by the graph engine's replay as a
// nondeterministic test.
// `type` tells apart shadows of different types at one address.
std::uint32_t shadow_key(const void* addr, void (*type)(void*));

// Per-thread storage for model_platform::thread_local_var: a slot per (thread, key).
void* tls_get(std::uint32_t key) noexcept;
void tls_set(std::uint32_t key, void* p, void (*destroy)(void*));

// Spurious wake-ups still allowed in this execution (consumed by point()).
}  // namespace rt
}  // namespace lockstep
