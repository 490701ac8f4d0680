// lockstep/latch.hpp — a single-use countdown latch (like std::latch), on a futex word.
//
// Guarantees
//   * wait() returns only once the counter has reached zero; every count_down() happens-
//     before the return of every wait() (and try_wait() == true).
//   * The counter never goes below zero: counting down past zero throws std::logic_error
//     (and leaves the counter unchanged).
//   * Single use: once zero it stays zero.
//   * No lost wake-up: the count_down() that reaches zero wakes every sleeping waiter.
//   * Contract: 0 <= count <= 2^31 - 1, else the constructor throws std::invalid_argument.
//
// How: one 32-bit word, the count in bits 1..31 and bit 0 set by a waiter that may sleep.
// count_down() is one CAS (acq_rel, so the zero store heads a release sequence of every
// count-down) and notifies all only if it reached zero with the sleeper bit set; try_wait()
// is one acquire load. A waiter spins a bounded number of times, sets the bit and sleeps in
// P::atomic::wait until the word changes.
//
// Usage
//   lockstep::Latch<> done(workers);
//   worker: work(); done.count_down();
//   main:   done.wait();
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Latch {
 public:
  explicit Latch(std::int64_t count) : state_(checked(count)) {}
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;

  void count_down(std::int64_t n = 1) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
      if (n < 0 || n > static_cast<std::int64_t>(s >> 1))
        throw std::logic_error("Latch counted down past zero");
      next = s - (static_cast<std::uint32_t>(n) << 1);
    } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel,
                                           std::memory_order_relaxed));
    if (next == kSleeperBit) state_.notify_all();  // count 0, and someone may sleep
  }
  bool try_wait() const { return (state_.load(std::memory_order_acquire) >> 1) == 0; }
  void wait() {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    for (int i = 0; i < detail::spin_limit<P>() && (s >> 1) != 0; ++i) {
      P::spin_pause();
      s = state_.load(std::memory_order_acquire);
    }
    while ((s >> 1) != 0) {
      if (!(s & kSleeperBit) &&
          !state_.compare_exchange_strong(s, s | kSleeperBit, std::memory_order_acquire,
                                          std::memory_order_acquire))
        continue;
      state_.wait(s | kSleeperBit, std::memory_order_acquire);
      s = state_.load(std::memory_order_acquire);
    }
  }
  void arrive_and_wait(std::int64_t n = 1) {
    count_down(n);
    wait();
  }

 private:
  static constexpr std::uint32_t kSleeperBit = 1;
  static std::uint32_t checked(std::int64_t count) {
    if (count < 0 || count > 0x7fffffff) throw std::invalid_argument("Latch count out of range");
    return static_cast<std::uint32_t>(count) << 1;
  }
  typename P::template atomic<std::uint32_t> state_;
};

}  // namespace lockstep
