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
// How: the count is a 32-bit atomic (acquire: one CAS; release: one fetch_add) and a second
// word in the same cache line counts sleeping acquirers. An acquirer that finds no unit spins
// a bounded number of times (not at all if others sleep already), then registers (waiters += 1),
// re-checks the count and sleeps in P::atomic::wait on the count; release() notifies only if it
// sees a registered waiter. Both sides use seq_cst (a store-then-load handshake: either the
// releaser sees the waiter or the waiter sees the unit). Timed acquisitions poll:
// lockstep/detail/futex_wait.hpp.
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
  explicit Semaphore(std::int64_t initial = 0) : count_(checked(initial)) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  void acquire() {
    if (try_acquire()) return;
    // Spin only while nobody sleeps: with sleepers queued a unit is unlikely to come soon,
    // and a spinner takes CPU time from the holders when threads outnumber cores.
    for (int i = 0; i < detail::spin_limit<P>() && waiters_.load(std::memory_order_relaxed) == 0;
         ++i) {
      P::spin_pause();
      if (try_acquire()) return;
    }
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    for (;;) {
      std::uint32_t c = count_.load(std::memory_order_seq_cst);
      while (c != 0) {
        if (count_.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          waiters_.fetch_sub(1, std::memory_order_relaxed);
          return;
        }
      }
      count_.wait(0, std::memory_order_relaxed);
    }
  }
  bool try_acquire() {
    std::uint32_t c = count_.load(std::memory_order_relaxed);
    while (c != 0) {
      if (count_.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return true;
    }
    return false;
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
    count_.fetch_add(static_cast<std::uint32_t>(n), std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) == 0) return;
    // n units can satisfy up to n waiters.
    if (n == 1) {
      count_.notify_one();
    } else {
      count_.notify_all();
    }
  }
  std::int64_t available() const { return count_.load(std::memory_order_relaxed); }

 private:
  static std::uint32_t checked(std::int64_t initial) {
    if (initial < 0 || initial > max())
      throw std::invalid_argument("Semaphore: initial count outside [0, max()]");
    return static_cast<std::uint32_t>(initial);
  }
  typename P::template atomic<std::uint32_t> count_;
  typename P::template atomic<std::uint32_t> waiters_{0u};
};

}  // namespace lockstep
