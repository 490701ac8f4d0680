// lockstep/ticket_lock.hpp — a FIFO lock whose next-in-line waiter spins and whose other
// waiters sleep.
//
// Guarantees
//   * Mutual exclusion, with unlock() happening-before the next lock() returning.
//   * FIFO fairness: threads acquire the lock in the order in which their lock() call took
//     a ticket (the fetch_add in lock()); no thread is overtaken (bypass bound 0).
//   * Lockable (lock/try_lock/unlock). try_lock() succeeds only when nobody holds or waits
//     for the lock, so it never barges.
//   * Proportional waiting: only the waiter next in line (one ticket from the holder) spins;
//     it pause-spins for a while, then yields the CPU on every further check, and never
//     sleeps, so a hand-off to it costs no wake-up. Every waiter further back sleeps at once
//     (detail::park on a slot word of its own) and is woken by the unlock() that makes it
//     next in line. So when threads outnumber cores, at most one waiter takes CPU time from
//     the holder, and an unlock() wakes at most the one thread that needs to get ready.
//     FifoLock differs only in that its next in line also sleeps after a short spin (better
//     for long critical sections) and in its arrival hook.
//
// How: next_ hands out tickets, serving_ is the ticket that holds the lock. A waiter with
// ticket t while serving_ < t - 1 sleeps on the slot of t (lockstep/detail/turn_sleepers.hpp:
// mark the slot, re-check serving_, sleep). unlock() stores serving_ = t + 1 (seq_cst) and
// wakes the slot of t + 2, the new next in line, if it is marked. The new holder t + 1 never
// sleeps at that point: a waiter sleeps only while it is two or more tickets behind (checked
// after marking its slot), and the unlock() that made it next in line woke it.
//
// Usage
//   lockstep::TicketLock<> lock;
//   std::lock_guard g(lock);
#pragma once

#include <cstdint>

#include "lockstep/detail/turn_sleepers.hpp"
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
    std::uint32_t s = serving_.load(std::memory_order_acquire);
    for (unsigned spins = 0; s != my;) {
      if (my - s > 1) {
        s = sleepers_.sleep(serving_, my, 1);  // more than one critical section away
        continue;
      }
      if (spins < kSpinsBeforeYield) {
        ++spins;
        P::spin_pause();
      } else {
        P::this_thread::yield();
      }
      s = serving_.load(std::memory_order_acquire);
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
    // Only the holder writes serving_, so a load + store suffices (no RMW); seq_cst pairs
    // with the sleeper's mark-then-check (turn_sleepers.hpp).
    const std::uint32_t t = serving_.load(std::memory_order_relaxed) + 1;
    serving_.store(t, std::memory_order_seq_cst);
    sleepers_.wake(t + 1);  // now next in line: it spins from here on
  }

 private:
  // Under the model checker spin_pause() and yield() are the same step.
  static constexpr unsigned kSpinsBeforeYield = 128;
  typename P::template atomic<std::uint32_t> next_{0};
  typename P::template atomic<std::uint32_t> serving_{0};
  detail::TurnSleepers<P> sleepers_;  // where waiters that are not next in line sleep
};

}  // namespace lockstep
