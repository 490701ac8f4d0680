// lockstep/future.hpp — a shared future with cancellation and completion callbacks, in the
// style of Python's concurrent.futures.Future (the reference for its semantics).
//
// Guarantees
//   * A future moves pending -> running -> finished, or pending -> cancelled; nothing else.
//     cancel() succeeds only while the future is pending (the task has not started): a
//     cancelled task never runs, and a running or finished one cannot be cancelled.
//   * Completion (a value, an exception or the cancellation) happens-before every return
//     of result(), exception(), wait*() and done()==true that observes it.
//   * result() blocks until done; it returns the value, rethrows the task's exception
//     (the same std::exception_ptr, so the caller sees the original exception object), or
//     throws future_cancelled. result_for(d) throws future_timeout if not done within d
//     (P::clock, so virtual time under the checker); a completion that lands while the
//     timed-out waiter reacquires the lock still counts (never a timeout before d).
//   * add_done_callback(f) runs f(future) exactly once: immediately in the calling thread
//     if the future is already done, otherwise in the thread that completes it (a pool
//     worker for set_result/set_exception, the canceller for cancel()), after the state is
//     published and outside the lock, in registration order. A callback that throws has its
//     exception caught and discarded (Python logs and ignores it).
//   * Future is a cheap, copyable handle (a shared_ptr to the state); all copies observe the
//     same state. A default-constructed Future is !valid() and must not be used.
//
// Differences from Python
//   * result()/exception() without a timeout block forever; the timed forms are separate
//     functions (result_for, exception_for, wait_for) and throw future_timeout (Python:
//     TimeoutError). result() returns a const reference into the shared state, valid while
//     any copy of the future lives (like std::shared_future::get).
//   * The producer side (detail::future_state: set_running_or_notify_cancel, set_result,
//     set_exception) is internal; ThreadPool drives it.
//
// Usage
//   lockstep::ThreadPool<> pool(4);
//   lockstep::Future<int> f = pool.submit([] { return 6 * 7; });
//   f.add_done_callback([](const lockstep::Future<int>& g) { log(g.result()); });
//   int v = f.result();          // 42, or rethrows what the task threw
//   if (f.cancel()) { ... }      // only while still queued
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "lockstep/std_platform.hpp"

namespace lockstep {

// Thrown by result()/exception() of a cancelled future (Python: CancelledError).
struct future_cancelled : std::runtime_error {
  future_cancelled() : std::runtime_error("future cancelled") {}
};
// Thrown by the timed accessors when the future is not done in time (Python: TimeoutError).
struct future_timeout : std::runtime_error {
  future_timeout() : std::runtime_error("future not done before the timeout") {}
};

template <class T, class P = std_platform>
class Future;

namespace detail {

struct future_unit {};  // the stored "value" of a Future<void>

enum class future_phase : std::uint8_t { pending, running, finished, cancelled };

// The state shared by a future's copies and its producer. Every field is guarded by m_; the
// value and exception are written once, before the phase becomes finished, and only read
// after a reader has seen `finished` under the lock (so reading them later without the lock
// is ordered by that lock acquisition).
template <class T, class P>
class future_state {
 public:
  using value_type = std::conditional_t<std::is_void_v<T>, future_unit, T>;
  using callback = std::function<void(const Future<T, P>&)>;

  // Worker side, before running the task: false if the future was cancelled (skip the task),
  // else marks it running, after which cancel() fails. Python's method of the same name.
  bool set_running_or_notify_cancel() {
    std::lock_guard<typename P::mutex> g(m_);
    if (phase_.get() == future_phase::cancelled) return false;
    phase_ = future_phase::running;
    return true;
  }

  template <class... A>
  void set_result(const std::shared_ptr<future_state>& self, A&&... v) {
    std::vector<callback> cbs;
    {
      std::lock_guard<typename P::mutex> g(m_);
      value_.ref().emplace(std::forward<A>(v)...);
      cbs = finish_locked(future_phase::finished);
    }
    run_callbacks(self, cbs);
  }

  void set_exception(const std::shared_ptr<future_state>& self, std::exception_ptr e) {
    std::vector<callback> cbs;
    {
      std::lock_guard<typename P::mutex> g(m_);
      exception_ = std::move(e);
      cbs = finish_locked(future_phase::finished);
    }
    run_callbacks(self, cbs);
  }

  bool cancel(const std::shared_ptr<future_state>& self) {
    std::vector<callback> cbs;
    {
      std::lock_guard<typename P::mutex> g(m_);
      future_phase ph = phase_.get();
      if (ph == future_phase::cancelled) return true;  // idempotent, as in Python
      if (ph != future_phase::pending) return false;   // running or finished: too late
      cbs = finish_locked(future_phase::cancelled);
    }
    run_callbacks(self, cbs);
    return true;
  }

  future_phase phase() const {
    std::lock_guard<typename P::mutex> g(m_);
    return phase_.get();
  }

  void wait() const {
    std::unique_lock<typename P::mutex> g(m_);
    // while, not if: spurious wake-ups.
    while (!done_locked()) cv_.wait(g);
  }

  template <class Duration>
  bool wait_until(std::chrono::time_point<typename P::clock, Duration> deadline) const {
    std::unique_lock<typename P::mutex> g(m_);
    while (!done_locked()) {
      // On timeout look once more: completion may have raced with the timeout.
      if (cv_.wait_until(g, deadline) == std::cv_status::timeout) return done_locked();
    }
    return true;
  }

  // Only after wait() returned (the phase is final and was observed under the lock).
  const value_type& value_after_done() const {
    if (phase_.get() == future_phase::cancelled) throw future_cancelled();
    if (exception_.cref()) std::rethrow_exception(exception_.get());
    return *value_.cref();
  }
  std::exception_ptr exception_after_done() const {
    if (phase_.get() == future_phase::cancelled) throw future_cancelled();
    return exception_.get();
  }

  // Registers f, or runs it now if the future is already done. The check and the
  // registration are one critical section with finish_locked's hand-off of the list, so a
  // callback is never registered into a list that has already been taken (lost) nor run by
  // both sides (twice).
  void add_done_callback(const std::shared_ptr<future_state>& self, callback f) {
    {
      std::lock_guard<typename P::mutex> g(m_);
      if (!done_locked()) {
        callbacks_.ref().push_back(std::move(f));
        return;
      }
    }
    invoke(self, f);
  }

 private:
  bool done_locked() const {
    future_phase ph = phase_.get();
    return ph == future_phase::finished || ph == future_phase::cancelled;
  }

  // Publishes the final phase, wakes every waiter and takes the callbacks out to be run
  // after the lock is released (a callback may use this future: result(), or even
  // add_done_callback, which then runs at once).
  std::vector<callback> finish_locked(future_phase final_phase) {
    phase_ = final_phase;
    cv_.notify_all();
    return std::exchange(callbacks_.ref(), {});
  }

  static void run_callbacks(const std::shared_ptr<future_state>& self, std::vector<callback>& cbs) {
    for (auto& f : cbs) invoke(self, f);
  }
  static void invoke(const std::shared_ptr<future_state>& self, callback& f);

  mutable typename P::mutex m_;
  mutable typename P::condition_variable cv_;
  typename P::template var<future_phase> phase_{future_phase::pending};
  typename P::template var<std::optional<value_type>> value_;
  typename P::template var<std::exception_ptr> exception_;
  typename P::template var<std::vector<callback>> callbacks_;
};

}  // namespace detail

template <class T, class P>
class Future {
 public:
  using state_type = detail::future_state<T, P>;

  Future() = default;
  // Internal: the producer (ThreadPool) creates the state and hands out futures on it.
  explicit Future(std::shared_ptr<state_type> s) : s_(std::move(s)) {}

  bool valid() const noexcept { return s_ != nullptr; }

  // Python: cancel(). True if the future is now cancelled (also if it already was); false if
  // the task is running or finished.
  bool cancel() const { return s_->cancel(s_); }
  bool cancelled() const { return s_->phase() == detail::future_phase::cancelled; }
  bool running() const { return s_->phase() == detail::future_phase::running; }
  bool done() const {
    auto ph = s_->phase();
    return ph == detail::future_phase::finished || ph == detail::future_phase::cancelled;
  }

  void wait() const { s_->wait(); }
  template <class Rep, class Period>
  std::future_status wait_for(std::chrono::duration<Rep, Period> d) const {
    return s_->wait_until(P::clock::now() + d) ? std::future_status::ready
                                               : std::future_status::timeout;
  }

  // The value; rethrows the task's exception; throws future_cancelled.
  decltype(auto) result() const {
    s_->wait();
    return value_ref();
  }
  decltype(auto) get() const { return result(); }  // std::future spelling
  template <class Rep, class Period>
  decltype(auto) result_for(std::chrono::duration<Rep, Period> d) const {
    if (!s_->wait_until(P::clock::now() + d)) throw future_timeout();
    return value_ref();
  }

  // The task's exception (null if it returned normally); throws future_cancelled.
  std::exception_ptr exception() const {
    s_->wait();
    return s_->exception_after_done();
  }
  template <class Rep, class Period>
  std::exception_ptr exception_for(std::chrono::duration<Rep, Period> d) const {
    if (!s_->wait_until(P::clock::now() + d)) throw future_timeout();
    return s_->exception_after_done();
  }

  // f(const Future&) runs exactly once when the future is done (see the header comment for
  // which thread runs it).
  template <class F>
  void add_done_callback(F&& f) const {
    s_->add_done_callback(s_, typename state_type::callback(std::forward<F>(f)));
  }

  // Two futures are equal when they share one state.
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.s_ == b.s_; }

 private:
  decltype(auto) value_ref() const {
    if constexpr (std::is_void_v<T>) {
      (void)s_->value_after_done();
    } else {
      return static_cast<const T&>(s_->value_after_done());
    }
  }

  std::shared_ptr<state_type> s_;
};

template <class T, class P>
void detail::future_state<T, P>::invoke(const std::shared_ptr<future_state>& self, callback& f) {
  try {
    f(Future<T, P>(self));
  } catch (...) {
    // Discarded, as Python does: the completing thread (often a pool worker) has no caller
    // to report to, and one bad callback must not stop the others.
  }
}

}  // namespace lockstep
