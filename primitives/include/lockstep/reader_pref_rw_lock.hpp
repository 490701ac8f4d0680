// lockstep::ReaderPrefRwLock — a reader-preferring reader-writer lock on one futex word.
//
// Guarantees
//   * A writer holds the lock alone (no reader, no other writer); any number of readers may
//     hold it together. unlock()/unlock_shared() happen-before the acquisitions they enable.
//   * Readers are preferred: a reader enters whenever no writer is inside, even if writers
//     are waiting, so a steady stream of readers can starve writers.
//   * No lost wake-up: a thread sleeping in lock()/lock_shared() is woken by the release that
//     lets it in (every sleeper is woken; those that still cannot enter sleep again).
//   * SharedLockable (lock/unlock, lock_shared/unlock_shared): use it with std::unique_lock /
//     std::shared_lock. Up to 2^30 - 1 readers may be inside at once.
//
// How: a 32-bit word: bit 0 a writer inside, bit 1 a mark set by a thread that may sleep,
// bits 2..31 the readers inside. Every acquisition is one CAS and every release one RMW
// without contention. A thread that cannot enter spins a bounded number of times, sets the
// mark and sleeps in P::atomic::wait until the word changes. A release that frees the lock
// (writer unlock, last reader out) clears the mark in its RMW and, if it was set, notifies
// all sleepers; clearing it is safe because every sleeper is woken and re-marks if needed.
//
// Usage
//   lockstep::ReaderPrefRwLock<> rw;
//   { std::shared_lock r(rw); read(); }
//   { std::unique_lock w(rw); write(); }
#pragma once

#include <lockstep/detail/futex_wait.hpp>
#include <lockstep/std_platform.hpp>

#include <atomic>
#include <cstdint>

namespace lockstep {

template <class P = std_platform>
class ReaderPrefRwLock {
 public:
  ReaderPrefRwLock() = default;
  ReaderPrefRwLock(const ReaderPrefRwLock&) = delete;
  ReaderPrefRwLock& operator=(const ReaderPrefRwLock&) = delete;

  void lock() {
    // A writer waits until nobody is inside; readers never wait for it (reader preference).
    acquire([](std::uint32_t s) { return (s & ~kMark) == 0; }, kWriter);
  }
  void unlock() {
    if (state_.fetch_and(~(kWriter | kMark), std::memory_order_release) & kMark)
      state_.notify_all();  // both readers and writers may proceed now
  }
  void lock_shared() {
    acquire([](std::uint32_t s) { return (s & kWriter) == 0; }, kReader);
  }
  void unlock_shared() {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    bool wake;
    do {
      // Only the last reader can unblock a writer: it clears the mark it will act on.
      wake = (s >> 2) == 1 && (s & kMark);
    } while (!state_.compare_exchange_weak(s, (s - kReader) & ~(wake ? kMark : 0u),
                                           std::memory_order_release, std::memory_order_relaxed));
    if (wake) state_.notify_all();
  }

 private:
  static constexpr std::uint32_t kWriter = 1, kMark = 2, kReader = 4;

  template <class CanEnter>
  void acquire(CanEnter can_enter, std::uint32_t add) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    for (int spins = 0;;) {
      if (can_enter(s)) {
        if (state_.compare_exchange_weak(s, s + add, std::memory_order_acquire,
                                         std::memory_order_relaxed))
          return;
        continue;
      }
      if (spins < detail::spin_limit<P>()) {
        ++spins;
        P::spin_pause();
        s = state_.load(std::memory_order_relaxed);
        continue;
      }
      if (!(s & kMark) && !state_.compare_exchange_weak(s, s | kMark, std::memory_order_relaxed,
                                                        std::memory_order_relaxed))
        continue;
      state_.wait(s | kMark, std::memory_order_relaxed);
      s = state_.load(std::memory_order_relaxed);
    }
  }

  typename P::template atomic<std::uint32_t> state_{0u};
};

}  // namespace lockstep
