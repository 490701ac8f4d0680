// lockstep/detail/futex_wait.hpp — internal: the waiting policy shared by the primitives that
// sleep on a P::atomic word with wait/notify (futex in libstdc++): bounded spinning before
// sleeping, and timed waits by polling (C++20 atomics have no timed wait).
#pragma once

#include <algorithm>
#include <chrono>

namespace lockstep::detail {

// Spin iterations before a waiter sleeps: short. A spinner that sees the word free steals it
// from a holder that re-acquires at once, and the cache line then moves on every operation:
// with 128 iterations Lock<> was 1.1-2.3x std::mutex at 2-8 threads, with 16 or 0 it is at
// or below it (same run, 2 vCPUs; std::mutex does not spin at all). Under the model checker there
// is no spin phase: a spin iteration is a yield, which the search must order against every other
// thread's next write, and a few of them multiply the search many times over; the spin only retries
// what the sleeping path retries after every wake-up, and timed waits (poll_until) still exercise
// acquisition by a thread that does not sleep.
template <class P>
constexpr int spin_limit() {
  return P::is_model ? 0 : 16;
}

// One step of a waiter for a hand-off (a fair lock passing the lock or a phase to this very
// thread, which no other thread can take from it): returns false once the waiter should sleep.
// Such a waiter spins far longer than spin_limit (its spin steals nothing: nobody can barge in),
// first with P::spin_pause(), then yielding, because the releaser may be off the CPU when threads
// outnumber cores; only then it sleeps. A wake-up costs a syscall plus the scheduler's latency
// (measured 10-40 us on the loaded 2-vCPU VM), and a fair lock pays one per hand-off: with
// spin_limit's 16 pauses PhaseFairRwLock was 20-40 us per operation at 50% writes. Under the
// model checker there is no spin phase (see spin_limit).
template <class P>
bool handoff_spin(int& spins) {
  constexpr int kPauses = 128, kYields = 16;
  if (P::is_model || spins >= kPauses + kYields) return false;
  if (spins++ < kPauses) {
    P::spin_pause();
  } else {
    P::this_thread::yield();
  }
  return true;
}

// Calls try_once() until it returns true or the deadline (on P::clock) has passed: first
// spin_limit<P>() times with P::spin_pause() in between, then with sleeps of 10 µs doubling
// up to 1 ms (never past the deadline). Returns whether try_once() succeeded. A timed waiter
// does not sleep on the word, so it needs no notify (it sees a release within one backoff).
template <class P, class Duration, class Try>
bool poll_until(std::chrono::time_point<typename P::clock, Duration> deadline, Try try_once) {
  if (try_once()) return true;
  for (int i = 0; i < spin_limit<P>(); ++i) {
    P::spin_pause();
    if (try_once()) return true;
  }
  std::chrono::nanoseconds backoff = std::chrono::microseconds(10);
  for (;;) {
    const auto now = P::clock::now();
    if (now >= deadline) return false;
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
    P::this_thread::sleep_for(std::min(backoff, left));
    if (try_once()) return true;
    backoff = std::min<std::chrono::nanoseconds>(backoff * 2, std::chrono::milliseconds(1));
  }
}

}  // namespace lockstep::detail
