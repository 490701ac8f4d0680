// Internal: one model execution — simulated threads on fibers and the step loop.
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "escape.hpp"
#include "lock_graph.hpp"
#include "lockstep/rt/runtime.hpp"
#include "stack_pool.hpp"
#include "user_frame.hpp"

namespace lockstep::rt {

namespace ctx = boost::context::detail;
namespace graph {
class engine_hooks;
}
namespace tls_watch {
class session;
}

// What a step touches, for partial-order reduction: two steps of different threads are
// dependent when they touch the same key and at least one writes.
struct access {
  enum kind_t : std::uint8_t {
    plain,        // an ordinary read or write
    acquire,      // a blocking acquisition (lock, semaphore acquire): it races with the
                  // previous acquisition, not with the release that enabled it
    try_acquire,  // a non-blocking acquisition: races with both
    order_only,   // spawn/start/join/end: ordered by enabling, never reversible
  };
  std::uint32_t key = 0;  // 0: touches nothing shared (yield, fence under SC)
  bool write = false;
  kind_t kind = plain;
};
inline constexpr std::uint32_t kThreadKeyBase = 0x40000000u;  // + tid: spawn/start/join/end
inline constexpr std::uint32_t kClockKey = 0x7fffffffu;       // virtual time
// yield of thread t: kYieldKeyBase + t. Under fair scheduling a yield holds its thread back
// until the others have stepped; dpor.hpp says how that ordering is made a race.
inline constexpr std::uint32_t kYieldKeyBase = 0x7fff0000u;
inline constexpr bool is_yield_key(std::uint32_t k) noexcept {
  return k >= kYieldKeyBase && k < kClockKey;  // (threads 0..65534)
}

struct step_candidate {
  int tid;
  wake how;
};

// splitmix64's step: random mode's generator (random_chooser), also drawn from inline by the
// step loop (chooser::random_state).
inline std::uint64_t splitmix_next(std::uint64_t& s) noexcept {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Where the choices of an execution come from: DFS prefix, seeded RNG, or a replay token.
class chooser {
 public:
  virtual ~chooser() = default;
  // Returns a choice in [0, n). n >= 2. Sets `error` (and returns 0) when a replayed choice
  // does not fit: the test is nondeterministic or the token belongs to other code.
  virtual int pick(int n) = 0;
  // A chooser whose pick(n) is splitmix_next(state) % n and never fails returns its state:
  // the step loop then draws from it without a virtual call (the same choices).
  virtual std::uint64_t* random_state() noexcept { return nullptr; }
  // Strategies that reason about every step (DPOR) return true; the execution then calls
  // pick_step for every scheduling decision (also n == 1) and on_step after every step.
  virtual bool per_step() const noexcept { return false; }
  // `pending[tid]` is what each thread's next step would touch.
  virtual int pick_step(const step_candidate*, int, const access*) { return 0; }
  virtual void on_step(int /*tid*/, const access* /*acc*/, int /*nacc*/) {}
  // The graph engine (checker/rt/src/graph/): atomics and mutexes take their values from it,
  // and pick_step may return -1 to end the execution (a springboard or blocked graph) or -2
  // (a deadlock: only spurious wake-ups could go on).
  virtual graph::engine_hooks* graph_hooks() noexcept { return nullptr; }
  std::string error;
};

// A model operation outside a running execution (or on a foreign OS thread between two
// steps, escape.hpp): throws std::logic_error naming `what` (or parks the foreign thread).
[[noreturn, gnu::cold]] void outside_execution(const char* what);

struct execution_config {
  std::uint64_t max_steps = 2000;
  int spurious_wakeups = 1;
  std::size_t stack_size = 128 * 1024;
  int preemption_bound = -1;  // < 0: unbounded
  bool trace = false;
  bool weak_memory = false;     // C++11 memory model for atomics (else sequentially consistent)
  lock_graph* locks = nullptr;  // collects lock-order edges across executions, if set
  // The plain step (execution::plain_); off, every step takes the general loop (the tests
  // compare the two: tests/checker/step_loop_test.cpp).
  bool plain_steps = true;
};

// The label of a P::thread handle's var_state (thread_handle.cpp). Its accesses are
// bookkeeping of every join, so a traced replay lists them only when the report is a race on
// that handle (drop_incidental_accesses, structured_trace.hpp).
extern const char thread_handle_label[];

struct trace_event {
  std::uint64_t step;
  int tid;
  op kind;
  wake how;
  std::string object;  // "mutex#0" or empty
  source_loc loc;
  std::string note;
  source_loc obj_created;
  std::int8_t order = -1;    // atomics and fences: the memory order (rt::order_name)
  bool within_step = false;  // not a step of its own: a var access inside step `step`
  // An access to a P::thread handle (rt::thread_handle_label): dropped from the trace unless
  // the failure is a race on that handle (drop_incidental_accesses, structured_trace.hpp).
  bool incidental = false;
  // Graph-engine replays: the step whose store an atomic load / RMW read (0: the initial
  // value; -1: not a read, or not known), and whether a newer store existed (stale).
  std::int64_t reads_from = -1;
  bool stale = false;
};

// One of the two accesses of a data race on a var<T>: which thread, read or write, where, and
// during which step (the code a thread runs after a step, up to its next one, belongs to it).
struct race_site {
  int tid = -1;
  bool write = false;
  source_loc at{nullptr, 0};  // file null: the var's construction
  std::uint64_t step = 0;
};

struct failure {
  failure_kind kind = failure_kind::none;
  std::string message;  // what failed; identical in the exploration and its replay
  int tid = -1;
  source_loc where;
  // Explanation printed after the message (each deadlocked thread's wait, each livelocked
  // thread's spin); richer in a traced replay (user frames behind library calls), so not
  // part of the replay check.
  std::string detail;
  std::uint64_t step = 0;  // the step during (or after) which it failed
  bool race = false;       // data_race: the two accesses, the earlier first
  race_site race_sites[2];
  // Caused by something outside the model (a foreign OS thread's timing): the token cannot
  // reproduce it, so the runner does not replay it to confirm or trace it.
  bool outside_model = false;
};

struct tls_entry {
  std::uint32_t key;
  void* p;
  void (*destroy)(void*);
};

struct thread_rec final : waitable {
  int id = 0;
  // The thread's fiber. Kept by the record across executions when the thread finished: its
  // fiber then waits at the top of its stack (idle) to run the next execution's thread of
  // the same id (no make_fcontext, no stack taken from the pool).
  ctx::fcontext_t ctx = nullptr;
  stack_pool::stack stk{};
  bool idle = false;  // the fiber finished its thread and waits, reusable
  thread_fn fn = nullptr;
  void* arg = nullptr;
  void (*destroy)(void*) = nullptr;
  bool finished = false;
  bool parked = false;             // stopped by lockstep::assume: never scheduled again
  bool step_read_only = false;     // set by the step's operation: it modified nothing
  captured_stack stack_at_point;   // tracing only: where a library-header operation came from
  bool joined = false;             // join() completed
  std::uint32_t objects_made = 0;  // model objects this thread created (object::key)
  bool handle_gone = false;        // no thread object refers to it any more
  // Fair scheduling (CHESS): after a yield, the threads that must take a step before this
  // one may run again.
  thread_set must_wait_for;
  point_desc pending{op::thread_start};
  wake woke = wake::normal;
  vclock clock;
  source_loc spawned_at;
  std::vector<tls_entry> tls;
  struct held_lock {
    const object* m;
    source_loc at;
  };
  std::vector<held_lock> held;  // mutexes held, in acquisition order (lock-order graph)
  // Weak memory: per location (object id), the oldest store this thread may still read.
  std::vector<std::uint32_t> view;
  vclock acq_pending;  // sync clocks read by relaxed loads, for a later acquire fence
  vclock rel_fence;    // clock at the last release fence (carried by later relaxed stores)
  bool has_rel_fence = false;

  bool ready(int) const noexcept override { return finished; }
  std::string waiting_for(int) const override;
  // Back to the state of a fresh record for thread `tid`, but for what execution::spawn sets
  // (keeps the storage of its vectors and an idle fiber: records are reused by the next
  // execution).
  void reset(int tid) noexcept;
};

// The storage of one execution's per-thread state, reused by the next execution on the same
// OS thread (so the step loop and spawn allocate nothing once warm): thread records (stable
// addresses: blockers point at them) and the scheduler's candidate and access arrays, sized
// by the most threads an execution has had.
struct execution_arena {
  std::vector<std::unique_ptr<thread_rec>> recs;
  std::vector<step_candidate> cand;
  std::vector<access> pending;
  std::uint64_t pool = 0;  // the stack_pool::id() the idle fibers' stacks come from
  bool busy = false;       // an execution is using it (a nested one makes its own)
};

// Runs executions one after the other: a search keeps one execution object and runs every
// execution in it, which reuses its storage (choices, trace, weak-memory tables) and skips a
// construction and destruction per execution.
class execution {
 public:
  explicit execution(stack_pool& pool);
  ~execution();
  execution(const execution&) = delete;
  execution& operator=(const execution&) = delete;

  // A search's settings, given once for all its executions: the configuration and the
  // chooser, whose answers that do not change during a search (random_state, graph_hooks,
  // per_step) are asked here, with tls_watch::any(), not per execution. `ch` must outlive the
  // runs that use it (random mode reseeds one chooser in place: random_chooser::reseed).
  void prepare(const execution_config& cfg, chooser& ch);
  // Runs one execution of `body` as thread 0, to completion or to the first failure, with
  // the settings of the last prepare(). The results below are this execution's until the
  // next run().
  void run(const std::function<void()>& body);
  // One execution with its own settings: prepare(cfg, ch), then run(body).
  void run(const execution_config& cfg, chooser& ch, const std::function<void()>& body) {
    prepare(cfg, ch);
    run(body);
  }
  const execution_config& config() const noexcept { return cfg_; }

  const failure& result() const noexcept { return failure_; }
  // After run(): the verdict, moved out (the execution is done with it).
  failure take_result() noexcept { return std::move(failure_); }
  // The execution ended with a thread stopped by lockstep::assume (a blocked execution).
  bool blocked() const noexcept { return blocked_; }
  // The steps taken so far (while it runs, counted in g_steps: escape.hpp).
  std::uint64_t steps() const noexcept {
    return running_ ? g_steps.load(std::memory_order_relaxed) - step_base_ : steps_;
  }
  // Steps at which another thread was scheduled while the previous one could have gone on.
  int preemptions() const noexcept { return preemptions_; }
  const std::vector<trace_event>& trace() const noexcept { return trace_; }
  std::span<const std::uint16_t> choices() const noexcept { return {choices_.data(), nchoices_}; }
  // After run(): the choices, exchanged with `v` (whose storage the next run() reuses).
  void swap_choices(std::vector<std::uint16_t>& v) noexcept { choices_.swap(v); }

  // --- called from simulated threads (through the rt:: functions) ---
  wake point(const point_desc& d);
  // point(), inline (execution.cpp only: rt::point and point() are it).
  wake point_inline(const point_desc& d);
  [[noreturn]] void fail(failure_kind k, std::string msg, source_loc where);
  [[noreturn]] void park_current();  // lockstep::assume failed
  int choose(int n, const char* what);
  int spawn(thread_fn fn, void* arg, void (*destroy)(void*), source_loc loc);
  void join(int tid, source_loc loc);
  thread_rec& current() noexcept { return *threads_[cur_]; }
  thread_rec& thread(int tid) noexcept { return *threads_[tid]; }
  const thread_rec& thread(int tid) const noexcept { return *threads_[tid]; }
  int current_id() const noexcept { return cur_; }
  std::int64_t now() const noexcept { return now_; }
  bool tracing() const noexcept { return cfg_.trace; }
  bool weak_memory() const noexcept { return cfg_.weak_memory; }
  std::vector<std::uint32_t>& sc_fence_view() noexcept { return sc_fence_view_; }
  std::vector<std::uint32_t>& mo_sizes() noexcept { return mo_sizes_; }
  // Tracing: an access that is not a scheduling point (var<T>), inside the current step.
  void trace_access(op kind, std::string object, source_loc loc, source_loc created,
                    bool incidental) {
    trace_.push_back(trace_event{steps(),
                                 cur_,
                                 kind,
                                 wake::normal,
                                 std::move(object),
                                 loc,
                                 {},
                                 created,
                                 -1,
                                 true,
                                 incidental});
  }
  void note(const std::string& s) {
    if (!trace_.empty()) {
      if (!trace_.back().note.empty()) trace_.back().note += "; ";
      trace_.back().note += s;
    }
  }
  // Tracing: the current step read the store of step `step` (0: the initial value).
  void note_read_from(std::int64_t step, bool stale) noexcept {
    if (trace_.empty()) return;
    trace_.back().reads_from = step;
    trace_.back().stale = stale;
  }
  // Tracing: the current step read the store of step `step` by thread `tid` (step 0: the
  // initial value): the note every engine writes ("reads the store of step 5 (T1)") and the
  // reads-from link of the structured trace.
  void note_reads_store(std::uint64_t step, int tid, bool stale);
  // Tracing, the interleaving engine under SC: the current step stored to object `obj`, or
  // read its latest store (which the note names).
  void traced_store(std::uint32_t obj) {
    if (last_store_.size() <= obj) last_store_.resize(obj + 1);
    last_store_[obj] = {steps(), cur_};
  }
  void traced_read_latest(std::uint32_t obj) {
    const store_ref s = obj < last_store_.size() ? last_store_[obj] : store_ref{};
    note_reads_store(s.step, s.tid, false);
  }
  std::uint32_t next_object_id() noexcept { return next_object_++; }
  std::uint32_t next_object_key() noexcept {
    return (static_cast<std::uint32_t>(cur_ + 1) << 20) | threads_[cur_]->objects_made++;
  }
  graph::engine_hooks* graph() const noexcept { return graph_; }
  int thread_count() const noexcept { return nthreads_; }
  // The interleaving engines' budget of spurious events (cv wake-ups, weak CAS failures).
  bool spurious_left() const noexcept { return spurious_left_ > 0; }
  void spend_spurious() noexcept { --spurious_left_; }
  void record_choice(std::uint16_t c) { push_choice(c); }
  // The graph engine met an operation it does not model (called from the scheduler: records
  // the failure; the step loop stops).
  void fail_unsupported(const std::string& what);
  void fail_unsupported_mismatch();
  std::uint32_t next_var_id() noexcept { return next_var_++; }
  // Tracing: the steps during which each var (by id) was last written and last read by each
  // thread, for the report of a race (where in the trace its accesses were). Kept here, not in
  // var_state: a larger var<T> moves heap addresses, which some tests order by.
  struct var_steps {
    std::uint64_t write = 0;
    std::vector<std::uint64_t> reads;  // per thread: the step of its last read
    std::uint64_t& read(int tid) {
      if (reads.size() <= static_cast<std::size_t>(tid))
        reads.resize(static_cast<std::size_t>(tid) + 1);
      return reads[static_cast<std::size_t>(tid)];
    }
  };
  var_steps& steps_of_var(std::uint32_t id) {
    if (var_steps_.size() <= id) var_steps_.resize(id + 1);
    return var_steps_[id];
  }
  std::uint32_t serial() const noexcept { return serial_; }
  // The next failure (if it is the first) is this data race (rt_api.cpp's race detector).
  void set_race(const race_site& first, const race_site& second) noexcept {
    if (failure_.kind != failure_kind::none) return;
    failure_.race = true;
    failure_.race_sites[0] = first;
    failure_.race_sites[1] = second;
  }
  void lock_acquired(const object& m, source_loc loc);
  void lock_released(const object& m);

  static execution* active() noexcept { return active_; }

 private:
  using candidate = step_candidate;
  access access_of(const point_desc& d, int tid, wake how) const noexcept;
  static void fiber_entry(ctx::transfer_t t);
  // The step loop's two halves: next_step decides and prepares the next step (the thread to
  // run, or -1 when the execution is over: failure_ / blocked_ say how); finish_step is the
  // bookkeeping after a step (scheduler mode only: the graph engine, DPOR).
  int next_step();
  bool finish_step(int tid);
  // Scheduler mode, when the program has thread_locals of its own (tls_watch.hpp): after the
  // step of thread tid, a misuse verdict if it wrote one that another thread wrote.
  void check_thread_locals(int tid);
  // The step bound is exceeded by the step thread `tid` would take: the failure (or, under
  // the graph engine, a blocked execution).
  [[gnu::cold]] void exceed_step_bound(int tid);
  // The plain step's bookkeeping (plain_): thread tid's pending operation is now d, or the
  // thread is gone (finished or parked).
  void note_pending(int tid, const point_desc& d) noexcept;
  void note_gone(int tid) noexcept;
  // Fiber switches. switch_to: scheduler -> thread (back here when a fiber jumps to the
  // scheduler); to_scheduler: running thread -> scheduler; hand_to: running thread -> thread
  // (direct mode).
  void switch_to(int tid);
  void to_scheduler();
  void hand_to(int tid);
  // Direct mode, on the running thread's fiber: decides the next step and goes on, switches
  // straight to the chosen thread, or ends the execution.
  void step_on();
  // A parked thread leaves for good.
  [[noreturn]] void leave();
  // The body of a thread's fiber: runs the thread to its end, then its fiber turns idle
  // (retire: its record keeps it for the next execution, whose first jump into a thread of
  // the same id resumes it here; returns that jump).
  ctx::transfer_t run_thread();
  ctx::transfer_t retire();
  void record(int tid, const point_desc& d, wake how);
  // spawn's uncommon case (it reuses a record with an idle fiber itself): the next record,
  // made if the arena has none, reset, with a stack from the pool; false (failure_ set) when
  // memory is exhausted.
  [[gnu::noinline]] bool new_thread(source_loc loc);
  void report_deadlock();
  // "thread N blocked in <op> <object> at <line>, waiting for ..." per unfinished thread
  // (only_blocked: only those whose wait is not satisfied).
  std::string describe_waits(bool only_blocked) const;
  void check_end();

  // run()'s start and end: the state of a new execution, and the stacks of threads that did
  // not finish back to the pool (the arena is free again).
  void begin();
  void end() noexcept;
  // A choice among n >= 2 (the chooser's pick; inline for random mode, random_state), which
  // is recorded; false when the chooser failed (its error says why).
  [[gnu::always_inline]] bool draw(int n, int& c) {
    if (rng_) [[likely]] {
      c = static_cast<int>(splitmix_next(*rng_) % static_cast<std::uint64_t>(n));
    } else {
      c = chooser_->pick(n);
      if (!chooser_->error.empty()) [[unlikely]]
        return false;
    }
    push_choice(static_cast<std::uint16_t>(c));
    return true;
  }
  // The step loop's verdict on a failed chooser (its error); returns -1 (no next step).
  [[gnu::cold]] int chooser_failed();
  // (Small enough for vector::push_back to be inlined here, unlike into the step loop.)
  // Records a choice: choices_ is the buffer (its size, not nchoices_, is how far it may be
  // written; grow_choices makes more room), cut to nchoices_ by end(). (No vector::push_back
  // call: not inlined into the step loop.)
  [[gnu::always_inline]] void push_choice(std::uint16_t c) {
    if (nchoices_ == choices_.size()) [[unlikely]]
      grow_choices();
    choices_[nchoices_++] = c;
  }
  void grow_choices();

  execution_config cfg_;
  chooser* chooser_ = nullptr;
  std::uint64_t* rng_ = nullptr;  // chooser_->random_state()
  graph::engine_hooks* graph_ = nullptr;
  stack_pool& pool_;
  std::size_t stack_size_ = 0;   // the cfg_.stack_size stack_bytes_ was computed for
  std::size_t stack_bytes_ = 0;  // stack_pool::rounded(cfg_.stack_size)
  execution_arena* arena_ = nullptr;
  std::unique_ptr<execution_arena> own_arena_;      // when the thread's arena is busy
  std::unique_ptr<tls_watch::session> tls_;         // the program has thread_locals
  std::unique_ptr<thread_rec>* threads_ = nullptr;  // arena_->recs.data(), by thread id
  int nthreads_ = 0;
  bool per_step_ = false;   // chooser_->per_step(), asked once per search (prepare)
  bool watch_tls_ = false;  // tls_watch::any(), asked once per search (prepare)
  // The plain step (next_step): while no thread's pending operation is a yield or may time
  // out or wake spuriously, no thread waits after a yield, there is no preemption bound, no
  // per-step chooser, no graph engine and at most 64 threads, the candidates are the set bits
  // of one word — the threads whose pending operation has no blocker or joins a finished
  // thread, plus those whose blocker is ready — in thread order, as the general loop lists
  // them: the same candidates, so the same choice for the same pick. The words are kept up to
  // date where a pending operation is set (spawn, point) and where a thread leaves
  // (note_pending, note_gone: a finished thread's joiners become ready there, so a join costs
  // no ready() call per step). plain_ is fixed per execution, except that a 65th thread clears
  // it for good.
  bool plain_ = false;
  std::uint64_t ready_bits_ = 0;    // no blocker, or the join of a finished thread
  std::uint64_t wait_bits_ = 0;     // a blocker other than a join's: asked (ready()) per step
  std::uint64_t join_bits_ = 0;     // the join of a thread that has not finished yet
  std::uint64_t special_bits_ = 0;  // ... is a yield, or has a deadline or spurious wake-ups
  // Direct mode (no per-step chooser, no graph engine, no trace): the step loop runs on the
  // fiber that reached the scheduling point, which switches straight to the next thread (one
  // jump per switch of threads, none when the same thread goes on). Otherwise the step loop
  // runs on the scheduler's stack (run()), between two jumps per step: the graph engine's and
  // DPOR's per-step work and the trace's symbolisation need more stack than a fiber may have.
  bool direct_ = false;
  int cur_ = -1;
  ctx::fcontext_t sched_ctx_ = nullptr;
  ctx::fcontext_t* save_to_ = nullptr;  // where the side a jump resumes stores the jumper's
  access done_{};                       // per-step choosers: what the running step touches
  // Counts a step (in g_steps, which the watchdog samples); false when it exceeds max_steps.
  bool count_step() noexcept {
    const std::uint64_t s = g_steps.load(std::memory_order_relaxed) + 1;
    g_steps.store(s, std::memory_order_relaxed);
    return s <= step_limit_;
  }
  std::uint64_t step_base_ = 0;   // g_steps when run() began
  std::uint64_t step_limit_ = 0;  // step_base_ + cfg_.max_steps
  std::uint64_t steps_ = 0;       // the steps taken, once run() has returned
  bool running_ = false;
  std::int64_t now_ = 0;
  int spurious_left_ = 0;
  int yielded_count_ = 0;  // threads with a non-empty must_wait_for
  thread_set enabled_;     // the step loop's: threads with a candidate (fair scheduling)
  int last_tid_ = -1;      // the thread that took the previous step
  int preemptions_ = 0;
  bool blocked_ = false;
  std::uint32_t next_object_ = 0;
  std::uint32_t next_var_ = 1;
  std::uint32_t serial_ = 0;
  failure failure_;
  std::vector<trace_event> trace_;
  struct store_ref {
    std::uint64_t step = 0;  // 0: the initial value
    int tid = -1;
  };
  std::vector<store_ref> last_store_;  // tracing, SC interleavings: per object id
  std::vector<std::uint16_t> choices_;
  std::size_t nchoices_ = 0;                  // the choices so far (push_choice)
  std::vector<var_steps> var_steps_;          // tracing only
  std::vector<std::uint32_t> sc_fence_view_;  // weak memory: what seq_cst fences published
  std::vector<std::uint32_t> mo_sizes_;       // weak memory: stores per location (by id)

  static execution* active_;
};

}  // namespace lockstep::rt
