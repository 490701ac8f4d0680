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
//
// Built from P::mutex + P::condition_variable (owner + count), not on P::recursive_mutex,
// so waiting is a plain condition wait and the state is inspectable.
//
// Usage
//   lockstep::RLock<> lock;
//   void f() { std::lock_guard g(lock); g2(); }   // g2 may lock `lock` again
#pragma once

#include <cstdint>
#include <mutex>
#include <stdexcept>

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
    std::unique_lock<typename P::mutex> g(m_);
    if (count_.get() != 0 && owner_.get() == me) {
      count_ += 1;  // reentry: no waiting, the thread already owns it
      return;
    }
    while (count_.get() != 0) cv_.wait(g);
    owner_ = me;
    count_ = 1;
  }
  bool try_lock() {
    const auto me = P::this_thread::get_id();
    std::lock_guard<typename P::mutex> g(m_);
    if (count_.get() == 0) {
      owner_ = me;
      count_ = 1;
      return true;
    }
    if (owner_.get() != me) return false;
    count_ += 1;
    return true;
  }
  void unlock() {
    const auto me = P::this_thread::get_id();
    bool released = false;
    {
      std::lock_guard<typename P::mutex> g(m_);
      if (count_.get() == 0 || owner_.get() != me) {
        throw std::logic_error("RLock::unlock() by a thread that does not own the lock");
      }
      count_ -= 1;
      if (count_.get() == 0) {
        owner_ = typename P::thread_id{};
        released = true;
      }
    }
    // One waiter suffices: whoever wakes takes the whole lock.
    if (released) cv_.notify_one();
  }

  bool owned_by_me() const {
    std::lock_guard<typename P::mutex> g(m_);
    return count_.get() != 0 && owner_.get() == P::this_thread::get_id();
  }
  // Recursion depth of the calling thread (0 if it does not own the lock).
  std::uint32_t depth() const {
    std::lock_guard<typename P::mutex> g(m_);
    return owner_.get() == P::this_thread::get_id() ? count_.get() : 0;
  }

 private:
  mutable typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<typename P::thread_id> owner_{};
  typename P::template var<std::uint32_t> count_{0u};
};

}  // namespace lockstep
