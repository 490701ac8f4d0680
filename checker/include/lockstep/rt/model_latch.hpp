// lockstep/rt/model_latch.hpp — model_platform::latch and model_platform::barrier: std::latch
// and std::barrier under the checker (included by lockstep/model_platform.hpp).
//
//   latch                        single-use count-down; wait() until it reaches zero
//   barrier<CompletionFunction>  reusable phases; the completion step runs once per phase
//
// Both are built on model atomics and their modelled futex (atomic<T>::wait/notify_all), so
// every count-down, arrival and wake-up is a scheduling point, spurious returns of the inner
// waits are explored (the types re-check, as the std ones do), memory orders are honoured
// under memory_model::c11, and both engines explore them. A thread stuck in one is reported
// as a deadlock "waiting for a notify of latch#N" (or barrier#N).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace lockstep {

// model_platform::latch — std::latch.
//
// Guarantees: count_down(n) by every participant happens-before the return of any wait()
// (or try_wait() returning true) that sees the count at zero (release RMWs, acquire loads).
// wait() returns only once the count is zero. count_down beyond zero, or a negative
// argument, is undefined in std and a `misuse` verdict here.
// Explored: each count-down is an RMW step; a waiter compares and sleeps in one step and is
// woken by the notify_all of the count-down that reaches zero.
class model_platform::latch {
 public:
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::ptrdiff_t>::max();
  }
  explicit latch(std::ptrdiff_t expected, source_loc loc = source_loc::current())
      : count_(expected, atomic<std::ptrdiff_t>::object_kind{"latch"}, loc) {
    if (expected < 0)
      report_failure(failure_kind::misuse,
                     "latch constructed with a negative count " + std::to_string(expected), loc);
  }
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;

  void count_down(std::ptrdiff_t n = 1, source_loc loc = source_loc::current()) {
    if (n < 0)
      report_failure(failure_kind::misuse, "latch::count_down(" + std::to_string(n) + ")", loc);
    const std::ptrdiff_t old = count_.fetch_sub(n, std::memory_order_release, loc);
    if (old < n)
      report_failure(failure_kind::misuse,
                     "latch::count_down(" + std::to_string(n) + ") with only " +
                         std::to_string(old) + " left (undefined behaviour in std)",
                     loc);
    if (old == n) count_.notify_all(loc);
  }
  bool try_wait(source_loc loc = source_loc::current()) const {
    return count_.load(std::memory_order_acquire, loc) == 0;
  }
  void wait(source_loc loc = source_loc::current()) const {
    for (;;) {
      const std::ptrdiff_t c = count_.load(std::memory_order_acquire, loc);
      if (c == 0) return;
      count_.wait(c, std::memory_order_acquire, loc);
    }
  }
  void arrive_and_wait(std::ptrdiff_t n = 1, source_loc loc = source_loc::current()) {
    count_down(n, loc);
    wait(loc);
  }

  // lockstep::name (lockstep/name.hpp)
  void set_name(const char* label) noexcept { count_.set_name(label); }

 private:
  atomic<std::ptrdiff_t> count_;
};

// model_platform::barrier — std::barrier<CompletionFunction>.
//
// Guarantees, per phase: the completion function runs exactly once, in the thread whose
// arrival completes the phase (the last arriver), after every arrival of the phase and
// before any wait for the phase returns (all arrivals happen-before it, it happens-before
// those returns). Then the count is reset to the expected count, less the participants that
// called arrive_and_drop(). More arrivals in a phase than expected is a `misuse` verdict
// (undefined in std).
// Explored: an arrival is an RMW step on the phase's remaining count; waiting on an
// arrival_token sleeps on the phase number (modelled futex) until the completion step has
// moved it on.
template <class CompletionFunction>
class model_platform::barrier {
 public:
  // The phase an arrival belongs to; wait() blocks until that phase has completed.
  class arrival_token {
   public:
    arrival_token(arrival_token&&) noexcept = default;
    arrival_token& operator=(arrival_token&&) noexcept = default;

   private:
    friend class barrier;
    explicit arrival_token(std::uint32_t p) : phase_(p) {}
    std::uint32_t phase_;
  };

  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::ptrdiff_t>::max();
  }
  explicit barrier(std::ptrdiff_t expected, CompletionFunction f = CompletionFunction(),
                   source_loc loc = source_loc::current())
      : remaining_(expected, atomic<std::ptrdiff_t>::object_kind{"barrier"}, loc),
        expected_(expected, atomic<std::ptrdiff_t>::object_kind{"barrier"}, loc),
        phase_(0, atomic<std::uint32_t>::object_kind{"barrier"}, loc),
        completion_(std::move(f)) {}
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  [[nodiscard]] arrival_token arrive(std::ptrdiff_t update = 1,
                                     source_loc loc = source_loc::current()) {
    // The phase is read before arriving: it cannot move on before this arrival.
    const std::uint32_t phase = phase_.load(std::memory_order_relaxed, loc);
    const std::ptrdiff_t old = remaining_.fetch_sub(update, std::memory_order_acq_rel, loc);
    if (update <= 0 || old < update)
      report_failure(failure_kind::misuse,
                     "barrier::arrive(" + std::to_string(update) + ") with " + std::to_string(old) +
                         " arrival(s) left in the phase",
                     loc);
    if (old == update) complete(phase, loc);
    return arrival_token(phase);
  }
  void wait(arrival_token&& t, source_loc loc = source_loc::current()) const {
    while (phase_.load(std::memory_order_acquire, loc) == t.phase_)
      phase_.wait(t.phase_, std::memory_order_acquire, loc);
  }
  void arrive_and_wait(source_loc loc = source_loc::current()) { wait(arrive(1, loc), loc); }
  // Leaves the barrier: arrives in this phase and is no longer expected in later ones.
  void arrive_and_drop(source_loc loc = source_loc::current()) {
    expected_.fetch_sub(1, std::memory_order_relaxed, loc);
    (void)arrive(1, loc);
  }

  // lockstep::name (lockstep/name.hpp): the barrier's three counters carry the label.
  void set_name(const char* label) noexcept {
    remaining_.set_name(label);
    expected_.set_name(label);
    phase_.set_name(label);
  }

 private:
  void complete(std::uint32_t phase, source_loc loc) {
    completion_();
    remaining_.store(expected_.load(std::memory_order_relaxed, loc), std::memory_order_relaxed,
                     loc);
    phase_.store(phase + 1, std::memory_order_release, loc);
    phase_.notify_all(loc);
  }
  atomic<std::ptrdiff_t> remaining_;  // arrivals still missing in this phase
  atomic<std::ptrdiff_t> expected_;   // participants of the next phase
  atomic<std::uint32_t> phase_;
  CompletionFunction completion_;
};

}  // namespace lockstep
