// lockstep/barrier.hpp — a reusable barrier for a fixed number of threads, on futex words.
//
// Guarantees
//   * No thread returns from arrive_and_wait() of phase k before all n threads have called
//     it for phase k; everything a thread did before arriving happens-before every thread's
//     return from that phase.
//   * Reusable: phases follow one another; a fast thread that re-arrives for phase k+1 does
//     not confuse the waiters of phase k (they wait on the generation number, not the count).
//   * Exactly one thread per phase (the last to arrive) gets `true` (the "serial" thread).
//   * No lost wake-up: the last arrival wakes every thread sleeping in that phase.
//
// How: one 32-bit word: the generation (mod 2^16) in bits 16..31, the arrivals of the current
// phase in bits 1..15, and in bit 0 a mark set by a waiter that may sleep. Arriving is one
// acq_rel fetch_add; the last arrival starts the next phase with one exchange (count 0, next
// generation, mark cleared: nobody else can arrive before the phase ends) and notifies all
// only if the mark was set. The other arrivals spin a bounded number of times, set the mark
// (fetch_or) and sleep in P::atomic::wait until the generation moves on. generation() is a
// full 64-bit count kept beside the word. Contract: n <= 32767 (else std::invalid_argument).
//
// Usage
//   lockstep::Barrier<> b(n);
//   for (;;) { compute(); b.arrive_and_wait(); }
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Barrier {
 public:
  explicit Barrier(std::uint32_t n) : n_(n) {
    if (n == 0) throw std::invalid_argument("Barrier of 0 threads");
    if (n > kMaxThreads) throw std::invalid_argument("Barrier of more than 32767 threads");
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Returns true in exactly one thread per phase (the last arrival).
  bool arrive_and_wait() {
    std::uint32_t w = state_.fetch_add(kOneArrival, std::memory_order_acq_rel);
    const std::uint32_t gen = w & kGenMask;
    if (((w & kCountMask) >> 1) + 1 == n_) {
      generation_.fetch_add(1, std::memory_order_relaxed);
      if (state_.exchange(gen + kOneGen, std::memory_order_release) & kSleeperBit)
        state_.notify_all();
      return true;
    }
    // The phase ends when the generation moves on; the count is reused by the next phase.
    for (int i = 0; i < detail::spin_limit<P>(); ++i) {
      P::spin_pause();
      if (((w = state_.load(std::memory_order_acquire)) & kGenMask) != gen) return false;
    }
    w = state_.fetch_or(kSleeperBit, std::memory_order_acquire) | kSleeperBit;
    while ((w & kGenMask) == gen) {
      state_.wait(w, std::memory_order_acquire);
      w = state_.load(std::memory_order_acquire);
    }
    return false;
  }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  static constexpr std::uint32_t kSleeperBit = 1, kOneArrival = 2, kCountMask = 0xfffe;
  static constexpr std::uint32_t kOneGen = 0x10000, kGenMask = 0xffff0000u;
  static constexpr std::uint32_t kMaxThreads = 0x7fff;
  const std::uint32_t n_;
  typename P::template atomic<std::uint32_t> state_{0u};  // gen << 16 | arrivals << 1 | mark
  typename P::template atomic<std::uint64_t> generation_{0u};
};

}  // namespace lockstep
