// lockstep/fifo_lock.hpp — a blocking lock that is acquired in arrival order.
//
// Guarantees
//   * Mutual exclusion; unlock() happens-before the next lock() returning.
//   * FIFO fairness: threads acquire the lock in the order in which they took a ticket
//     (under the internal mutex, inside lock()); no waiting thread is ever overtaken.
//   * Waiters block on a condition variable instead of spinning, so it suits long critical
//     sections and oversubscribed machines. Lockable (lock/try_lock/unlock).
//
// lock() takes the next ticket and waits until `serving_` reaches it; unlock() advances
// `serving_` and wakes the waiters (only the one with the next ticket proceeds).
// try_lock() succeeds only when nobody holds or waits for the lock, so it never barges.
//
// Usage
//   lockstep::FifoLock<> lock;
//   { std::lock_guard g(lock); ... }
//   lock.lock([&] { /* runs right after the ticket is taken: the doorway */ });
#pragma once

#include <cstdint>
#include <mutex>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class FifoLock {
 public:
  FifoLock() = default;
  FifoLock(const FifoLock&) = delete;
  FifoLock& operator=(const FifoLock&) = delete;

  void lock() {
    lock([] {});
  }
  // `on_arrival` runs (under the internal mutex) right after the ticket is taken; tests use
  // it to record the arrival order (lockstep/fairness.hpp).
  template <class F>
  void lock(F&& on_arrival) {
    std::unique_lock<typename P::mutex> g(m_);
    const std::uint64_t my = next_.get();
    next_ = my + 1;
    on_arrival();
    // A loop, not an if: wake-ups may be spurious, and notify_all wakes later tickets too.
    while (serving_.get() != my) cv_.wait(g);
  }
  bool try_lock() {
    std::lock_guard<typename P::mutex> g(m_);
    // Free and nobody queued: next_ == serving_. Taking a ticket then cannot overtake anyone.
    if (next_.get() != serving_.get()) return false;
    next_ = next_.get() + 1;
    return true;
  }
  void unlock() {
    {
      std::lock_guard<typename P::mutex> g(m_);
      serving_ = serving_.get() + 1;
    }
    // Every waiter checks its own ticket; only the next one proceeds. notify_all because a
    // condition variable cannot target one specific waiter.
    cv_.notify_all();
  }

 private:
  typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<std::uint64_t> next_{0};     // next ticket to hand out
  typename P::template var<std::uint64_t> serving_{0};  // ticket that holds the lock
};

}  // namespace lockstep
