// lockstep/semaphore.hpp — a counting semaphore built from a mutex and a condition variable.
//
// Guarantees
//   * Conservation: the number of units taken (acquire/try_acquire* returning true) never
//     exceeds the initial count plus the units released so far; with release() called only
//     by holders, at most `initial` threads hold a unit at once.
//   * release(n) may be called from any thread (not only an acquirer); it happens-before
//     the acquisitions it enables.
//   * acquire() blocks; try_acquire() never blocks; try_acquire_for/until give up at the
//     deadline (P::clock) and then return false without taking a unit.
//   * No FIFO fairness among waiters.
//
// Usage
//   lockstep::Semaphore<> slots(4);
//   slots.acquire(); ... slots.release();
//   if (slots.try_acquire_for(std::chrono::milliseconds(5))) { ...; slots.release(); }
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Semaphore {
 public:
  explicit Semaphore(std::int64_t initial = 0) : count_(initial) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  void acquire() {
    std::unique_lock<typename P::mutex> g(m_);
    // while, not if: spurious wake-ups, and another acquirer may take the unit first.
    while (count_.get() == 0) cv_.wait(g);
    count_ -= 1;
  }
  bool try_acquire() {
    std::lock_guard<typename P::mutex> g(m_);
    if (count_.get() == 0) return false;
    count_ -= 1;
    return true;
  }
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> d) {
    return try_acquire_until(P::clock::now() + d);
  }
  template <class Duration>
  bool try_acquire_until(std::chrono::time_point<typename P::clock, Duration> deadline) {
    std::unique_lock<typename P::mutex> g(m_);
    while (count_.get() == 0) {
      // On timeout check the count once more: a release may have raced with the timeout.
      if (cv_.wait_until(g, deadline) == std::cv_status::timeout && count_.get() == 0) {
        return false;
      }
    }
    count_ -= 1;
    return true;
  }
  void release(std::int64_t n = 1) {
    if (n <= 0) return;
    {
      std::lock_guard<typename P::mutex> g(m_);
      count_ += n;
    }
    // n units can satisfy up to n waiters.
    if (n == 1) {
      cv_.notify_one();
    } else {
      cv_.notify_all();
    }
  }
  std::int64_t available() const {
    std::lock_guard<typename P::mutex> g(m_);
    return count_.get();
  }

 private:
  mutable typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<std::int64_t> count_;
};

}  // namespace lockstep
