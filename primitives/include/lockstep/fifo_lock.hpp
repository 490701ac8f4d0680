// lockstep/fifo_lock.hpp — a blocking lock that is acquired in arrival order.
//
// Guarantees
//   * Mutual exclusion; unlock() happens-before the next lock() returning.
//   * FIFO fairness: threads acquire the lock in the order in which they took a ticket (the
//     fetch_add in lock(), its doorway); no waiting thread is ever overtaken (bypass 0).
//   * No convoy of spinners: only the next thread in line spins, briefly; every other waiter
//     sleeps at once (detail::park: the futex itself on Linux), each on its own slot word.
//     unlock() wakes the thread whose turn it is and the one after it (it becomes next in line
//     and spins), each only if it sleeps. So waiters do not take CPU time from the holder when
//     threads outnumber cores, and a sleeper's wake-up overlaps the critical section before its
//     turn. Lockable (lock/try_lock/unlock).
//   * try_lock() succeeds only when nobody holds or waits for the lock, so it never barges.
//   * lock(on_arrival): on_arrival runs right after the ticket is taken; arrival hooks run one
//     at a time, in ticket order (an internal Lock is held around ticket + hook: the hooked
//     form is for tests and monitors, lock() without a hook takes no internal lock).
//
// How: next_ hands out tickets, serving_ is the ticket that holds the lock. A waiter with
// ticket t sleeps on the slot word of t (lockstep/detail/turn_sleepers.hpp: mark the slot,
// re-check serving_, sleep). unlock() stores serving_ = t + 1 and wakes the slots of t + 1
// and t + 2 if they are marked: only waiters whose tickets share that slot wake (more than
// 32 waiters share slots; they re-check and sleep again). Both sides are seq_cst: either
// unlock() sees the mark or the waiter sees its turn.
//
// Usage
//   lockstep::FifoLock<> lock;
//   { std::lock_guard g(lock); ... }
//   lock.lock([&] { /* runs right after the ticket is taken: the doorway */ });
#pragma once

#include <atomic>
#include <cstdint>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/detail/turn_sleepers.hpp"
#include "lockstep/lock.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class FifoLock {
 public:
  FifoLock() = default;
  FifoLock(const FifoLock&) = delete;
  FifoLock& operator=(const FifoLock&) = delete;

  void lock() { wait_turn(next_.fetch_add(1, std::memory_order_acquire)); }
  // `on_arrival` runs right after the ticket is taken (hooks one at a time, in ticket
  // order); tests use it to record the arrival order (lockstep/fairness.hpp).
  template <class F>
  void lock(F&& on_arrival) {
    hooks_.lock();
    const std::uint32_t my = next_.fetch_add(1, std::memory_order_acquire);
    on_arrival();
    hooks_.unlock();
    wait_turn(my);
  }
  bool try_lock() {
    // Free and nobody queued: next_ == serving_. Taking a ticket then cannot overtake anyone.
    std::uint32_t s = serving_.load(std::memory_order_acquire);
    return next_.compare_exchange_strong(s, s + 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  void unlock() {
    // Only the holder writes serving_.
    const std::uint32_t t = serving_.load(std::memory_order_relaxed) + 1;
    serving_.store(t, std::memory_order_seq_cst);
    sleepers_.wake(t);  // the new holder, if it sleeps
    // Wake the one after it too: it is next in line now, and spins while t holds the lock,
    // so its wake-up latency is hidden behind t's critical section instead of added to the
    // next hand-off.
    sleepers_.wake(t + 1);
  }

 private:
  void wait_turn(std::uint32_t my) {
    std::uint32_t s = serving_.load(std::memory_order_acquire);
    while (s != my) {
      // Only the next in line spins: the others would wait for more than one critical
      // section (unlock() wakes a sleeper when it becomes next in line).
      if (my - s == 1) {
        for (int i = 0; i < detail::spin_limit<P>() && s != my; ++i) {
          P::spin_pause();
          s = serving_.load(std::memory_order_acquire);
        }
        if (s == my) break;
      }
      s = sleepers_.sleep(serving_, my);
    }
  }

  typename P::template atomic<std::uint32_t> next_{0u};     // next ticket to hand out
  typename P::template atomic<std::uint32_t> serving_{0u};  // ticket that holds the lock
  detail::TurnSleepers<P> sleepers_;  // where waiters that are not next in line sleep
  Lock<P> hooks_;                     // serialises ticket + arrival hook in lock(on_arrival)
};

}  // namespace lockstep
