// lockstep/event.hpp — a manual-reset event, like Python's threading.Event.
//
// Guarantees
//   * set() wakes every waiter; the flag stays set (later waits return at once) until
//     clear(). set() happens-before the return of every wait() that observes it.
//   * wait() returns only when the flag is set (never on a spurious wake-up);
//     wait_for/wait_until return the flag: false means the deadline (P::clock) passed
//     while it was clear.
//
// Usage
//   lockstep::Event<> ready;
//   producer: prepare(); ready.set();
//   consumer: ready.wait(); use();
#pragma once

#include <chrono>
#include <mutex>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void set() {
    {
      std::lock_guard<typename P::mutex> g(m_);
      flag_ = true;
    }
    cv_.notify_all();
  }
  void clear() {
    std::lock_guard<typename P::mutex> g(m_);
    flag_ = false;
  }
  bool is_set() const {
    std::lock_guard<typename P::mutex> g(m_);
    return flag_.get();
  }
  void wait() {
    std::unique_lock<typename P::mutex> g(m_);
    while (!flag_.get()) cv_.wait(g);  // loop: spurious wake-ups
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    return wait_until(P::clock::now() + d);
  }
  template <class Duration>
  bool wait_until(std::chrono::time_point<typename P::clock, Duration> deadline) {
    std::unique_lock<typename P::mutex> g(m_);
    while (!flag_.get()) {
      if (cv_.wait_until(g, deadline) == std::cv_status::timeout) return flag_.get();
    }
    return true;
  }

 private:
  mutable typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<bool> flag_{false};
};

}  // namespace lockstep
