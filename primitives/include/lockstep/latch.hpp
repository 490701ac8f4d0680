// lockstep/latch.hpp — a single-use countdown latch (like std::latch).
//
// Guarantees
//   * wait() returns only once the counter has reached zero; every count_down() happens-
//     before the return of every wait() (and try_wait() == true).
//   * The counter never goes below zero: counting down past zero throws std::logic_error.
//   * Single use: once zero it stays zero.
//
// Usage
//   lockstep::Latch<> done(workers);
//   worker: work(); done.count_down();
//   main:   done.wait();
#pragma once

#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Latch {
 public:
  explicit Latch(std::int64_t count) : count_(count) {
    if (count < 0) throw std::invalid_argument("Latch with a negative count");
  }
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;

  void count_down(std::int64_t n = 1) {
    bool zero = false;
    {
      std::lock_guard<typename P::mutex> g(m_);
      if (n < 0 || n > count_.get()) throw std::logic_error("Latch counted down past zero");
      count_ -= n;
      zero = count_.get() == 0;
    }
    if (zero) cv_.notify_all();
  }
  bool try_wait() const {
    std::lock_guard<typename P::mutex> g(m_);
    return count_.get() == 0;
  }
  void wait() {
    std::unique_lock<typename P::mutex> g(m_);
    while (count_.get() != 0) cv_.wait(g);
  }
  void arrive_and_wait(std::int64_t n = 1) {
    count_down(n);
    wait();
  }

 private:
  mutable typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<std::int64_t> count_;
};

}  // namespace lockstep
