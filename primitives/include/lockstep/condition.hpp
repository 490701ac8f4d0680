// lockstep/condition.hpp — condition-variable helpers: a predicate wait with a deadline, and
// Condition, a mutex + condition variable bundle like Python's threading.Condition.
//
// wait_until_pred(cv, lock, deadline, pred)
//   Waits until pred() is true or the deadline (on P::clock) has passed; returns pred()'s
//   final value, evaluated under the lock. It returns false only if the deadline passed
//   with pred() false: spurious wake-ups and wake-ups for other predicates keep waiting.
//
// Condition<P>
//   * Lockable itself (lock/unlock/try_lock): the caller holds it around wait*/notify*.
//   * wait(): releases the lock, blocks until notified (or spuriously woken, as with any
//     condition variable), re-acquires. wait_for(d, pred)/wait_until(t, pred): as
//     wait_until_pred. wait(pred): until pred() holds.
//   * notify(n) wakes up to n waiters (n = 1 by default), notify_all() all of them.
//
// Usage
//   lockstep::Condition<> cond;
//   std::unique_lock g(cond);
//   if (!cond.wait_for(std::chrono::milliseconds(5), [&] { return ready; })) timed_out();
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P, class Lock, class Duration, class Pred>
bool wait_until_pred(typename P::condition_variable& cv, Lock& lock,
                     std::chrono::time_point<typename P::clock, Duration> deadline, Pred pred) {
  while (!pred()) {
    // After a timeout the predicate decides (it may have become true meanwhile).
    if (cv.wait_until(lock, deadline) == std::cv_status::timeout) return pred();
  }
  return true;
}

template <class P = std_platform>
class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  void unlock() { m_.unlock(); }

  // All wait functions require the caller to hold the Condition.
  void wait() {
    std::unique_lock<typename P::mutex> g(m_, std::adopt_lock);
    cv_.wait(g);
    g.release();  // still held: the caller's guard releases it
  }
  template <class Pred>
  void wait(Pred pred) {
    while (!pred()) wait();
  }
  template <class Duration, class Pred>
  bool wait_until(std::chrono::time_point<typename P::clock, Duration> deadline, Pred pred) {
    std::unique_lock<typename P::mutex> g(m_, std::adopt_lock);
    const bool ok = wait_until_pred<P>(cv_, g, deadline, std::move(pred));
    g.release();
    return ok;
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(std::chrono::duration<Rep, Period> d, Pred pred) {
    return wait_until(P::clock::now() + d, std::move(pred));
  }
  void notify(std::size_t n = 1) {
    for (std::size_t i = 0; i < n; ++i) cv_.notify_one();
  }
  void notify_all() { cv_.notify_all(); }

 private:
  typename P::mutex m_;
  typename P::condition_variable cv_;
};

}  // namespace lockstep
