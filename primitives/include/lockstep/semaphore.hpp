// lockstep/semaphore.hpp — a counting semaphore on a futex word.
//
// Guarantees
//   * Conservation: the number of units taken (acquire/try_acquire* returning true) never
//     exceeds the initial count plus the units released so far; with release() called only
//     by holders, at most `initial` threads hold a unit at once.
//   * release(n) may be called from any thread (not only an acquirer); it happens-before
//     the acquisitions it enables.
//   * acquire() blocks; try_acquire() never blocks; try_acquire_for/until give up at the
//     deadline (P::clock) and then return false without taking a unit.
//   * No lost wake-up: release(n) wakes up to n sleeping acquirers (all of them if n > 1).
//   * No FIFO fairness among waiters.
//   * Contract: 0 <= initial and the count stays <= max() (2^31 - 1); a negative initial
//     count throws std::invalid_argument.
//
// How: one 32-bit word, the count in bits 1..31 and in bit 0 a mark: "an acquirer may sleep".
// Without contention acquire is one CAS and release one CAS. An acquirer that finds no unit
// spins a bounded number of times (not at all if the mark is set), marks the word and sleeps
// in P::atomic::wait. release() adds its units and clears the mark in the same CAS, and
// notifies only if the mark was set. The mark is cleared with a notify, so the woken thread
// takes over for every sleeper that lost it: it takes a unit and sets the mark again (others
// may still sleep), or passes the wake on (clears it, notifies one) if units are left, or
// marks the word and sleeps again. So while the woken thread has not run yet, releases need no
// notify (as in a futex mutex, Drepper's mutex3); timed acquisitions poll
// (lockstep/detail/futex_wait.hpp).
//
// Usage
//   lockstep::Semaphore<> slots(4);
//   slots.acquire(); ... slots.release();
//   if (slots.try_acquire_for(std::chrono::milliseconds(5))) { ...; slots.release(); }
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Semaphore {
 public:
  static constexpr std::int64_t max() noexcept { return 0x7fffffff; }
  explicit Semaphore(std::int64_t initial = 0) : state_(checked(initial) << 1) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  void acquire() {
    std::uint32_t c = state_.load(std::memory_order_relaxed);
    // Fast path, then a bounded spin while nobody sleeps (with sleepers a unit is unlikely to
    // come soon, and a spinner takes CPU time from the holders when threads outnumber cores).
    for (int i = 0;; ++i) {
      if (take(c)) return;
      if (i >= detail::spin_limit<P>() || (c & kMark)) break;
      P::spin_pause();
      c = state_.load(std::memory_order_relaxed);
    }
    bool woken = false;  // a wake-up may have cleared the mark for other sleepers too
    for (;;) {
      if (c >= kOne) {
        const bool more = c >= 2 * kOne;
        // Woken (we may stand for sleepers whose mark a release cleared): units left, pass
        // a wake on; none left, mark the word for them. Not woken: leave the mark alone.
        const std::uint32_t next =
            !woken ? c - kOne : (more ? (c - kOne) & ~kMark : (c - kOne) | kMark);
        if (state_.compare_exchange_weak(c, next, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          if (more && woken) state_.notify_one();
          return;
        }
        continue;
      }
      if (!(c & kMark) && !state_.compare_exchange_weak(c, c | kMark, std::memory_order_relaxed,
                                                        std::memory_order_relaxed))
        continue;
      state_.wait(c | kMark, std::memory_order_relaxed);
      woken = true;
      c = state_.load(std::memory_order_relaxed);
    }
  }
  bool try_acquire() {
    std::uint32_t c = state_.load(std::memory_order_relaxed);
    return take(c);
  }
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> d) {
    return try_acquire_until(P::clock::now() + d);
  }
  template <class Duration>
  bool try_acquire_until(std::chrono::time_point<typename P::clock, Duration> deadline) {
    return detail::poll_until<P>(deadline, [this] { return try_acquire(); });
  }
  void release(std::int64_t n = 1) {
    if (n <= 0) return;
    const std::uint32_t add = static_cast<std::uint32_t>(n) << 1;
    std::uint32_t c = state_.load(std::memory_order_relaxed);
    while (!state_.compare_exchange_weak(c, (c + add) & ~kMark, std::memory_order_release,
                                         std::memory_order_relaxed)) {
    }
    if (!(c & kMark)) return;
    // n units can satisfy up to n waiters.
    if (n == 1) {
      state_.notify_one();
    } else {
      state_.notify_all();
    }
  }
  std::int64_t available() const { return state_.load(std::memory_order_relaxed) >> 1; }

 private:
  static constexpr std::uint32_t kMark = 1, kOne = 2;
  static std::uint32_t checked(std::int64_t initial) {
    if (initial < 0 || initial > max())
      throw std::invalid_argument("Semaphore: initial count outside [0, max()]");
    return static_cast<std::uint32_t>(initial);
  }
  // One unit if there is one (the mark is left as it is); c is updated to the value seen.
  bool take(std::uint32_t& c) {
    while (c >= kOne) {
      if (state_.compare_exchange_weak(c, c - kOne, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return true;
    }
    return false;
  }
  typename P::template atomic<std::uint32_t> state_;  // count << 1 | mark
};

}  // namespace lockstep
