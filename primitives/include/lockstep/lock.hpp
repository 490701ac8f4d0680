// lockstep/lock.hpp — a mutex with try_lock and timed try_lock, on one futex word.
//
// Guarantees
//   * Mutual exclusion; unlock() happens-before the next successful acquisition.
//   * try_lock() never blocks; try_lock_for(d) / try_lock_until(t) block at most until the
//     deadline on P::clock and return false (not holding the lock) if it passed.
//   * TimedLockable, so std::lock_guard / std::unique_lock (with timeouts) work.
//   * No lost wake-up: a thread sleeping in lock() is woken by the unlock() that frees it.
//   * No fairness guarantee (use FifoLock for arrival order); a releasing thread may take the
//     lock again before a woken waiter runs.
//   * Contract: unlock() only by the holder (not checked).
//
// How: a 32-bit word, 0 free, 1 held, 2 held and a waiter may sleep (Drepper, "Futexes Are
// Tricky", mutex3). lock(): one CAS 0 -> 1 without contention; otherwise spin a bounded number
// of times, then mark the word 2 (exchange) and sleep in P::atomic::wait until it changes; a
// woken thread re-acquires with exchange(2), since it cannot know whether others still sleep.
// unlock(): exchange(0); notify_one only if the word was 2. Timed waits poll (they do not
// sleep on the word): see lockstep/detail/futex_wait.hpp.
//
// Usage
//   lockstep::Lock<> lock;
//   if (lock.try_lock_for(std::chrono::milliseconds(10))) { ...; lock.unlock(); }
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  void lock() {
    std::uint32_t c = kFree;
    if (state_.compare_exchange_strong(c, kHeld, std::memory_order_acquire,
                                       std::memory_order_relaxed))
      return;
    lock_slow(c);
  }
  bool try_lock() {
    std::uint32_t c = kFree;
    return state_.compare_exchange_strong(c, kHeld, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d) {
    return try_lock_until(P::clock::now() + d);
  }
  template <class Duration>
  bool try_lock_until(std::chrono::time_point<typename P::clock, Duration> t) {
    return detail::poll_until<P>(
        t, [this] { return state_.load(std::memory_order_relaxed) == kFree && try_lock(); });
  }
  void unlock() {
    if (state_.exchange(kFree, std::memory_order_release) == kContended) state_.notify_one();
  }

 private:
  static constexpr std::uint32_t kFree = 0, kHeld = 1, kContended = 2;

  void lock_slow(std::uint32_t c) {
    // Spin while it is held without sleepers: the holder may be about to release it.
    for (int i = 0; i < detail::spin_limit<P>() && c != kContended; ++i) {
      if (c == kFree && state_.compare_exchange_strong(c, kHeld, std::memory_order_acquire,
                                                       std::memory_order_relaxed))
        return;
      P::spin_pause();
      c = state_.load(std::memory_order_relaxed);
    }
    // Announce a sleeper; exchange also acquires if the lock was free meanwhile (the word is
    // then 2 while held, which costs at most one unneeded notify).
    if (c != kContended) c = state_.exchange(kContended, std::memory_order_acquire);
    while (c != kFree) {
      state_.wait(kContended, std::memory_order_relaxed);
      c = state_.exchange(kContended, std::memory_order_acquire);
    }
  }

  typename P::template atomic<std::uint32_t> state_{kFree};
};

}  // namespace lockstep
