// lockstep/rt/model_sync.hpp — model_platform's blocking primitives beyond plain mutexes:
// shared_mutex, shared_timed_mutex, condition_variable, counting_semaphore. Included by
// model_platform.hpp.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lockstep {

namespace rt {
// A data choice of the checker (not a thread switch): returns 0..n-1, explored exhaustively
// in DFS mode, drawn from the seed in random mode. Used by notify_one (which waiter wakes)
// and by tests that want nondeterministic inputs (lockstep::choose).
int choose(int n, const char* what);
}  // namespace rt

// Exploring a nondeterministic input: `int k = lockstep::choose(3);` inside a model test.
inline int choose(int n) { return rt::choose(n, "choose"); }

// Cuts the executions in which `cond` is false (GenMC's __VERIFIER_assume): the calling
// thread stops there and the execution counts as blocked, not as a failure. For loops the
// checker should not unroll further, or inputs outside a test's domain.
inline void assume(bool cond, source_loc at = source_loc::current()) {
  if (!cond) rt::assume_failed(at);
}

class model_platform::shared_mutex : public rt::object {
 public:
  shared_mutex(source_loc loc = source_loc::current()) : shared_mutex("shared_mutex", loc) {}
  ~shared_mutex() {
    if (writer_ >= 0 || !readers_.empty()) destroyed_while_locked(rt::caller_pc());
  }

  void lock(source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::lock, this, loc, &exclusive_});
    graph_step(rt::op::lock, loc);
    rt::lock_acquired(*this, loc);
    take_exclusive();
  }
  bool try_lock(source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::try_lock, this, loc});
    if (!graph_step(rt::op::try_lock, loc) || !exclusive_.ready(rt::current_thread()))
      return note(false);
    rt::lock_try_acquired(*this, loc);
    take_exclusive();
    return note(true);
  }
  void unlock(source_loc loc = source_loc::current());
  void lock_shared(source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::lock_shared, this, loc, &shared_});
    graph_step(rt::op::lock_shared, loc);
    take_shared();
  }
  bool try_lock_shared(source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::try_lock_shared, this, loc});
    if (!graph_step(rt::op::try_lock_shared, loc) || !shared_.ready(rt::current_thread()))
      return note(false);
    take_shared();
    return note(true);
  }
  void unlock_shared(source_loc loc = source_loc::current());

 protected:
  shared_mutex(const char* kind, source_loc loc) : rt::object(kind, loc) {}
  // The timed attempts of shared_timed_mutex: take the lock (exclusive, or shared) before
  // `deadline` on the virtual clock, or time out. As timed_mutex::try_lock_until: under the
  // interleaving engines the timeout is a choice wherever the lock is unavailable; under the
  // graph engine an attempt that reads a state where the lock is taken times out (the clock
  // moves to the deadline).
  bool try_lock_until_ns(bool exclusive, std::int64_t deadline, source_loc loc) {
    fresh();
    const rt::op o = exclusive ? rt::op::try_lock : rt::op::try_lock_shared;
    if (rt::graph_engine()) {
      rt::point({o, this, loc});
      if (!graph_step(o, loc)) {
        rt::graph_advance_clock(deadline, loc);
        if (rt::tracing()) rt::trace_note("timed out");
        return false;
      }
    } else {
      const rt::waitable* gate =
          exclusive ? static_cast<const rt::waitable*>(&exclusive_) : &shared_;
      if (rt::point({exclusive ? rt::op::lock : rt::op::lock_shared, this, loc, gate, deadline}) ==
          rt::wake::timeout) {
        if (rt::tracing()) rt::trace_note("timed out");
        return false;
      }
    }
    if (exclusive) {
      rt::lock_acquired(*this, loc);
      take_exclusive();
    } else {
      take_shared();
    }
    return true;
  }

 private:
  // A shared mutex at namespace scope starts every execution unlocked (rt::object::rejoin).
  void fresh() noexcept {
    if (!rejoin()) return;
    writer_ = -1;
    readers_.clear();
    readers_clock_.clear();
  }
  // Under the graph engine: the operation's event on the state (writer + 1 in the low byte,
  // readers as bits in the high 32). Returns whether it wrote.
  bool graph_step(rt::op o, source_loc loc);
  void destroyed_while_locked(const void* pc) const noexcept;  // misuse (in an execution)
  struct exclusive_gate final : rt::waitable {
    explicit exclusive_gate(const shared_mutex* mm) : m(mm) {}
    const shared_mutex* m;
    bool ready(int) const noexcept override { return m->writer_ < 0 && m->readers_.empty(); }
    std::string waiting_for(int) const override;
    const rt::object* graph_blocked_read(int tid, rt::rmw_request& r,
                                         std::uint64_t& init) const noexcept override;
  };
  struct shared_gate final : rt::waitable {
    explicit shared_gate(const shared_mutex* mm) : m(mm) {}
    const shared_mutex* m;
    bool ready(int) const noexcept override { return m->writer_ < 0; }
    std::string waiting_for(int) const override;
    const rt::object* graph_blocked_read(int tid, rt::rmw_request& r,
                                         std::uint64_t& init) const noexcept override;
  };
  static bool note(bool b) {
    if (rt::tracing()) rt::trace_note(b ? "true" : "false");
    return b;
  }
  void take_exclusive() {
    writer_ = rt::current_thread();
    rt::acquire_from(*this);
    rt::thread_clock().join(readers_clock_);
  }
  void take_shared() {
    readers_.insert(rt::current_thread());
    rt::acquire_from(*this);
  }
  friend struct exclusive_gate;
  friend struct shared_gate;
  int writer_ = -1;
  rt::thread_set readers_;    // the threads holding it shared
  rt::vclock readers_clock_;  // released by unlock_shared, acquired by the next writer
  exclusive_gate exclusive_{this};
  shared_gate shared_{this};
};

class model_platform::condition_variable : public rt::object, public rt::waitable {
 public:
  condition_variable(source_loc loc = source_loc::current())
      : rt::object("condition_variable", loc) {}

  bool ready(int tid) const noexcept override { return notified_.contains(tid); }
  std::string waiting_for(int tid) const override;

  void notify_one(source_loc loc = source_loc::current());
  void notify_all(source_loc loc = source_loc::current());

  template <class Lock>
  void wait(Lock& lock, source_loc loc = source_loc::current()) {
    wait_impl(lock, -1, loc);
  }
  template <class Lock, class Pred>
  void wait(Lock& lock, Pred pred, source_loc loc = source_loc::current()) {
    while (!pred()) wait_impl(lock, -1, loc);
  }
  template <class Lock, class Rep, class Period>
  std::cv_status wait_for(Lock& lock, std::chrono::duration<Rep, Period> d,
                          source_loc loc = source_loc::current()) {
    return wait_impl(lock, rt::now() + ns(d), loc) == rt::wake::timeout
               ? std::cv_status::timeout
               : std::cv_status::no_timeout;
  }
  template <class Lock, class Rep, class Period, class Pred>
  bool wait_for(Lock& lock, std::chrono::duration<Rep, Period> d, Pred pred,
                source_loc loc = source_loc::current()) {
    return wait_until_ns(lock, rt::now() + ns(d), pred, loc);
  }
  template <class Lock, class Duration>
  std::cv_status wait_until(Lock& lock, std::chrono::time_point<model_platform::clock, Duration> t,
                            source_loc loc = source_loc::current()) {
    return wait_impl(lock, ns(t.time_since_epoch()), loc) == rt::wake::timeout
               ? std::cv_status::timeout
               : std::cv_status::no_timeout;
  }
  template <class Lock, class Duration, class Pred>
  bool wait_until(Lock& lock, std::chrono::time_point<model_platform::clock, Duration> t, Pred pred,
                  source_loc loc = source_loc::current()) {
    return wait_until_ns(lock, ns(t.time_since_epoch()), pred, loc);
  }

  // Interruptible waits (condition_variable_any with a stop_token, lockstep/rt/model_stop.hpp):
  // wait until pred() holds or stop is requested; return pred(). A stop request notifies the
  // condition variable (a stop_callback); the wait checks for it after registering as a
  // waiter, so a request that comes before the wait blocks is never lost.
  template <class Lock, class Pred>
  bool wait(Lock& lock, stop_token st, Pred pred, source_loc loc = source_loc::current());
  template <class Lock, class Duration, class Pred>
  bool wait_until(Lock& lock, stop_token st,
                  std::chrono::time_point<model_platform::clock, Duration> t, Pred pred,
                  source_loc loc = source_loc::current());
  template <class Lock, class Rep, class Period, class Pred>
  bool wait_for(Lock& lock, stop_token st, std::chrono::duration<Rep, Period> d, Pred pred,
                source_loc loc = source_loc::current());

 private:
  template <class D>
  static std::int64_t ns(D d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  template <class Lock, class Pred>
  bool wait_until_ns(Lock& lock, std::int64_t deadline, Pred& pred, source_loc loc) {
    while (!pred()) {
      if (wait_impl(lock, deadline, loc) == rt::wake::timeout) return pred();
    }
    return true;
  }
  // The waiter is registered before the mutex is released, so a notify issued by a thread
  // that acquired the mutex after us cannot be lost; the wait then blocks until notified,
  // timed out (deadline >= 0) or spuriously woken.
  template <class Lock>
  rt::wake wait_impl(Lock& lock, std::int64_t deadline, source_loc loc) {
    enter(loc);
    lock.unlock();
    rt::wake w = block(deadline, loc);
    lock.lock();
    return w;
  }
  void enter(source_loc loc);
  rt::wake block(std::int64_t deadline, source_loc loc);
  void leave(source_loc loc);  // registered by enter(), but does not block after all
  template <class Lock, class Pred>
  bool wait_stoppable(Lock& lock, stop_token& st, std::int64_t deadline, Pred& pred,
                      source_loc loc);
  // A condition variable at namespace scope starts every execution without waiters.
  void fresh() noexcept {
    if (!rejoin()) return;
    waiting_.clear();
    notified_.clear();
  }

  rt::thread_set waiting_;   // threads inside wait
  rt::thread_set notified_;  // waiting threads that have been notified
};

template <std::ptrdiff_t LeastMaxValue>
class model_platform::counting_semaphore : public rt::object, public rt::waitable {
 public:
  static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }
  explicit counting_semaphore(std::ptrdiff_t desired, source_loc loc = source_loc::current())
      : rt::object("semaphore", loc), initial_(desired), count_(desired) {}

  bool ready(int) const noexcept override { return count_ > 0; }
  std::string waiting_for(int) const override { return name() + " to be released (count 0)"; }
  // An acquire() blocked on the semaphore: its await of the count (graph engine).
  const rt::object* graph_blocked_read(int, rt::rmw_request& r,
                                       std::uint64_t& init) const noexcept override {
    r = count_request(rt::rmw_kind::await);
    init = static_cast<std::uint64_t>(initial_);
    return this;
  }

  void acquire(source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::sem_acquire, this, loc, this});
    graph_step(rt::rmw_kind::await, 0, loc);
    take();
  }
  bool try_acquire(source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::sem_try_acquire, this, loc});
    if (!graph_step(rt::rmw_kind::attempt, 0, loc) || count_ <= 0) return traced(false);
    take();
    return traced(true);
  }
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> d,
                       source_loc loc = source_loc::current()) {
    return try_acquire_until_ns(
        rt::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(), loc);
  }
  template <class Duration>
  bool try_acquire_until(std::chrono::time_point<model_platform::clock, Duration> t,
                         source_loc loc = source_loc::current()) {
    return try_acquire_until_ns(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(), loc);
  }
  void release(std::ptrdiff_t update = 1, source_loc loc = source_loc::current()) {
    fresh();
    rt::point({rt::op::sem_release, this, loc});
    if (update < 0 || count_ + update > LeastMaxValue)
      report_failure(failure_kind::misuse,
                     name() + ".release(" + std::to_string(update) +
                         ") would exceed max() = " + std::to_string(LeastMaxValue),
                     loc);
    graph_step(rt::rmw_kind::always, update, loc);
    rt::release_to(*this);
    count_ += update;
    if (rt::tracing()) rt::trace_note("count now " + std::to_string(count_));
  }

 private:
  bool try_acquire_until_ns(std::int64_t deadline, source_loc loc) {
    fresh();
    if (rt::graph_engine()) {
      // An attempt that takes a unit (now, or after the release it reads from) or times out.
      rt::point({rt::op::sem_try_acquire, this, loc});
      if (!graph_step(rt::rmw_kind::attempt, 0, loc)) {
        rt::graph_advance_clock(deadline, loc);
        return traced(false);
      }
      take();
      return true;
    }
    if (rt::point({rt::op::sem_acquire, this, loc, this, deadline}) == rt::wake::timeout)
      return traced(false);
    take();
    return true;
  }
  // The event of an acquire (await, attempt) or a release (always), but for the count it
  // writes (graph_step).
  static rt::rmw_request count_request(rt::rmw_kind k) noexcept {
    rt::rmw_request r;
    r.kind = k;
    r.mo = k == rt::rmw_kind::always ? std::memory_order_release : std::memory_order_acquire;
    r.mo_fail = std::memory_order_relaxed;
    if (k != rt::rmw_kind::always) r.guard = &rt::graph_state::positive;
    return r;
  }
  // Under the graph engine: the operation's event on the count (acquire kinds take one,
  // always adds `update`). Returns whether it wrote.
  bool graph_step(rt::rmw_kind k, std::ptrdiff_t update, source_loc loc) {
    if (!rt::graph_engine()) return true;
    rt::rmw_request r = count_request(k);
    r.apply = [](const void* ctx, std::uint64_t old, int) {
      return static_cast<std::uint64_t>(static_cast<std::int64_t>(old) +
                                        *static_cast<const std::ptrdiff_t*>(ctx));
    };
    const std::ptrdiff_t delta = k == rt::rmw_kind::always ? update : -1;
    r.ctx = &delta;
    const rt::rmw_result res =
        rt::graph_rmw(*this, static_cast<std::uint64_t>(initial_), true, r, loc);
    if (static_cast<std::int64_t>(res.old) != count_) rt::graph_state_mismatch(*this, loc);
    return res.wrote;
  }
  // A semaphore at namespace scope starts every execution with its initial count.
  void fresh() noexcept {
    if (rejoin()) count_ = initial_;
  }
  void take() {
    --count_;
    rt::acquire_from(*this);
    if (rt::tracing()) rt::trace_note("count now " + std::to_string(count_));
  }
  static bool traced(bool b) {
    if (rt::tracing()) rt::trace_note(b ? "true" : "false");
    return b;
  }
  std::ptrdiff_t initial_;
  std::ptrdiff_t count_;
};

// model_platform::shared_timed_mutex — std::shared_timed_mutex: shared_mutex (owner-tracked,
// misuse reported) plus timed exclusive and shared attempts. Guarantees: a timed attempt that
// returns true holds the lock as lock()/lock_shared() would; one that returns false holds
// nothing and the virtual clock has reached its deadline. Explored: wherever the lock is
// unavailable, timing out is a choice of the search (interleaving engines), or an attempt
// that reads a state where the lock is taken (graph engine), so callers' timeout branches run.
class model_platform::shared_timed_mutex : public model_platform::shared_mutex {
 public:
  shared_timed_mutex(source_loc loc = source_loc::current())
      : shared_mutex("shared_timed_mutex", loc) {}

  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d, source_loc loc = source_loc::current()) {
    return try_lock_until_ns(true, rt::now() + ns(d), loc);
  }
  template <class Clock, class Duration>
  bool try_lock_until(std::chrono::time_point<Clock, Duration> t,
                      source_loc loc = source_loc::current()) {
    return try_lock_until_ns(true, ns(t.time_since_epoch()), loc);
  }
  template <class Rep, class Period>
  bool try_lock_shared_for(std::chrono::duration<Rep, Period> d,
                           source_loc loc = source_loc::current()) {
    return try_lock_until_ns(false, rt::now() + ns(d), loc);
  }
  template <class Clock, class Duration>
  bool try_lock_shared_until(std::chrono::time_point<Clock, Duration> t,
                             source_loc loc = source_loc::current()) {
    return try_lock_until_ns(false, ns(t.time_since_epoch()), loc);
  }

 private:
  template <class D>
  static std::int64_t ns(D d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
};

}  // namespace lockstep
