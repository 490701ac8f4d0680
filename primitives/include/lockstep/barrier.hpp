// lockstep/barrier.hpp — a reusable barrier for a fixed number of threads.
//
// Guarantees
//   * No thread returns from arrive_and_wait() of phase k before all n threads have called
//     it for phase k; everything a thread did before arriving happens-before every thread's
//     return from that phase.
//   * Reusable: phases follow one another; a fast thread that re-arrives for phase k+1 does
//     not confuse the waiters of phase k (they wait on the generation number, not the count).
//   * Exactly one thread per phase (the last to arrive) gets `true` (the "serial" thread).
//
// Usage
//   lockstep::Barrier<> b(n);
//   for (;;) { compute(); b.arrive_and_wait(); }
#pragma once

#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Barrier {
 public:
  explicit Barrier(std::uint32_t n) : n_(n) {
    if (n == 0) throw std::invalid_argument("Barrier of 0 threads");
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Returns true in exactly one thread per phase (the last arrival).
  bool arrive_and_wait() {
    std::unique_lock<typename P::mutex> g(m_);
    const std::uint64_t gen = generation_.get();
    arrived_ += 1;
    if (arrived_.get() == n_) {
      arrived_ = 0;
      generation_ = gen + 1;
      g.unlock();
      cv_.notify_all();
      return true;
    }
    // The phase ends when the generation moves on; the count is reused by the next phase.
    while (generation_.get() == gen) cv_.wait(g);
    return false;
  }
  std::uint64_t generation() const {
    std::lock_guard<typename P::mutex> g(m_);
    return generation_.get();
  }

 private:
  const std::uint32_t n_;
  mutable typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<std::uint32_t> arrived_{0u};
  typename P::template var<std::uint64_t> generation_{0u};
};

}  // namespace lockstep
