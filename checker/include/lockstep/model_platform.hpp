// lockstep/model_platform.hpp — the platform that runs primitives under the model checker.
//
// Same API as lockstep::std_platform (lockstep/std_platform.hpp), so a primitive written as
// `template <class P = std_platform> class TicketLock` is checked as
// `TicketLock<model_platform>`. Every visible operation (atomic op, lock/unlock, cv wait
// and notify, semaphore, spawn/join, yield, clock read, sleep) is a scheduling point of the
// checker. Operations only run inside a LOCKSTEP_TEST body (lockstep/check.hpp); objects
// may also be constructed outside one, at namespace scope (atomics and atomic_flag even by
// constant initialisation): such a static object starts every execution from the state it
// was constructed with (rt::object).
//
// Beyond what the std_platform rules need, the std synchronization surface: atomic_flag,
// atomic_ref (lockstep/rt/model_atomic_ref.hpp; interleaving engines only),
// shared_timed_mutex, latch and barrier (model_latch.hpp), once_flag and call_once
// (model_once.hpp), jthread, stop tokens and condition_variable_any's stop_token waits
// (model_stop.hpp), thread::detach and hardware_concurrency. The latch, barrier, once flag and stop
// state are built on the model atomics, mutex and condition variable, so both engines explore them.
//
// Lifetime: every model object knows when it is destroyed — a later use, destroying an object
// another thread waits on, or destroying a held mutex is a misuse verdict (rt::object). The
// heap (lockstep/rt/model_heap.hpp): new_object / delete_object / make_unique / allocator<T>
// report double free, bad free, leaks and use after free, and reuse freed blocks (ABA).
//
// Semantics the checker explores
//   * Sequentially consistent interleavings of the visible operations, or the C++11 (RC11)
//     model (model_test_options::memory); memory orders drive happens-before for the race
//     detector: release/acquire (and seq_cst) synchronise, relaxed does not.
//   * condition_variable waits may wake spuriously (bounded per execution) and timed waits
//     may time out at any scheduling point: both are explored as choices.
//   * Time is virtual: clock::now() only moves when a sleep or timeout fires.
//   * yield() and spin_pause() deprioritise the calling thread until another thread has run,
//     so spin loops terminate under the (fair) schedules the checker explores. Spin loops in
//     primitives must call one of them.
//   * compare_exchange_weak may fail spuriously when the value equals the expected one (it
//     then only reads, as a failed CAS does): explored as a choice within the execution's
//     budget of spurious events (model_test_options::spurious_wakeups, shared with cv
//     wake-ups), by both engines. A weak CAS outside a retry loop is a bug the checker finds.
//   * atomic<T>::wait/notify_one/notify_all are a modelled futex (see atomic<T>::wait):
//     a notify with no registered waiter is lost; waits may return spuriously (budgeted).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lockstep/rt/located.hpp"
#include "lockstep/rt/runtime.hpp"

namespace lockstep {

namespace model_detail {

// Owner-tracking mutex core shared by mutex, timed_mutex and recursive_mutex.
class mutex_core : public rt::object, public rt::waitable {
 public:
  mutex_core(const char* kind, bool recursive, source_loc loc)
      : rt::object(kind, loc), recursive_(recursive) {}
  // Inline, so that caller_pc() (in ~object and here) is the user's line of the destruction.
  ~mutex_core() {
    if (owner_ >= 0) destroyed_while_locked(rt::caller_pc());
  }

  bool ready(int tid) const noexcept override {
    return owner_ < 0 || (recursive_ && owner_ == tid);
  }
  std::string waiting_for(int tid) const override;
  // A lock() blocked on the mutex: its await of the state (graph engine).
  const rt::object* graph_blocked_read(int tid, rt::rmw_request& r,
                                       std::uint64_t& init) const noexcept override;

  void lock(source_loc loc) {
    fresh();
    rt::point({rt::op::lock, this, loc, this});
    graph_step(rt::rmw_kind::await, loc);
    if (depth_ == 0) rt::lock_acquired(*this, loc);
    acquire();
  }
  bool try_lock(source_loc loc) {
    fresh();
    rt::point({rt::op::try_lock, this, loc});
    graph_step(rt::rmw_kind::attempt, loc);
    if (!ready(rt::current_thread())) {
      rt::step_read_only();
      if (rt::tracing()) rt::trace_note("false");
      return false;
    }
    // A try_lock cannot deadlock: it adds no edge, but the lock is held from now on.
    if (depth_ == 0) rt::lock_try_acquired(*this, loc);
    acquire();
    if (rt::tracing()) rt::trace_note("true");
    return true;
  }
  bool try_lock_until_ns(std::int64_t deadline, source_loc loc) {
    fresh();
    if (rt::graph_engine()) {
      // The graph engine: an attempt that either takes the mutex (now, or after the unlock
      // it reads from) or times out, moving the clock to the deadline.
      rt::point({rt::op::try_lock, this, loc});
      if (!graph_step(rt::rmw_kind::attempt, loc)) {
        rt::graph_advance_clock(deadline, loc);
        if (rt::tracing()) rt::trace_note("timed out");
        return false;
      }
      if (depth_ == 0) rt::lock_acquired(*this, loc);
      acquire();
      return true;
    }
    if (rt::point({rt::op::lock, this, loc, this, deadline}) == rt::wake::timeout) {
      if (rt::tracing()) rt::trace_note("timed out");
      return false;
    }
    graph_step(rt::rmw_kind::await, loc);
    if (depth_ == 0) rt::lock_acquired(*this, loc);
    acquire();
    return true;
  }
  void unlock(source_loc loc);
  int owner() const noexcept { return owner_; }
  // A mutex at namespace scope starts every execution unlocked (rt::object::rejoin).
  void fresh() noexcept {
    if (rejoin()) owner_ = -1, depth_ = 0;
  }

 private:
  // Under the graph engine: the operation's event (its value is the mutex state). Returns
  // whether it writes (a try_lock that fails does not).
  bool graph_step(rt::rmw_kind k, source_loc loc);
  void destroyed_while_locked(const void* pc) const noexcept;  // misuse (in an execution)
  void acquire() {
    owner_ = rt::current_thread();
    ++depth_;
    rt::acquire_from(*this);
  }
  bool recursive_;
  int owner_ = -1;
  int depth_ = 0;
};

}  // namespace model_detail

struct model_platform {
  static constexpr bool is_model = true;

  // ---------------------------------------------------------------- atomics
  template <class T>
  class atomic_ref;  // lockstep/rt/model_atomic_ref.hpp
  template <class T>
  class atomic : public rt::object {
    static_assert(std::is_trivially_copyable_v<T>, "atomic<T> requires trivially copyable T");

   public:
    // constexpr, as std::atomic's: `constinit P::atomic<int> n{0};` at namespace scope is a
    // static object (rt::object) that starts every execution with this value.
    constexpr atomic(source_loc loc = source_loc::current()) noexcept
        : atomic(T(), object_kind{"atomic"}, loc) {}
    constexpr atomic(T v, source_loc loc = source_loc::current()) noexcept
        : atomic(v, object_kind{"atomic"}, loc) {}
    // For model objects built on an atomic: `kind` names it in traces and deadlock reports
    // ("latch#3" rather than "atomic#3").
    struct object_kind {
      const char* name;
    };
    constexpr atomic(T v, object_kind kind, source_loc loc = source_loc::current()) noexcept
        : rt::object(kind.name, loc), v_(v), init_(v) {
      if (!std::is_constant_evaluated()) init_weak();
    }
    atomic(const atomic&) = delete;
    atomic& operator=(const atomic&) = delete;

    static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;
    bool is_lock_free() const noexcept { return is_always_lock_free; }

    T load(std::memory_order mo = std::memory_order_seq_cst,
           source_loc loc = source_loc::current()) const {
      auto* self = const_cast<atomic*>(this);
      fresh();
      point(rt::op::atomic_load, mo, loc);
      if (graph_) {
        T v = from_bits(rt::graph_load(*this, to_bits(v_), mo, loc));
        note(v);
        return v;
      }
      if (weak_) {
        T v = from_bits(rt::weak_load(self->w_, id(), mo));
        note(v);
        return v;
      }
      if (rt::acquires(mo)) rt::acquire_from(*self);
      if (rt::tracing()) {
        rt::trace_note(rt::value_text(v_));
        rt::trace_read_latest(*this);
      }
      return v_;
    }
    void store(T v, std::memory_order mo = std::memory_order_seq_cst,
               source_loc loc = source_loc::current()) {
      fresh();
      point(rt::op::atomic_store, mo, loc);
      if (graph_) {  // v_ keeps the initial value: the graph has the rest
        rt::graph_store(*this, to_bits(v_), to_bits(v), mo, loc);
        note(v);
        return;
      }
      v_ = v;
      note(v);
      if (weak_) {
        rt::weak_store_op(w_, id(), to_bits(v), mo, false);
        v_ = from_bits(w_.mo.back().bits);  // the store may have gone before later ones
        return;
      }
      if (rt::releases(mo)) rt::release_to(*this);
      if (rt::tracing()) rt::trace_stored(*this);
    }
    operator T() const { return load(); }
    T operator=(T v) {
      store(v);
      return v;
    }
    T exchange(T v, std::memory_order mo = std::memory_order_seq_cst,
               source_loc loc = source_loc::current()) {
      return rmw([&](T) { return v; }, mo, loc);
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                                 std::memory_order failure,
                                 source_loc loc = source_loc::current()) {
      return cas(expected, desired, success, failure, loc, false);
    }
    bool compare_exchange_strong(T& expected, T desired,
                                 std::memory_order mo = std::memory_order_seq_cst,
                                 source_loc loc = source_loc::current()) {
      return cas(expected, desired, mo, failure_order(mo), loc, false);
    }
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, source_loc loc = source_loc::current()) {
      return cas(expected, desired, success, failure, loc, true);
    }
    bool compare_exchange_weak(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               source_loc loc = source_loc::current()) {
      return cas(expected, desired, mo, failure_order(mo), loc, true);
    }

   private:
    bool cas(T& expected, T desired, std::memory_order success, std::memory_order failure,
             source_loc loc, bool weak) {
      fresh();
      {
        rt::point_desc d{rt::op::atomic_cas, this, loc};
        d.expected = to_bits(expected);
        d.order = static_cast<std::int8_t>(success);
        rt::point(d);
      }
      if (graph_) {
        // A failed CAS is a read: it may read any store coherence allows, and returns it.
        rt::rmw_request r;
        r.kind = rt::rmw_kind::cas;
        r.mo = success;
        r.mo_fail = failure;
        r.expected = to_bits(expected);
        r.weak = weak;
        r.apply = [](const void* d, std::uint64_t, int) {
          return *static_cast<const std::uint64_t*>(d);
        };
        const std::uint64_t want = to_bits(desired);
        r.ctx = &want;
        const rt::rmw_result res = rt::graph_rmw(*this, to_bits(v_), false, r, loc);
        if (rt::tracing())
          rt::trace_note(res.wrote ? "success, now " + rt::value_text(desired)
                         : res.old == r.expected
                             ? "failed spuriously, saw " + rt::value_text(from_bits(res.old))
                             : "failed, saw " + rt::value_text(from_bits(res.old)));
        if (!res.wrote) expected = from_bits(res.old);
        return res.wrote;
      }
      // Under the C++11 model the CAS compares against the latest store in modification
      // order (a failed CAS could also read an older one; that behaviour is not explored),
      // so a failing one reads that latest store too, with the failure order: an acquire
      // failure synchronizes with the store whose value it returns.
      const bool equal = std::memcmp(&v_, &expected, sizeof(T)) == 0;
      const bool spurious = equal && weak && rt::weak_cas_fails_spuriously();
      if (equal && !spurious) {
        if (weak_) {
          rt::weak_store_op(w_, id(), to_bits(desired), success, true);
        } else {
          if (rt::acquires(success)) rt::acquire_from(*this);
          if (rt::releases(success)) rt::release_to(*this);
        }
        v_ = desired;
        if (rt::tracing()) {
          rt::trace_note("success, now " + rt::value_text(desired));
          if (!weak_) {
            rt::trace_read_latest(*this);
            rt::trace_stored(*this);
          }
        }
        return true;
      }
      if (weak_) {
        (void)rt::weak_load_latest(w_, id(), failure);
      } else if (rt::acquires(failure)) {
        rt::acquire_from(*this);
      }
      rt::step_read_only();
      expected = v_;
      if (rt::tracing()) {
        rt::trace_note((spurious ? "failed spuriously, saw " : "failed, saw ") +
                       rt::value_text(v_));
        if (!weak_) rt::trace_read_latest(*this);
      }
      return false;
    }

   public:
    T fetch_add(T d, std::memory_order mo = std::memory_order_seq_cst,
                source_loc loc = source_loc::current()) requires(std::is_integral_v<T> ||
                                                                 std::is_pointer_v<T> ||
                                                                 std::is_floating_point_v<T>) {
      return rmw([&](T x) { return static_cast<T>(x + d); }, mo, loc);
    }
    T fetch_sub(T d, std::memory_order mo = std::memory_order_seq_cst,
                source_loc loc = source_loc::current()) requires(std::is_integral_v<T> ||
                                                                 std::is_pointer_v<T> ||
                                                                 std::is_floating_point_v<T>) {
      return rmw([&](T x) { return static_cast<T>(x - d); }, mo, loc);
    }
    T fetch_and(T d, std::memory_order mo = std::memory_order_seq_cst,
                source_loc loc = source_loc::current()) requires std::is_integral_v<T> {
      return rmw([&](T x) { return static_cast<T>(x & d); }, mo, loc);
    }
    T fetch_or(T d, std::memory_order mo = std::memory_order_seq_cst,
               source_loc loc = source_loc::current()) requires std::is_integral_v<T> {
      return rmw([&](T x) { return static_cast<T>(x | d); }, mo, loc);
    }
    T fetch_xor(T d, std::memory_order mo = std::memory_order_seq_cst,
                source_loc loc = source_loc::current()) requires std::is_integral_v<T> {
      return rmw([&](T x) { return static_cast<T>(x ^ d); }, mo, loc);
    }
    T operator++() requires std::is_integral_v<T> { return fetch_add(1) + 1; }
    T operator++(int) requires std::is_integral_v<T> { return fetch_add(1); }
    T operator--() requires std::is_integral_v<T> { return fetch_sub(1) - 1; }
    T operator--(int) requires std::is_integral_v<T> { return fetch_sub(1); }
    T operator+=(T d) requires(std::is_integral_v<T> || std::is_floating_point_v<T>) {
      return fetch_add(d) + d;
    }
    T operator-=(T d) requires(std::is_integral_v<T> || std::is_floating_point_v<T>) {
      return fetch_sub(d) - d;
    }

    // ---- atomic waiting: wait / notify_one / notify_all (C++20), a modelled futex.
    // wait(old, mo) takes two steps. The first compares the value with `old` (it reads the
    // latest store in modification order, as a futex compares the word in memory, with
    // `mo`'s acquire semantics) and, if equal, registers the thread as a waiter of this
    // atomic; a different value returns at once. The second blocks until a notify_one /
    // notify_all picks the thread; the woken thread compares again in the step that wakes
    // it and goes back to sleep if the value is still `old`. A wait may also return
    // spuriously with the value unchanged (an environment choice, within the execution's
    // spurious_wakeups budget): under std_platform that is what the caller sees when the
    // value changed and changed back (ABA) before it re-reads, so callers must re-check in
    // a loop. notify_one wakes one registered waiter (which one is a choice), notify_all all
    // of them; a notify with no waiter registered has no effect (a lost notify).
    void wait(T old, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const {
      fresh();
      rt::point({rt::op::cv_enter, this, loc});
      if (graph_) {
        // The graph engine: the waiter set is a synchronization location of its own. A wait
        // step compares, then (equal) registers, as the interleaving engine's does; the
        // comparison happens after what the registration reads (rmw_request::after_compare),
        // so a notify earlier in the waiter set's order is ordered before it and it sees the
        // value stored before that notify: the only lost wake-ups are the program's own.
        if (graph_wait_check(old, mo, loc)) return;
        for (;;) {
          rt::point({rt::op::cv_block, this, loc, &wait_gate_, -1, true});
          const rt::rmw_result res = rt::graph_waiters(*this, true, wait_waiting_, wait_notified_,
                                                       rt::waiters_op::wake, loc);
          if (!rt::graph_state::notified(res.old,
                                         static_cast<std::uint64_t>(rt::current_thread()))) {
            if (rt::tracing()) rt::trace_note("spurious return, value not compared");
            return;
          }
          if (graph_wait_check(old, mo, loc)) return;
        }
      }
      if (wait_check(old, mo)) return;
      for (;;) {
        const rt::wake w = rt::point({rt::op::cv_block, this, loc, &wait_gate_, -1, true});
        const int me = rt::current_thread();
        wait_notified_.erase(me);
        if (w == rt::wake::spurious) {
          wait_waiting_.erase(me);
          if (rt::tracing()) rt::trace_note("spurious return, value not compared");
          return;
        }
        if (wait_check(old, mo)) return;
      }
    }
    void notify_one(source_loc loc = source_loc::current()) {
      fresh();
      rt::point({rt::op::notify_one, this, loc});
      if (graph_) {
        rt::graph_waiters(*this, true, wait_waiting_, wait_notified_, rt::waiters_op::notify_one,
                          loc);
        return;
      }
      rt::thread_set pending = wait_waiting_;
      pending -= wait_notified_;
      const int n = pending.count();
      if (n == 0) {
        if (rt::tracing()) rt::trace_note("no waiter");
        return;
      }
      const int t = pending.nth(n > 1 ? rt::choose(n, "which waiter wakes") : 0);
      wait_notified_.insert(t);
      if (rt::tracing()) rt::trace_note("wakes thread " + std::to_string(t));
    }
    void notify_all(source_loc loc = source_loc::current()) {
      fresh();
      rt::point({rt::op::notify_all, this, loc});
      if (graph_) {
        rt::graph_waiters(*this, true, wait_waiting_, wait_notified_, rt::waiters_op::notify_all,
                          loc);
        return;
      }
      if (rt::tracing()) {
        rt::thread_set pending = wait_waiting_;
        pending -= wait_notified_;
        rt::trace_note("wakes " + std::to_string(pending.count()) + " thread(s)");
      }
      wait_notified_ |= wait_waiting_;
    }

   private:
    // Under the graph engine: compare; if equal, register (in the same step). The comparison
    // sits before the registration in program order, so a revisit that keeps the registration
    // keeps the value it compared (a sleeper stays asleep on the value it saw).
    bool graph_wait_check(const T& old, std::memory_order mo, source_loc loc) const {
      const T v = from_bits(rt::graph_load(*this, to_bits(v_), mo, loc));
      if (std::memcmp(&v, &old, sizeof(T)) != 0) {
        if (rt::tracing()) rt::trace_note("value " + rt::value_text(v) + " differs: returns");
        return true;
      }
      rt::graph_waiters(*this, true, wait_waiting_, wait_notified_, rt::waiters_op::enter, loc);
      if (rt::tracing()) rt::trace_note("value " + rt::value_text(v) + " equal: sleeps");
      return false;
    }
    // The comparison of a wait step: true (and the thread is no longer a waiter) if the value
    // differs from `old`; false (and the thread is registered) if it equals `old`.
    bool wait_check(const T& old, std::memory_order mo) const {
      auto* self = const_cast<atomic*>(this);
      T v;
      if (weak_) {
        v = from_bits(rt::weak_load_latest(self->w_, id(), mo));
      } else {
        if (rt::acquires(mo)) rt::acquire_from(*self);
        v = v_;
      }
      const int me = rt::current_thread();
      if (std::memcmp(&v, &old, sizeof(T)) != 0) {
        wait_waiting_.erase(me);
        if (rt::tracing()) rt::trace_note("value " + rt::value_text(v) + " differs: returns");
        return true;
      }
      wait_waiting_.insert(me);
      if (rt::tracing()) rt::trace_note("value " + rt::value_text(v) + " equal: sleeps");
      return false;
    }
    struct wait_gate_t final : rt::waitable {
      constexpr explicit wait_gate_t(const atomic* a) : self(a) {}
      const atomic* self;
      bool ready(int tid) const noexcept override { return self->wait_notified_.contains(tid); }
      std::string waiting_for(int) const override {
        return "a notify of " + self->name() + " (value " + rt::value_text(self->v_) + ")";
      }
    };
    mutable rt::thread_set wait_waiting_;   // threads registered by a wait step
    mutable rt::thread_set wait_notified_;  // registered threads picked by a notify
    wait_gate_t wait_gate_{this};

   public:
    // ---- end of atomic waiting

   private:
    friend class atomic_ref<T>;
    // The shadow of an atomic_ref: a location keyed by the referenced object (rt::shadow_key).
    atomic(T v, object_kind kind, rt::object::given_key key, source_loc loc)
        : rt::object(kind.name, key, loc), v_(v), init_(v) {
      init_weak();
    }
    // The latest value in modification order among the stores executed so far (atomic_ref
    // writes it back to the referenced object).
    T latest() const { return graph_ ? from_bits(rt::graph_latest(*this, to_bits(v_))) : v_; }
    static std::memory_order failure_order(std::memory_order mo) {
      if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
      if (mo == std::memory_order_release) return std::memory_order_relaxed;
      return mo;
    }
    template <class F>
    T rmw(F f, std::memory_order mo, source_loc loc) {
      fresh();
      point(rt::op::atomic_rmw, mo, loc);
      if (graph_) {
        rt::rmw_request r;
        r.kind = rt::rmw_kind::always;
        r.mo = r.mo_fail = mo;
        r.apply = [](const void* fp, std::uint64_t o, int) {
          return to_bits((*static_cast<const F*>(fp))(from_bits(o)));
        };
        r.ctx = &f;
        const T old = from_bits(rt::graph_rmw(*this, to_bits(v_), false, r, loc).old);
        if (rt::tracing()) rt::trace_note(rt::value_text(old) + " -> " + rt::value_text(f(old)));
        return old;
      }
      // An RMW continues the release sequence: it always reads the latest value, and with a
      // release order publishes this thread's clock as well.
      T old = v_;
      v_ = f(old);
      if (weak_) {
        rt::weak_store_op(w_, id(), to_bits(v_), mo, true);
      } else {
        if (rt::acquires(mo)) rt::acquire_from(*this);
        if (rt::releases(mo)) rt::release_to(*this);
      }
      if (rt::tracing()) {
        rt::trace_note(rt::value_text(old) + " -> " + rt::value_text(v_));
        if (!weak_) {
          rt::trace_read_latest(*this);
          rt::trace_stored(*this);
        }
      }
      return old;
    }
    // The scheduling point of an atomic operation with memory order mo (shown in traces).
    void point(rt::op kind, std::memory_order mo, source_loc loc) const {
      rt::point_desc d{kind, this, loc};
      d.order = static_cast<std::int8_t>(mo);
      rt::point(d);
    }
    static void note(const T& v) {
      if (rt::tracing()) rt::trace_note(rt::value_text(v));
    }
    static std::uint64_t to_bits(const T& v) {
      std::uint64_t b = 0;
      std::memcpy(&b, &v, sizeof(T));
      return b;
    }
    static T from_bits(std::uint64_t b) {
      T v;
      std::memcpy(static_cast<void*>(&v), &b, sizeof(T));  // T may have an NSDMI (thread_id)
      return v;
    }
    // A static atomic (rt::object) starts each execution it joins with its initial value.
    void fresh() const {
      if (rejoin()) const_cast<atomic*>(this)->reset();
    }
    void reset() {
      v_ = init_;
      graph_ = weak_ = false;
      w_ = rt::weak_location{};
      wait_waiting_.clear();
      wait_notified_.clear();
      init_weak();
    }
    void init_weak() {
      if constexpr (sizeof(T) <= sizeof(std::uint64_t)) {
        if (rt::graph_engine()) {
          graph_ = true;
        } else if (rt::weak_memory()) {
          weak_ = true;
          w_.mo.push_back(rt::weak_store{to_bits(v_), -1, 0, false, false, {}});
        }
      } else {
        if (rt::graph_engine())
          report_failure(failure_kind::misuse,
                         "the graph engine models atomics of at most 64 bits (this one has " +
                             std::to_string(sizeof(T)) + " bytes)",
                         created());
      }
    }
    T v_;                  // the latest value in modification order (graph engine: the initial)
    T init_;               // the value it was constructed with
    bool graph_ = false;   // values come from the graph engine's execution graph
    bool weak_ = false;    // this execution uses the C++11 model (and T fits 64 bits)
    rt::weak_location w_;  // modification order, when weak_
  };

  // std::atomic_flag: an atomic<bool> (the same scheduling points, memory orders and
  // modelled futex), named "atomic_flag" in traces. Starts clear, as in C++20; constexpr, so
  // `constinit P::atomic_flag f;` works at namespace scope. test_and_set is an RMW (it reads
  // the latest store), test a load (under the C++11 model it may read an older store), clear
  // a store; wait/notify as atomic<T>::wait (spurious returns explored).
  class atomic_flag {
   public:
    constexpr atomic_flag(source_loc loc = source_loc::current()) noexcept
        : a_(false, atomic<bool>::object_kind{"atomic_flag"}, loc) {}
    atomic_flag(const atomic_flag&) = delete;
    atomic_flag& operator=(const atomic_flag&) = delete;
    // lockstep::name (lockstep/name.hpp)
    void set_name(const char* label) noexcept { a_.set_name(label); }
    bool test(std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const {
      return a_.load(mo, loc);
    }
    bool test_and_set(std::memory_order mo = std::memory_order_seq_cst,
                      source_loc loc = source_loc::current()) {
      return a_.exchange(true, mo, loc);
    }
    void clear(std::memory_order mo = std::memory_order_seq_cst,
               source_loc loc = source_loc::current()) {
      a_.store(false, mo, loc);
    }
    void wait(bool old, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const {
      a_.wait(old, mo, loc);
    }
    void notify_one(source_loc loc = source_loc::current()) { a_.notify_one(loc); }
    void notify_all(source_loc loc = source_loc::current()) { a_.notify_all(loc); }

   private:
    atomic<bool> a_;
  };

  static void atomic_thread_fence(std::memory_order mo, source_loc loc = source_loc::current());

  // ---------------------------------------------------------------- mutexes
  class mutex {
   public:
    mutex(source_loc loc = source_loc::current()) : core_("mutex", false, loc) {}
    // lockstep::name (lockstep/name.hpp)
    void set_name(const char* label) noexcept { core_.set_name(label); }
    void lock(source_loc loc = source_loc::current()) { core_.lock(loc); }
    bool try_lock(source_loc loc = source_loc::current()) { return core_.try_lock(loc); }
    void unlock(source_loc loc = source_loc::current()) { core_.unlock(loc); }
    const rt::object& model_object() const noexcept { return core_; }

   private:
    model_detail::mutex_core core_;
  };

  class recursive_mutex {
   public:
    recursive_mutex(source_loc loc = source_loc::current()) : core_("recursive_mutex", true, loc) {}
    // lockstep::name (lockstep/name.hpp)
    void set_name(const char* label) noexcept { core_.set_name(label); }
    void lock(source_loc loc = source_loc::current()) { core_.lock(loc); }
    bool try_lock(source_loc loc = source_loc::current()) { return core_.try_lock(loc); }
    void unlock(source_loc loc = source_loc::current()) { core_.unlock(loc); }

   private:
    model_detail::mutex_core core_;
  };

  struct clock;

  class timed_mutex {
   public:
    timed_mutex(source_loc loc = source_loc::current()) : core_("timed_mutex", false, loc) {}
    // lockstep::name (lockstep/name.hpp)
    void set_name(const char* label) noexcept { core_.set_name(label); }
    void lock(source_loc loc = source_loc::current()) { core_.lock(loc); }
    bool try_lock(source_loc loc = source_loc::current()) { return core_.try_lock(loc); }
    void unlock(source_loc loc = source_loc::current()) { core_.unlock(loc); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> d,
                      source_loc loc = source_loc::current()) {
      return core_.try_lock_until_ns(
          rt::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(), loc);
    }
    template <class Clock, class Duration>
    bool try_lock_until(std::chrono::time_point<Clock, Duration> t,
                        source_loc loc = source_loc::current()) {
      return core_.try_lock_until_ns(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(), loc);
    }

   private:
    model_detail::mutex_core core_;
  };

  class shared_mutex;
  class shared_timed_mutex;
  class condition_variable;
  using condition_variable_any = condition_variable;  // the model cv accepts any lockable
  template <std::ptrdiff_t LeastMaxValue = 1024>
  class counting_semaphore;
  using binary_semaphore = counting_semaphore<1>;
  class latch;  // lockstep/rt/model_latch.hpp
  struct noop_completion {
    void operator()() const noexcept {}
  };
  template <class CompletionFunction = noop_completion>
  class barrier;
  class once_flag;  // lockstep/rt/model_once.hpp
  template <class Callable, class... Args>
  static void call_once(once_flag& flag, Callable&& f, Args&&... args);

  // ---------------------------------------------------------------- time
  struct clock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<clock, duration>;
    static constexpr bool is_steady = true;
    static time_point now(source_loc loc = source_loc::current());
  };

  // ---------------------------------------------------------------- threads
  // Identifies a simulated thread; default-constructed: no thread (like std::thread::id).
  struct thread_id {
    int value = -1;
    friend bool operator==(thread_id, thread_id) = default;
  };
  // The handle is plain shared data for the race detector, as a std::thread object is (two
  // threads calling members of one std::thread without synchronisation is a data race): a
  // join, detach, move (both sides) and the destructor write it, joinable() and get_id() read
  // it — an unordered pair is a data_race verdict naming both lines (rt::var_state, labelled
  // "P::thread handle"). Members that cannot take a source_loc (constructors, the destructor,
  // move assignment) name their caller's line (rt::caller_location).
  class thread {
   public:
    [[gnu::noinline]] thread() noexcept { created(__builtin_return_address(0)); }
    template <class F, class... Args>
    [[gnu::noinline]] explicit thread(F&& f, Args&&... args) {
      created(__builtin_return_address(0));
      using state = std::tuple<std::decay_t<F>, std::decay_t<Args>...>;
      // (No malloc per thread: rt::thread_state_allocate reuses blocks.)
      constexpr bool pooled = alignof(state) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__;
      void* mem = pooled ? rt::thread_state_allocate(sizeof(state))
                         : ::operator new (sizeof(state), std::align_val_t{alignof(state)});
      auto release = [](void* p) noexcept {
        if constexpr (pooled)
          rt::thread_state_free(p, sizeof(state));
        else
          ::operator delete (p, std::align_val_t{alignof(state)});
      };
      state* s;
      try {
        s = ::new (mem) state(std::forward<F>(f), std::forward<Args>(args)...);
      } catch (...) {
        release(mem);
        throw;
      }
      tid_ = rt::spawn_thread(
          [](void* p) {
            std::apply([](auto& fn, auto&... a) { fn(a...); }, *static_cast<state*>(p));
          },
          s,
          [](void* p) {
            static_cast<state*>(p)->~state();
            decltype(release){}(p);
          },
          source_loc{nullptr, 0});
    }
    thread(thread&& o) noexcept;
    thread& operator=(thread&& o) noexcept;
    ~thread();
    bool joinable(source_loc loc = source_loc::current()) const noexcept {
      rt::var_read(s_, loc);
      return tid_ >= 0;
    }
    void join(source_loc loc = source_loc::current()) {
      rt::var_write(s_, loc);
      if (tid_ < 0)
        report_failure(failure_kind::misuse, "join() of a thread that is not joinable", loc);
      rt::join_thread(std::exchange(tid_, -1), loc);
    }
    thread_id get_id(source_loc loc = source_loc::current()) const noexcept {
      rt::var_read(s_, loc);
      return thread_id{tid_};
    }
    // The thread runs on without a handle. The rule under the checker: an execution ends
    // when every simulated thread has finished, detached ones included, so a detached
    // thread is always run to completion (a detached thread that can never finish is a
    // deadlock, and its failures are the execution's). It must only use objects that
    // outlive it (static or heap ones), as in production.
    void detach(source_loc loc = source_loc::current()) {
      rt::var_write(s_, loc);
      if (tid_ < 0)
        report_failure(failure_kind::misuse, "detach() of a thread that is not joinable", loc);
      rt::forget_thread(std::exchange(tid_, -1));
    }
    // A fixed 4 (the same in every execution and replay; small enough to explore).
    static unsigned hardware_concurrency() noexcept { return 4; }

   private:
    void created(const void* pc) noexcept;  // the construction: the handle's first write
    int tid_ = -1;
    mutable rt::var_state s_;
  };
  class stop_token;  // lockstep/rt/model_stop.hpp
  class stop_source;
  template <class Callback>
  class stop_callback;
  class jthread;

  struct this_thread {
    static void yield(source_loc loc = source_loc::current()) {
      rt::point({rt::op::yield, nullptr, loc});
      rt::weak_yield();
    }
    static thread_id get_id() noexcept { return thread_id{rt::current_thread()}; }
    template <class Rep, class Period>
    static void sleep_for(std::chrono::duration<Rep, Period> d,
                          source_loc loc = source_loc::current()) {
      sleep_until_ns(rt::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(),
                     loc);
    }
    template <class Duration>
    static void sleep_until(std::chrono::time_point<clock, Duration> t,
                            source_loc loc = source_loc::current()) {
      sleep_until_ns(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(), loc);
    }
    static void sleep_until_ns(std::int64_t deadline, source_loc loc);
  };

  // A spin-wait hint: in the model, a yield (see the header comment) that also marks the back
  // edge of a spin loop (the graph engine cuts spin iterations that see nothing new).
  static void spin_pause(source_loc loc = source_loc::current()) {
    rt::point_desc d{rt::op::yield, nullptr, loc};
    d.spin = true;
    rt::point(d);
    rt::weak_yield();
  }

  // Marks the head of a retry loop whose iterations start afresh from shared memory: every
  // local the loop body uses is recomputed from loads in the iteration (or is the expected
  // value a failed CAS of the last iteration returned), as in a CAS loop of a lock-free
  // structure. The graph engine then cuts an iteration that wrote nothing when the loop comes
  // back here (GenMC's spin-assume, which a compiler pass finds): an iteration that reads
  // newer writes is another graph, explored on its own. Not for loops that count their
  // iterations or keep other state across them (those need the iterations explored); no
  // event and no scheduling point, nothing under the other engines (std_platform: a no-op).
  static void loop_head(source_loc loc = source_loc::current()) noexcept { rt::loop_head(loc); }

  // ---------------------------------------------------------------- plain shared data
  template <class T>
  class var {
   public:
    // Not explicit: `std::array<P::var<int>, 4> a{};` value-initialises every element.
    // Not inlined: the return address names the declaration's line (rt/located.hpp).
    [[gnu::noinline]] var() : v_() { init(__builtin_return_address(0)); }
    template <class... A>
    [[gnu::noinline]] explicit var(A&&... a) requires(sizeof...(A) > 0)
        : v_(std::forward<A>(a)...) {
      init(__builtin_return_address(0));
    }
    var(const var&) = delete;
    // lockstep::name (lockstep/name.hpp): "balance (var#3)" in traces and race reports.
    void set_name(const char* label) noexcept { s_.label = label; }
    // Later accesses (through a dangling reference) are a misuse verdict naming the var.
    ~var() { rt::var_destroyed(s_, rt::caller_pc()); }

    T get(source_loc loc = source_loc::current()) const {
      fresh();
      rt::var_read(s_, loc);
      if (rt::tracing()) rt::trace_note(rt::value_text(v_));
      return v_;
    }
    const T& cref(source_loc loc = source_loc::current()) const {
      fresh();
      rt::var_read(s_, loc);
      if (rt::tracing()) rt::trace_note(rt::value_text(v_));
      return v_;
    }
    T& ref(source_loc loc = source_loc::current()) {
      fresh();
      rt::var_write(s_, loc);
      return v_;
    }
    void set(T v, source_loc loc = source_loc::current()) {
      fresh();
      rt::var_write(s_, loc);
      v_ = std::move(v);
      if (rt::tracing()) rt::trace_note(rt::value_text(v_));
    }
    // Operators name the user's line too: a read through the conversion by its return
    // address (not inlined), writes by the location of the converted operand.
    [[gnu::noinline]] operator T() const {
      return get(rt::caller_location(__builtin_return_address(0), source_loc::current()));
    }
    var& operator=(rt::located<T> v) {
      set(std::move(v.value), v.loc);
      return *this;
    }
    // `a = b` reads b and writes a (the copy of a var's value, not of the var).
    [[gnu::noinline]] var& operator=(const var& o) {
      const source_loc loc =
          rt::caller_location(__builtin_return_address(0), source_loc::current());
      set(o.get(loc), loc);
      return *this;
    }
    var& operator+=(rt::located<T> d) {
      update(d.loc, [&](T& v) { v += d.value; });
      return *this;
    }
    var& operator-=(rt::located<T> d) {
      update(d.loc, [&](T& v) { v -= d.value; });
      return *this;
    }

   private:
    // A read-modify-write of the value: checked as a write (it conflicts with every access).
    template <class F>
    void update(source_loc loc, F&& f) {
      fresh();
      rt::var_write(s_, loc);
      f(v_);
      if (rt::tracing()) rt::trace_note(rt::value_text(v_));
    }
    void init(const void* declared_by) {
      s_.declared = rt::caller_location(declared_by, source_loc::current());
      s_.id = rt::new_var_id(s_.declared);
      s_.created_pc = declared_by;
      rt::var_init(s_);
      // Constructed outside an execution (namespace scope): every execution starts from this
      // value (if T is trivially copyable: is_copy_constructible is true of containers whose
      // elements cannot be copied) and gives the var an id of its own on first use.
      if constexpr (std::is_trivially_copyable_v<T>)
        if (!rt::in_execution()) init_ = std::make_unique<T>(v_);
    }
    void fresh() const {
      if constexpr (std::is_trivially_copyable_v<T>) {
        if (s_.life != rt::kLive || !init_ || s_.execution == rt::execution_serial()) return;
        const_cast<var*>(this)->v_ = *init_;
        s_.id = rt::new_var_id(source_loc::current());
      }
    }
    T v_;
    mutable rt::var_state s_;
    std::unique_ptr<T> init_;  // static vars: the value each execution starts from
  };

  // ---------------------------------------------------------------- the model heap
  // lockstep/rt/model_heap.hpp: tracked blocks (double free, bad free, leaks, use after free
  // through model objects), LIFO reuse of freed blocks per thread (ABA becomes reachable).
  template <class T>
  class allocator;  // std-conforming: std::vector<T, P::allocator<T>>
  template <class T, class... A>
  static T* new_object(A&&... a);  // `new T(a...)`
  template <class T>
  static void delete_object(T* p) noexcept;  // `delete p`
  template <class T>
  struct deleter {
    void operator()(T* p) const noexcept;
  };
  template <class T>
  using unique_ptr = std::unique_ptr<T, deleter<T>>;
  template <class T, class... A>
  static unique_ptr<T> make_unique(A&&... a);

  // ---------------------------------------------------------------- thread-local storage
  // One T per (object, thread), created on first use by T's default constructor.
  template <class T>
  class thread_local_var {
   public:
    thread_local_var() : key_(next_key()) {}
    thread_local_var(const thread_local_var&) = delete;
    thread_local_var& operator=(const thread_local_var&) = delete;
    T& get() {
      if (void* p = rt::tls_get(key_)) return *static_cast<T*>(p);
      auto* t = new T();
      rt::tls_set(key_, t, [](void* q) { delete static_cast<T*>(q); });
      return *t;
    }

   private:
    static std::uint32_t next_key();
    std::uint32_t key_;
  };
};

template <class T>
std::uint32_t model_platform::thread_local_var<T>::next_key() {
  // Keys only need to be distinct among live objects of one execution; a process-wide
  // counter is simplest. It is not part of any trace.
  static std::atomic<std::uint32_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed) + (1u << 20);
}

}  // namespace lockstep

#include "lockstep/rt/model_heap.hpp"
#include "lockstep/rt/model_sync.hpp"
// (after model_sync.hpp: built on its mutex and condition variable)
#include "lockstep/rt/model_atomic_ref.hpp"
#include "lockstep/rt/model_latch.hpp"
#include "lockstep/rt/model_once.hpp"
#include "lockstep/rt/model_stop.hpp"
