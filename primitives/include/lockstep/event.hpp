// lockstep/event.hpp — a manual-reset event, like Python's threading.Event, on a futex word.
//
// Guarantees
//   * set() wakes every waiter; the flag stays set (later waits return at once) until
//     clear(). set() happens-before the return of every wait() that observes it.
//   * wait() returns only when the flag is set (never on a spurious wake-up);
//     wait_for/wait_until return the flag: false means the deadline (P::clock) passed
//     while it was clear.
//   * No lost wake-up: a thread sleeping in wait() is woken by the next set().
//   * A set() followed at once by clear() may leave a waiter asleep (it re-checks the flag
//     and finds it clear), as with the condition-variable Event it replaces.
//
// How: a 32-bit word, 0 clear, 1 set, 2 clear with a waiter that may sleep. set() is one
// exchange to 1 and notifies all only if the word was 2; is_set() is one load; a waiter
// marks the word 2 (CAS 0 -> 2) and sleeps in P::atomic::wait until it changes. clear() only
// resets a set flag (1 -> 0), so the sleeper mark survives it. Timed waits poll
// (lockstep/detail/futex_wait.hpp).
//
// Usage
//   lockstep::Event<> ready;
//   producer: prepare(); ready.set();
//   consumer: ready.wait(); use();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void set() {
    if (state_.exchange(kSet, std::memory_order_release) == kSleepers) state_.notify_all();
  }
  void clear() {
    std::uint32_t s = kSet;
    state_.compare_exchange_strong(s, kClear, std::memory_order_relaxed, std::memory_order_relaxed);
  }
  bool is_set() const { return state_.load(std::memory_order_acquire) == kSet; }
  void wait() {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    for (int i = 0; i < detail::spin_limit<P>() && s != kSet; ++i) {
      P::spin_pause();
      s = state_.load(std::memory_order_acquire);
    }
    while (s != kSet) {
      if (s == kClear && !state_.compare_exchange_strong(s, kSleepers, std::memory_order_acquire,
                                                         std::memory_order_acquire))
        continue;  // s now holds the current value
      state_.wait(kSleepers, std::memory_order_acquire);
      s = state_.load(std::memory_order_acquire);
    }
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    return wait_until(P::clock::now() + d);
  }
  template <class Duration>
  bool wait_until(std::chrono::time_point<typename P::clock, Duration> deadline) {
    return detail::poll_until<P>(deadline, [this] { return is_set(); });
  }

 private:
  static constexpr std::uint32_t kClear = 0, kSet = 1, kSleepers = 2;
  typename P::template atomic<std::uint32_t> state_{kClear};
};

}  // namespace lockstep
