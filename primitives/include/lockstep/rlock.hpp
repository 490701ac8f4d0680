// lockstep/rlock.hpp — a reentrant (recursive) lock, like Python's threading.RLock.
//
// Guarantees
//   * Mutual exclusion between threads; the owning thread may lock() again any number of
//     times and must unlock() as many times; the lock is released at the last unlock().
//   * The last unlock() happens-before the next owner's lock() returning.
//   * Contract: unlock() by a thread that does not own the lock is an error: it throws
//     std::logic_error (and leaves the lock unchanged). Under the model checker the escaping
//     exception is reported as failure_kind::exception.
//   * Lockable (lock/try_lock/unlock); owned_by_me() and depth() for assertions.
//   * No fairness guarantee (as Lock).
//
// How: a Lock (one futex word: one CAS to take it, one exchange to release it without
// waiters) plus the owner's id in an atomic and the depth in plain data. Only the owner writes
// the owner field while it holds the lock, so a thread that reads its own id there (relaxed)
// owns the lock; the depth is only touched by the owner. lock() tries the CAS first and reads
// the owner only if that fails (a reentry then costs one failed CAS on a line it holds).
//
// Usage
//   lockstep::RLock<> lock;
//   void f() { std::lock_guard g(lock); g2(); }   // g2 may lock `lock` again
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "lockstep/lock.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  void lock() {
    const auto me = P::this_thread::get_id();
    // Try the free lock first: one CAS, and no read of owner_ (a second cache-line transfer
    // when another thread just released it). A reentry fails the CAS on a line it holds.
    if (!m_.try_lock()) {
      if (owner_.load(std::memory_order_relaxed) == me) {
        count_ += 1;  // reentry: no waiting, the thread already owns it
        return;
      }
      m_.lock();
    }
    owner_.store(me, std::memory_order_relaxed);
    count_ = 1;
  }
  bool try_lock() {
    const auto me = P::this_thread::get_id();
    if (owner_.load(std::memory_order_relaxed) == me) {
      count_ += 1;
      return true;
    }
    if (!m_.try_lock()) return false;
    owner_.store(me, std::memory_order_relaxed);
    count_ = 1;
    return true;
  }
  void unlock() {
    if (!owned_by_me())
      throw std::logic_error("RLock::unlock() by a thread that does not own the lock");
    count_ -= 1;
    if (count_.get() == 0) {
      owner_.store(typename P::thread_id{}, std::memory_order_relaxed);
      m_.unlock();
    }
  }

  bool owned_by_me() const {
    return owner_.load(std::memory_order_relaxed) == P::this_thread::get_id();
  }
  // Recursion depth of the calling thread (0 if it does not own the lock).
  std::uint32_t depth() const { return owned_by_me() ? count_.get() : 0; }

 private:
  Lock<P> m_;
  typename P::template atomic<typename P::thread_id> owner_{typename P::thread_id{}};
  typename P::template var<std::uint32_t> count_{0u};  // touched by the owner only
};

}  // namespace lockstep
