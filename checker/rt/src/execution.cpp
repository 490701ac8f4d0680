// The step loop: before every visible operation the loop collects the threads that can take
// a step, asks the chooser which one does, and runs it. In direct mode (random, DFS and
// replay without a trace: execution.hpp) it runs on the fiber that reached the scheduling
// point, which goes on or jumps straight into the chosen thread; otherwise the thread jumps
// back to the scheduler's stack for it. In the plain case (execution.hpp, plain_) the
// candidates are the bits of one word. Kept lean: no allocation per step unless tracing, and
// once warm none per execution either (fibers, records, the execution object and its storage
// are reused: a search runs all its executions in one execution object).
#include "execution.hpp"

#include <algorithm>
#include <exception>

#include "escape.hpp"
#include "graph/hooks.hpp"
#include "heap.hpp"
#include "sanitizer_fiber.hpp"
#include "tls_watch.hpp"

namespace lockstep::rt {

execution* execution::active_ = nullptr;

namespace {
std::uint32_t g_serial = 0;
thread_local execution_arena t_arena;
}  // namespace

std::string thread_rec::waiting_for(int) const {
  return "thread " + std::to_string(id) + " to finish";
}

void thread_rec::reset(int tid) noexcept {
  id = tid;  // (execution::spawn sets fn, arg, destroy, spawned_at and pending)
  finished = parked = step_read_only = joined = handle_gone = false;
  stack_at_point.n = 0;
  objects_made = 0;
  must_wait_for.clear();
  woke = wake::normal;
  clock.clear();
  tls.clear();
  held.clear();
  view.clear();
  acq_pending.clear();
  rel_fence.clear();
  has_rel_fence = false;
}

execution::execution(stack_pool& pool) : pool_(pool) {}

execution::~execution() {
  if (active_ == this) {  // (run() left by an exception)
    active_ = nullptr;
    end();
  }
  if (own_arena_)  // (a nested execution's arena goes with it)
    for (auto& r : own_arena_->recs)
      if (r->idle) pool_.give_back(r->stk);
}

void execution::prepare(const execution_config& cfg, chooser& ch) {
  cfg_ = cfg;
  chooser_ = &ch;
  rng_ = ch.random_state();
  graph_ = ch.graph_hooks();
  if (cfg.stack_size != stack_size_) {
    stack_size_ = cfg.stack_size;
    stack_bytes_ = stack_pool::rounded(cfg.stack_size);
  }
  per_step_ = ch.per_step();
  // (A program with thread_locals of its own is watched between steps: tls_watch.hpp.)
  watch_tls_ = tls_watch::any();
  direct_ = !per_step_ && !graph_ && !cfg_.trace && !watch_tls_;
  plain_ = cfg_.plain_steps && !per_step_ && !graph_ && cfg_.preemption_bound < 0;
}

void execution::begin() {
  spurious_left_ = cfg_.spurious_wakeups;
  serial_ = ++g_serial;
  if (t_arena.busy) {
    if (!own_arena_) own_arena_ = std::make_unique<execution_arena>();
    arena_ = own_arena_.get();
  } else {
    arena_ = &t_arena;
  }
  arena_->busy = true;
  if (arena_->pool != pool_.id()) {
    // Idle fibers of another pool's stacks are not reused (that pool unmaps them).
    for (auto& r : arena_->recs) {
      r->idle = false;
      r->ctx = nullptr;
      r->stk = {};
    }
    arena_->pool = pool_.id();
  }
  threads_ = arena_->recs.data();
  nthreads_ = 0;
  ready_bits_ = wait_bits_ = join_bits_ = special_bits_ = 0;
  cur_ = -1;
  now_ = 0;
  yielded_count_ = 0;
  last_tid_ = -1;
  preemptions_ = 0;
  blocked_ = false;
  next_object_ = 0;
  next_var_ = 1;
  // (A failure taken by take_result keeps its kind: reset then, and only then.)
  if (failure_.kind != failure_kind::none || failure_.race || failure_.outside_model)
    failure_ = failure{};
  trace_.clear();
  if (cfg_.trace) trace_.reserve(256);
  last_store_.clear();
  nchoices_ = 0;  // (choices_ keeps the size end() cut it to: push_choice may write that far)
  var_steps_.clear();
  sc_fence_view_.clear();
  mo_sizes_.clear();
}

void execution::grow_choices() {
  runtime_scope own;  // (the checker's memory)
  const std::size_t n = choices_.size();
  choices_.resize(n < choices_.capacity() ? choices_.capacity() : std::max<std::size_t>(64, 2 * n));
}

void execution::end() noexcept {
  choices_.resize(nchoices_);  // (smaller: writes nothing)
  // Stacks of threads that did not finish (the execution failed) are abandoned, not
  // unwound: unwinding would run destructors that perform visible operations, possibly
  // inside noexcept destructors. Their heap objects leak; failed executions are rare.
  // The fibers of finished threads stay with their records, idle (reused by the next
  // execution).
  for (int i = 0; i < nthreads_; ++i) {
    thread_rec& th = *threads_[i];
    if (th.idle || !th.stk.base) continue;
    pool_.give_back(th.stk);
    th.stk = {};
    th.ctx = nullptr;
  }
  arena_->busy = false;
}

bool execution::new_thread(source_loc loc) {
  const int id = nthreads_;
  const char* what = "a thread record";
  bool failed = false;
  try {
    auto& recs = arena_->recs;
    if (static_cast<std::size_t>(id) == recs.size()) {
      recs.push_back(std::make_unique<thread_rec>());
      threads_ = recs.data();
      const std::size_t n = recs.size();
      arena_->cand.resize(2 * n);
      arena_->pending.resize(n);
    }
    thread_rec& th = *threads_[id];
    th.reset(id);
    what = "a fiber stack";
    // (An idle fiber of another stack size: spawn reuses only one of this size.)
    if (th.idle) pool_.give_back(th.stk);
    th.idle = false;
    th.ctx = nullptr;
    th.stk = {};
    th.stk = pool_.take(cfg_.stack_size);
  } catch (const std::exception&) {
    failed = true;  // (reported below: fail() leaves this fiber, which must not be in a catch)
  }
  if (failed) {
    // Resource exhaustion, reported like a failure of the test at the user's line that
    // created the thread (P::thread's constructor is variadic: no source_loc, so from the
    // call stack).
    source_loc where = loc;
    if (!where.file && cur_ >= 0) {
      captured_stack st;
      capture_stack(st);
      where = user_frame(st, loc);
    }
    std::string msg = "out of memory for simulated thread " + std::to_string(id) +
                      ": cannot allocate " + what + " (" + std::to_string(id) +
                      " threads exist; each fiber stack has " +
                      std::to_string(cfg_.stack_size / 1024) +
                      " KiB: lower model_test_options::stack_size, or use fewer threads)";
    if (cur_ >= 0) fail(failure_kind::misuse, std::move(msg), where);
    failure_.kind = failure_kind::misuse;
    failure_.message = std::move(msg);
    failure_.where = where;
    return false;
  }
  ++nthreads_;
  if (nthreads_ > 64) plain_ = false;  // (the plain step's words hold 64 threads)
  return true;
}

// A fiber runs one thread per execution, of the same id in each: entered fresh (from
// make_fcontext) or resumed idle (retire), by the jump of the execution that runs it now.
void execution::fiber_entry(ctx::transfer_t t) {
  for (;;) {
    auto* self = static_cast<execution*>(t.data);
    *self->save_to_ = t.fctx;
    sanitizer::finish_switch();
    t = self->run_thread();
  }
}

ctx::transfer_t execution::run_thread() {
  thread_rec& th = *threads_[cur_];
  try {
    th.fn(th.arg);
  } catch (const std::exception& e) {
    fail(failure_kind::exception,
         std::string("exception escaped thread ") + std::to_string(th.id) + ": " + e.what(),
         th.pending.loc);
  } catch (...) {
    fail(failure_kind::exception, "a non-std exception escaped thread " + std::to_string(th.id),
         th.pending.loc);
  }
  // Thread-local values are destroyed on their own thread, as in production.
  for (auto it = th.tls.rbegin(); it != th.tls.rend(); ++it) it->destroy(it->p);
  th.tls.clear();
  if (th.destroy) th.destroy(th.arg);
  th.finished = true;
  if (plain_) note_gone(th.id);
  return retire();
}

// Like leave(), but the fiber stays usable: it waits at the top of its stack (run_thread's
// caller), and what resumes it is a later execution (never this one: a finished thread is
// never scheduled again), whose jump this returns.
ctx::transfer_t execution::retire() {
  thread_rec& th = *threads_[cur_];
  th.idle = true;
  int next = -1;
  if (direct_) {
    runtime_scope own;
    next = next_step();
  }
  save_to_ = &th.ctx;
  if (next < 0) {  // the execution is over (or, scheduler mode, the scheduler goes on)
    sanitizer::start_switch(nullptr, 0);
    return ctx::jump_fcontext(sched_ctx_, this);
  }
  thread_rec& to = *threads_[next];
#ifdef LOCKSTEP_ASAN
  sanitizer::start_switch(to.stk.base, to.stk.size + stack_pool::guard_size());
#endif
  cur_ = next;
  return ctx::jump_fcontext(to.ctx, this);
}

// Every jump leaves its own context in *save_to_ for the side it resumes to store.
void execution::switch_to(int tid) {
  cur_ = tid;
  thread_rec& th = *threads_[tid];
#ifdef LOCKSTEP_ASAN
  sanitizer::start_switch(th.stk.base, th.stk.size + stack_pool::guard_size());
#endif
  note_fiber_switch();
  save_to_ = &sched_ctx_;
  ctx::transfer_t r = ctx::jump_fcontext(th.ctx, this);
  *save_to_ = r.fctx;
  note_fiber_switch();
  sanitizer::finish_switch();
}

void execution::to_scheduler() {
  sanitizer::start_switch(nullptr, 0);
  save_to_ = &threads_[cur_]->ctx;
  ctx::transfer_t r = ctx::jump_fcontext(sched_ctx_, this);
  *save_to_ = r.fctx;
  sanitizer::finish_switch();
}

void execution::hand_to(int tid) {
  thread_rec& to = *threads_[tid];
#ifdef LOCKSTEP_ASAN
  sanitizer::start_switch(to.stk.base, to.stk.size + stack_pool::guard_size());
#endif
  save_to_ = &threads_[cur_]->ctx;
  cur_ = tid;
  ctx::transfer_t r = ctx::jump_fcontext(to.ctx, this);
  *save_to_ = r.fctx;
  sanitizer::finish_switch();
}

[[gnu::always_inline]] inline void execution::step_on() {
  int next;
  {
    runtime_scope own;  // (the step loop's allocations are the checker's; closed before the jump)
    next = next_step();
  }
  if (next == cur_) return;  // the same thread goes on: no switch at all
  if (next < 0) {
    to_scheduler();  // the execution is over: never resumed
    std::terminate();
  }
  hand_to(next);
}

void execution::leave() {
  if (direct_)
    step_on();
  else
    to_scheduler();
  std::terminate();  // (a finished or parked thread is never scheduled again)
}

int execution::spawn(thread_fn fn, void* arg, void (*destroy)(void*), source_loc loc) {
  const int id = nthreads_;
  // The common case, inline: the arena has the record, and its fiber is idle on a stack of
  // this size (it waits in retire(), resumed by the first jump into this thread).
  thread_rec* rec =
      static_cast<std::size_t>(id) < arena_->recs.size() ? threads_[id].get() : nullptr;
  if (rec && rec->idle && rec->stk.size == stack_bytes_) [[likely]] {
    rec->reset(id);
    rec->idle = false;
    if (++nthreads_ > 64) plain_ = false;  // (the plain step's words hold 64 threads)
  } else {
    if (!new_thread(loc)) return -1;  // (thread 0 only: the others fail in new_thread)
    rec = threads_[id].get();
    rec->ctx = ctx::make_fcontext(rec->stk.top(), rec->stk.size, &execution::fiber_entry);
  }
  thread_rec& th = *rec;
  th.fn = fn;
  th.arg = arg;
  th.destroy = destroy;
  th.spawned_at = loc;
  th.pending = point_desc{op::thread_start, nullptr, loc};
  if (plain_) note_pending(id, th.pending);
  if (id > 0) {
    // The child starts with everything its parent did so far (spawn synchronises).
    thread_rec& parent = *threads_[cur_];
    th.clock = parent.clock;
    parent.clock.tick(cur_);
  }
  th.clock.tick(id);
  return id;
}

void execution::join(int tid, source_loc loc) {
  if (tid == cur_) fail(failure_kind::misuse, "a thread joins itself", loc);
  point({op::thread_join, nullptr, loc, threads_[tid].get()});
  threads_[tid]->joined = true;
  threads_[cur_]->clock.join(threads_[tid]->clock);
  runtime_scope own;
  if (cfg_.trace) note("joined thread " + std::to_string(tid));
}

wake execution::point(const point_desc& d) { return point_inline(d); }

// The model objects' entry: the scheduling point and the step loop inlined into it (one call
// per operation, no layer between the object and the step loop).
wake point(const point_desc& d) {
  execution* e = execution::active();
  if (e && e->current_id() >= 0) [[likely]]
    return e->point_inline(d);
  outside_execution("operation");
}

[[gnu::always_inline]] inline wake execution::point_inline(const point_desc& d) {
  // One test on the hot path for both ends of a foreign OS thread's model operation
  // (escape.hpp): on that thread, park it before it touches anything; on a simulated thread,
  // report the recorded operation.
  if (!t_scheduler_thread || g_foreign_operation.load(std::memory_order_relaxed)) [[unlikely]] {
    if (!t_scheduler_thread) foreign_operation();
    source_loc where;
    std::string msg = foreign_operation_message(where);
    if (failure_.kind == failure_kind::none) failure_.outside_model = true;
    fail(failure_kind::misuse, std::move(msg), where);
  }
  thread_rec& th = *threads_[cur_];
  th.pending = d;
  if (plain_) note_pending(cur_, d);
  // Traces should name the user's line, not std::lock_guard's: capture the stack here, on
  // the simulated thread's own stack (replay only).
  if (cfg_.trace) {
    th.stack_at_point.n = 0;
    if (is_library_location(d.loc)) capture_stack(th.stack_at_point);
  }
  if (direct_)
    step_on();
  else
    to_scheduler();
  return th.woke;
}

void execution::fail(failure_kind k, std::string msg, source_loc where) {
  if (failure_.kind == failure_kind::none) {
    failure_.kind = k;
    // A copy made by the checker: msg may be a block of the model heap (lockstep/model_new.hpp),
    // which the next execution reuses.
    runtime_scope own;
    failure_.message.assign(msg.data(), msg.size());
    failure_.tid = cur_;
    failure_.where = where;
    failure_.step = steps();
  }
  if (cur_ >= 0) {
    to_scheduler();  // the scheduler sees the failure and never resumes this thread
    std::terminate();
  }
  std::terminate();
}

void execution::park_current() {
  threads_[cur_]->parked = true;
  if (plain_) note_gone(cur_);
  if (cfg_.trace) note("assume failed: the execution is cut here");
  leave();
}

int execution::choose(int n, const char* what) {
  if (n <= 1) return 0;
  int c = 0;
  if (!draw(n, c)) fail(failure_kind::misuse, chooser_->error, threads_[cur_]->pending.loc);
  if (cfg_.trace) note(std::string(what) + " -> " + std::to_string(c) + " of " + std::to_string(n));
  return c;
}

void execution::note_reads_store(std::uint64_t step, int tid, bool stale) {
  std::string s = step == 0 ? std::string("reads the initial value")
                            : "reads the store of step " + std::to_string(step) + " (T" +
                                  std::to_string(tid) + ")";
  if (stale) s += ", stale: a newer store exists";
  note(s);
  note_read_from(static_cast<std::int64_t>(step), stale);
}

void execution::record(int tid, const point_desc& d, wake how) {
  source_loc where = d.loc;
  const captured_stack& st = threads_[tid]->stack_at_point;
  if (st.n > 0) where = user_frame(st, d.loc);
  trace_event e{steps(),
                tid,
                d.kind,
                how,
                d.obj ? d.obj->name() : std::string(),
                where,
                {},
                d.obj ? d.obj->created() : source_loc{nullptr, 0},
                d.order};
  trace_.push_back(std::move(e));
}

void execution::run(const std::function<void()>& body) {
  begin();
  active_ = this;
  t_scheduler_thread = true;
  runtime_scope::depth = 0;  // a failed execution may have left a scope open
  step_base_ = g_steps.load(std::memory_order_relaxed);
  step_limit_ = step_base_ + cfg_.max_steps;
  running_ = true;
  auto* fn = const_cast<std::function<void()>*>(&body);
  if (spawn([](void* p) { (*static_cast<std::function<void()>*>(p))(); }, fn, nullptr,
            source_loc{nullptr, 0}) >= 0) {
    // Direct mode: the fibers schedule each other (execution::step_on) and come back here
    // only when the execution is over. Scheduler mode: back here after every step.
    if (watch_tls_) tls_ = std::make_unique<tls_watch::session>();
    if (!tls_) {
      for (int tid = next_step(); tid >= 0; tid = next_step()) {
        switch_to(tid);
        if (direct_ || !finish_step(tid)) break;
      }
    } else {  // (the same loop, in scheduler mode, with the watch after each step)
      for (int tid = next_step(); tid >= 0; tid = next_step()) {
        switch_to(tid);
        check_thread_locals(tid);
        if (!finish_step(tid)) break;
      }
    }
  }
  steps_ = steps();
  running_ = false;
  // A nested execution (own_arena_) hands the count back: the one it ran in goes on counting.
  if (own_arena_) g_steps.store(step_base_, std::memory_order_relaxed);
  cur_ = -1;
  active_ = nullptr;
  end();
}

namespace {
// (Without -mpopcnt __builtin_popcountll is a library call; the candidates are few, so a loop
// per set bit costs less than the word-parallel count.)
inline int count_bits(std::uint64_t m) noexcept {
  int n = 0;
  for (; m != 0; m &= m - 1) ++n;
  return n;
}
}  // namespace

namespace {
// note_pending's general case (out of line: the step loop inlines only the common one).
[[gnu::noinline]] void note_pending_bits(std::uint64_t b, const point_desc& d, std::uint64_t& ready,
                                         std::uint64_t& wait, std::uint64_t& join,
                                         std::uint64_t& special) noexcept {
  std::uint64_t blocked = d.blocker ? b : 0;
  // A join waits for its thread's record, ready once that thread has finished (note_gone
  // moves the joiners to ready_bits_ then): no ready() call per step while it runs.
  std::uint64_t joins = 0;
  if (blocked && d.kind == op::thread_join) {
    joins = static_cast<const thread_rec*>(d.blocker)->finished ? 0 : b;
    blocked = 0;
  }
  const bool sp = d.kind == op::yield || d.deadline >= 0 || d.may_wake_spuriously;
  ready = (ready & ~b) | (b ^ (blocked | joins));
  wait = (wait & ~b) | blocked;
  join = (join & ~b) | joins;
  special = (special & ~b) | (sp ? b : 0);
}
}  // namespace

[[gnu::always_inline]] inline void execution::note_pending(int tid, const point_desc& d) noexcept {
  const std::uint64_t b = std::uint64_t{1} << tid;
  // The common case: an operation without blocker or special wake-up by a thread that had
  // none either (only its ready bit can change).
  if (!d.blocker && d.kind != op::yield && d.deadline < 0 && !d.may_wake_spuriously &&
      ((wait_bits_ | join_bits_ | special_bits_) & b) == 0) [[likely]] {
    ready_bits_ |= b;
    return;
  }
  note_pending_bits(b, d, ready_bits_, wait_bits_, join_bits_, special_bits_);
}

inline void execution::note_gone(int tid) noexcept {
  const std::uint64_t b = ~(std::uint64_t{1} << tid);
  ready_bits_ &= b;
  wait_bits_ &= b;
  join_bits_ &= b;
  special_bits_ &= b;
  if (!threads_[tid]->finished) return;  // (parked: its joiners wait for good)
  const waitable* const rec = threads_[tid].get();
  for (std::uint64_t w = join_bits_; w != 0; w &= w - 1) {
    const int i = __builtin_ctzll(w);
    if (threads_[i]->pending.blocker == rec) {
      join_bits_ &= ~(std::uint64_t{1} << i);
      ready_bits_ |= std::uint64_t{1} << i;
    }
  }
}

// (Inlined into both drivers, run() and step_on(): it is the step loop.)
[[gnu::always_inline]] inline int execution::next_step() {
  if (failure_.kind != failure_kind::none) return -1;
  // The plain step (plain_, execution.hpp): the candidates are the bits of `run`.
  if (plain_ && special_bits_ == 0 && yielded_count_ == 0) {
    std::uint64_t run = ready_bits_;
    for (std::uint64_t w = wait_bits_; w != 0; w &= w - 1) {
      const int i = __builtin_ctzll(w);
      if (threads_[i]->pending.blocker->ready(i)) run |= std::uint64_t{1} << i;
    }
    if (run != 0) {  // (else the general loop below says why nothing can run)
      int pick = 0;
      if (run & (run - 1)) {
        if (!draw(count_bits(run), pick)) return chooser_failed();
      }
      std::uint64_t m = run;
      for (int k = pick; k > 0; --k) m &= m - 1;  // the pick-th candidate in thread order
      const int tid = __builtin_ctzll(m);
      if (last_tid_ >= 0 && ((run >> last_tid_) & 1) && tid != last_tid_) ++preemptions_;
      last_tid_ = tid;
      thread_rec& th = *threads_[tid];
      if (!count_step()) {
        exceed_step_bound(tid);
        return -1;
      }
      if (cfg_.trace) record(tid, th.pending, wake::normal);
      th.woke = wake::normal;
      th.step_read_only = false;
      return tid;
    }
  }
  // Candidates: threads whose pending operation can take effect now, plus timeouts that
  // may fire and spurious wake-ups that may happen.
  step_candidate* const cand = arena_->cand.data();
  int n = 0;
  bool any_unfinished = false;
  bool any_parked = false;
  bool any_yield = false;
  bool any_progress = false;  // a candidate other than a spurious wake-up
  for (int i = 0; i < nthreads_; ++i) {
    thread_rec& th = *threads_[i];
    if (th.finished) continue;
    if (th.parked) {
      any_parked = true;
      continue;
    }
    any_unfinished = true;
    const point_desc& d = th.pending;
    any_yield |= d.kind == op::yield;
    if (!d.blocker || d.blocker->ready(i)) {
      cand[n++] = {i, wake::normal};
      any_progress = true;
    } else {
      if (d.deadline >= 0) {
        cand[n++] = {i, wake::timeout};
        any_progress = true;
      }
      if (d.may_wake_spuriously && spurious_left_ > 0) cand[n++] = {i, wake::spurious};
    }
  }
  // Only spurious wake-ups could go on: they are not guaranteed to happen, so a program that
  // needs one to progress is deadlocked — as under the graph engine (graph/trust.cpp), whose
  // own rule (pick_step returning -2) this leaves alone.
  if (n > 0 && !any_progress && !any_parked && !graph_) n = 0;
  if (n == 0) {
    if (graph_ && any_unfinished) graph_->stuck(*this);
    if (any_parked)
      blocked_ = true;  // what waits for a parked thread is cut with it
    else if (any_unfinished)
      report_deadlock();
    else
      check_end();
    return -1;
  }
  // Fair schedules only (CHESS's fair scheduler): a thread that yielded does not run again
  // until every thread that could run when it yielded has taken a step. This is what lets
  // spin loops terminate, and it still explores every fair interleaving.
  // (Only needed, so only computed, while a thread waits or one is about to yield.)
  thread_set& enabled = enabled_;
  if (yielded_count_ > 0 || any_yield) {
    enabled.clear();
    for (int k = 0; k < n; ++k) enabled.insert(cand[k].tid);
  }
  // (The graph engine schedules by its own rule, which keeps the same fairness; trust.hpp.)
  if (yielded_count_ > 0 && !graph_) {
    int m = 0;
    for (int k = 0; k < n; ++k)
      if (!threads_[cand[k].tid]->must_wait_for.intersects(enabled)) cand[m++] = cand[k];
    if (m == 0) {  // everybody waits for somebody: a yield cycle; let them all go again
      for (int i = 0; i < nthreads_; ++i) threads_[i]->must_wait_for.clear();
      yielded_count_ = 0;
    } else {
      n = m;
    }
  }
  // Preemption bounding: once the budget is spent, a thread that can go on must go on.
  // (Preemptions are counted under the graph engine too, for the report: minimize.hpp.)
  bool last_can_continue = false;
  if (last_tid_ >= 0) {
    for (int k = 0; k < n; ++k)
      if (cand[k].tid == last_tid_ && cand[k].how == wake::normal) {
        last_can_continue = true;
        if (!graph_ && cfg_.preemption_bound >= 0 && preemptions_ >= cfg_.preemption_bound) {
          cand[0] = cand[k];
          n = 1;
        }
        break;
      }
  }
  int pick = 0;
  if (per_step_) {
    access* const pending = arena_->pending.data();
    if (!graph_)
      for (int i = 0; i < nthreads_; ++i)
        pending[i] =
            threads_[i]->finished ? access{} : access_of(threads_[i]->pending, i, wake::normal);
    pick = chooser_->pick_step(cand, n, pending);
    if (!chooser_->error.empty()) return chooser_failed();
    if (pick == -2) {  // the graph engine: nothing can go on but by a spurious wake-up
      report_deadlock();
      return -1;
    }
    if (pick < 0) return -1;  // the graph engine ends this execution (not a failure)
    // (The graph engines take a spurious wake-up only where another thread could run: their
    // picks are recorded here like any other.)
    bool normal = !graph_;
    for (int k = 0; k < n && !normal; ++k) normal = cand[k].how == wake::normal;
    if (n > 1 && normal) push_choice(static_cast<std::uint16_t>(pick));
  } else if (n > 1) {
    if (!draw(n, pick)) return chooser_failed();
  }
  const candidate c = cand[pick];
  thread_rec& th = *threads_[c.tid];
  if (last_can_continue && c.tid != last_tid_) ++preemptions_;
  last_tid_ = c.tid;
  if (!count_step()) {
    exceed_step_bound(c.tid);
    return -1;
  }
  if (c.how == wake::timeout) now_ = std::max(now_, th.pending.deadline);
  if (c.how == wake::spurious) --spurious_left_;
  if (yielded_count_ > 0) {
    for (int i = 0; i < nthreads_; ++i) {
      thread_set& w = threads_[i]->must_wait_for;
      if (w.contains(c.tid)) {
        w.erase(c.tid);
        if (w.empty()) --yielded_count_;
      }
    }
  }
  if (th.pending.kind == op::yield) {
    enabled.erase(c.tid);  // the others
    if (!enabled.empty()) {
      if (th.must_wait_for.empty()) ++yielded_count_;
      th.must_wait_for = enabled;
    }
  }
  if (cfg_.trace) record(c.tid, th.pending, c.how);
  th.woke = c.how;
  if (graph_) {
    graph_->begin_step(*this, c.tid, th.pending, c.how);
    if (failure_.kind != failure_kind::none) return -1;
  } else if (per_step_) {
    done_ = access_of(th.pending, c.tid, c.how);
  }
  th.step_read_only = false;
  return c.tid;
}

int execution::chooser_failed() {
  failure_.kind = failure_kind::misuse;
  failure_.message = chooser_->error;
  return -1;
}

void execution::exceed_step_bound(int tid) {
  if (graph_ && graph_->excuses_step_bound(*this)) {
    blocked_ = true;
    return;
  }
  failure_.kind = failure_kind::livelock;
  failure_.message = "no progress: the execution exceeded " + std::to_string(cfg_.max_steps) +
                     " steps (livelock or starvation suspected; raise max_steps if the "
                     "test is just long)";
  failure_.tid = tid;
  failure_.where = threads_[tid]->pending.loc;
  failure_.detail = describe_waits(true);  // the spinning threads: from the trace
  failure_.step = steps() - 1;             // the step that would exceed the bound is not taken
}

[[gnu::always_inline]] inline bool execution::finish_step(int tid) {
  if (failure_.kind != failure_kind::none) return false;
  const thread_rec& th = *threads_[tid];
  if (graph_) {
    graph_->end_step(*this, tid, th.finished);
    return failure_.kind == failure_kind::none;
  }
  access done[2] = {done_, {}};
  int ndone = 1;
  if (th.step_read_only) done[0] = access{done[0].key, false, access::plain};
  if (th.finished)
    done[ndone++] =
        access{kThreadKeyBase + static_cast<std::uint32_t>(tid), true, access::order_only};
  chooser_->on_step(tid, done, ndone);
  return true;
}

void execution::check_thread_locals(int tid) {
  if (failure_.kind != failure_kind::none) return;
  runtime_scope own;
  const thread_rec& th = *threads_[tid];
  std::string msg = tls_->check(tid, th.pending.loc, th.finished);
  if (msg.empty()) return;
  failure_.kind = failure_kind::misuse;
  failure_.message = std::move(msg);
  failure_.tid = tid;
  failure_.where = th.pending.loc;
  failure_.step = steps();
}

void execution::fail_unsupported(const std::string& what) {
  if (failure_.kind != failure_kind::none) return;
  failure_.kind = failure_kind::misuse;
  failure_.message = "the graph engine does not model " + what +
                     " yet: run this test with the DPOR engine (--engine=dpor or "
                     "model_test_options::engine = lockstep::engine::dpor)";
  failure_.tid = cur_;
  if (cur_ >= 0) failure_.where = threads_[cur_]->pending.loc;
}

void execution::fail_unsupported_mismatch() {
  if (failure_.kind != failure_kind::none) return;
  failure_.kind = failure_kind::misuse;
  failure_.message =
      "nondeterministic test: replaying an execution graph, a thread took a different step "
      "(does the test depend on real time, addresses, or global state?)";
  failure_.tid = cur_;
}

void execution::lock_acquired(const object& m, source_loc loc) {
  thread_rec& th = *threads_[cur_];
  if (cfg_.locks) {
    lock_key to{to_string(m.created()), m.id(), m.name()};
    for (const auto& h : th.held) {
      if (h.m == &m) return;  // recursive re-acquisition: no new order
      cfg_.locks->add(lock_key{to_string(h.m->created()), h.m->id(), h.m->name()}, to,
                      lock_graph::edge_info{to_string(h.at), to_string(loc), cur_, {}});
    }
  }
  th.held.push_back({&m, loc});
}

void execution::lock_released(const object& m) {
  auto& held = threads_[cur_]->held;
  for (auto it = held.rbegin(); it != held.rend(); ++it)
    if (it->m == &m) {
      held.erase(std::next(it).base());
      return;
    }
}

access execution::access_of(const point_desc& d, int tid, wake how) const noexcept {
  if (how == wake::timeout) return {kClockKey, true};
  const std::uint32_t obj = d.obj ? d.obj->id() + 1 : 0;
  switch (d.kind) {
    case op::thread_start:
      return {kThreadKeyBase + static_cast<std::uint32_t>(tid), true, access::order_only};
    case op::thread_spawn:
      return {kThreadKeyBase + static_cast<std::uint32_t>(nthreads_), true, access::order_only};
    case op::thread_join:
      for (int k = 0; k < nthreads_; ++k)
        if (d.blocker == threads_[k].get())
          return {kThreadKeyBase + static_cast<std::uint32_t>(k), true, access::order_only};
      return {};
    case op::lock:
    case op::lock_shared:
    case op::sem_acquire:
      return {obj, true, access::acquire};
    case op::try_lock:
    case op::try_lock_shared:
    case op::sem_try_acquire:
      return {obj, true, access::try_acquire};
    case op::yield:
      return {kYieldKeyBase + static_cast<std::uint32_t>(tid), true};
    case op::fence:
      return {};
    case op::clock_now:
      return {kClockKey, false};
    case op::sleep:
      return {kClockKey, true};
    case op::atomic_load:
      return {obj, false};
    default:
      return {obj, true};
  }
}

void execution::check_end() {
  for (int i = 1; i < nthreads_; ++i) {
    if (!threads_[i]->joined && !threads_[i]->handle_gone) {
      failure_.kind = failure_kind::misuse;
      failure_.message = "thread " + std::to_string(i) + " (spawned at " +
                         to_string(threads_[i]->spawned_at) +
                         ") was never joined (a leaked thread)";
      failure_.tid = i;
      failure_.where = threads_[i]->spawned_at;
      return;
    }
  }
  if (heap_leak(failure_.message, failure_.where)) failure_.kind = failure_kind::misuse;
}

std::string execution::describe_waits(bool only_blocked) const {
  std::string out;
  for (int i = 0; i < nthreads_; ++i) {
    const thread_rec& th = *threads_[i];
    const point_desc& d = th.pending;
    if (th.finished || th.parked || (only_blocked && (!d.blocker || d.blocker->ready(i)))) continue;
    out += "\n  thread " + std::to_string(i) + " blocked in " + to_string(d.kind);
    if (d.obj) out += " " + d.obj->name();
    // Traced (replay): the user's line behind a library call (std::lock_guard, say).
    const source_loc where = th.stack_at_point.n > 0 ? user_frame(th.stack_at_point, d.loc) : d.loc;
    out += " at " + to_string(where);
    if (d.blocker) out += ", waiting for " + d.blocker->waiting_for(i);
  }
  return out;
}

void execution::report_deadlock() {
  failure_.kind = failure_kind::deadlock;
  failure_.message = "no thread can make progress";
  failure_.detail = describe_waits(false);
  failure_.tid = -1;
  failure_.step = steps();
}

}  // namespace lockstep::rt
