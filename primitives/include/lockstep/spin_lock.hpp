// lockstep/spin_lock.hpp — test-and-set and test-and-test-and-set spin locks.
//
// Guarantees
//   * Mutual exclusion: between lock() returning and unlock(), no other thread's lock()
//     returns. unlock() happens-before the next successful lock() (release/acquire).
//   * No fairness: a waiting thread may be overtaken any number of times. Use TicketLock
//     when arrival order matters.
//   * Satisfies Lockable (lock/try_lock/unlock), so std::lock_guard and std::unique_lock work.
//
// SpinLock spins with exchange (every attempt writes the cache line); TTASLock spins on a
// plain load and only tries the exchange when the lock looks free, backing off
// exponentially (bounded) between attempts, which keeps the line shared while waiting.
//
// Usage
//   lockstep::TTASLock<> lock;
//   { std::lock_guard g(lock); ...critical section... }
#pragma once

#include <cstdint>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class SpinLock {
 public:
  SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) P::spin_pause();
  }
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  typename P::template atomic<bool> locked_{false};
};

template <class P = std_platform>
class TTASLock {
 public:
  // Back-off doubles from 1 to kMaxBackoff pause instructions between attempts.
  static constexpr std::uint32_t kMaxBackoff = 64;

  TTASLock() = default;
  TTASLock(const TTASLock&) = delete;
  TTASLock& operator=(const TTASLock&) = delete;

  void lock() {
    // Fast path: one exchange when the lock is free.
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    std::uint32_t backoff = 1;
    for (;;) {
      while (locked_.load(std::memory_order_relaxed)) P::spin_pause();
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      for (std::uint32_t i = 0; i < backoff; ++i) P::spin_pause();
      if (backoff < kMaxBackoff) backoff *= 2;
      if constexpr (P::is_model) backoff = 1;  // pauses are yields in the model: one suffices
    }
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  typename P::template atomic<bool> locked_{false};
};

}  // namespace lockstep
