// lockstep/ticket_lock.hpp — a FIFO spin lock.
//
// Guarantees
//   * Mutual exclusion, with unlock() happening-before the next lock() returning.
//   * FIFO fairness: threads acquire the lock in the order in which their lock() call took
//     a ticket (the fetch_add in lock()); no thread is overtaken (bypass bound 0).
//   * Lockable (lock/try_lock/unlock).
//
// Each lock() takes a ticket and spins until `serving` reaches it; unlock() passes the lock
// to the next ticket. Waiting threads spin on one shared counter, so it suits short critical
// sections with few threads. A waiter pause-spins for a while, then yields the CPU on every
// further check: when threads outnumber cores, the holder or the next ticket may be off the
// CPU, and a waiter that keeps spinning only delays them (a convoy). For long waits or
// oversubscribed machines use FifoLock (waiters sleep) instead.
//
// Usage
//   lockstep::TicketLock<> lock;
//   std::lock_guard g(lock);
#pragma once

#include <cstdint>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class TicketLock {
 public:
  TicketLock() = default;
  TicketLock(const TicketLock&) = delete;
  TicketLock& operator=(const TicketLock&) = delete;

  // Returns the ticket taken (the arrival order), which tests use to check FIFO order.
  std::uint32_t lock() {
    const std::uint32_t my = next_.fetch_add(1, std::memory_order_relaxed);
    for (unsigned spins = 0; serving_.load(std::memory_order_acquire) != my;) {
      if (spins < kSpinsBeforeYield) {
        ++spins;
        P::spin_pause();
      } else {
        P::this_thread::yield();
      }
    }
    return my;
  }
  bool try_lock() {
    std::uint32_t s = serving_.load(std::memory_order_acquire);
    std::uint32_t n = s;
    // Take a ticket only if it would be served at once.
    return next_.compare_exchange_strong(n, s + 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  void unlock() {
    // Only the holder writes serving_, so a plain load + store suffices (no RMW).
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  // Under the model checker spin_pause() and yield() are the same step.
  static constexpr unsigned kSpinsBeforeYield = 128;
  typename P::template atomic<std::uint32_t> next_{0};
  typename P::template atomic<std::uint32_t> serving_{0};
};

}  // namespace lockstep
