// lockstep/detail/futex_wait.hpp — internal: the waiting policy shared by the primitives that
// sleep on a P::atomic word with wait/notify (futex in libstdc++): bounded spinning before
// sleeping, sleeping on a word directly with the futex for the fair locks' hand-offs
// (park/unpark_*), and timed waits by polling (C++20 atomics have no timed wait).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <type_traits>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

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
// Such a waiter spins longer than spin_limit (its spin steals nothing: nobody can barge in),
// with P::spin_pause() only, then sleeps. It never yields: under load a sched_yield() gives a
// whole time slice away to another process, and PhaseFairRwLock with 16 yields per wait spent
// 61 us per operation at 50% writes on 2 threads (203 000 involuntary context switches for
// 2 million operations, 195 voluntary). Under the model checker there is no spin phase (see
// spin_limit).
template <class P>
bool handoff_spin(int& spins) {
  constexpr int kPauses = 128;
  if (P::is_model || spins >= kPauses) return false;
  ++spins;
  P::spin_pause();
  return true;
}

#if defined(__linux__)
// Whether park()/unpark_*() call the futex directly: for lock-free std::atomic 32-bit words on
// Linux. Not for a 64-bit word through its low half: a sleeper whose condition depends on the
// high half can miss its wake-up when the low half returns to the value it slept on (a release
// clears the mark and moves the high half, another waiter marks again: WriterPrefRwLock's
// writer slept through its own turn that way, 8 threads hung in a scratch benchmark). Such a
// word stays on P::atomic::wait (libstdc++ sleeps on a proxy sequence word for it).
template <class A>
inline constexpr bool kDirectFutex =
    std::is_same_v<A, std::atomic<std::uint32_t>>&& std::atomic<std::uint32_t>::is_always_lock_free;
#else
template <class A>
inline constexpr bool kDirectFutex = false;
#endif

// Sleeps while the word `w` holds `old`; may return spuriously (re-check in a loop). Unlike
// std::atomic::wait, the futex path neither spins nor yields first (libstdc++ does 12 pauses
// and 4 sched_yield()s per wait) and keeps no process-wide waiter count: the caller has its
// own spin phase and its own sleep mark. A word slept on with park() must be woken with
// unpark_one()/unpark_all(), never with notify_*() (which would skip the futex: libstdc++
// only wakes if its own waiter count says so). Under the model checker and other platforms
// these are P::atomic's wait/notify.
template <class A>
void park(A& w, std::uint32_t old) {
  if constexpr (kDirectFutex<A>) {
#if defined(__linux__)
    syscall(SYS_futex, static_cast<void*>(&w), FUTEX_WAIT_PRIVATE, old, nullptr, nullptr, 0);
#endif
  } else {
    w.wait(old, std::memory_order_relaxed);
  }
}
template <class A>
void unpark_one(A& w) {
  if constexpr (kDirectFutex<A>) {
#if defined(__linux__)
    syscall(SYS_futex, static_cast<void*>(&w), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
#endif
  } else {
    w.notify_one();
  }
}
template <class A>
void unpark_all(A& w) {
  if constexpr (kDirectFutex<A>) {
#if defined(__linux__)
    syscall(SYS_futex, static_cast<void*>(&w), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#endif
  } else {
    w.notify_all();
  }
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
