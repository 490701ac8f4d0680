// lockstep/lock.hpp — a mutex with try_lock and timed try_lock.
//
// Guarantees
//   * Mutual exclusion; unlock() happens-before the next successful acquisition.
//   * try_lock() never blocks; try_lock_for(d) / try_lock_until(t) block at most until the
//     deadline on P::clock and return false (not holding the lock) if it passed.
//   * TimedLockable, so std::lock_guard / std::unique_lock (with timeouts) work.
//   * No fairness guarantee (use FifoLock for arrival order).
//
// A thin layer over P::timed_mutex: with std_platform it is exactly std::timed_mutex.
//
// Usage
//   lockstep::Lock<> lock;
//   if (lock.try_lock_for(std::chrono::milliseconds(10))) { ...; lock.unlock(); }
#pragma once

#include <chrono>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> d) {
    return m_.try_lock_for(d);
  }
  template <class Duration>
  bool try_lock_until(std::chrono::time_point<typename P::clock, Duration> t) {
    return m_.try_lock_until(t);
  }
  void unlock() { m_.unlock(); }

 private:
  typename P::timed_mutex m_;
};

}  // namespace lockstep
