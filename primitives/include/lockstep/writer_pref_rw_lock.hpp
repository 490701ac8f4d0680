// lockstep::WriterPrefRwLock — a writer-preferring reader-writer lock on one futex word.
//
// Guarantees
//   * A writer holds the lock alone (no reader, no other writer); any number of readers may
//     hold it together. unlock()/unlock_shared() happen-before the acquisitions they enable.
//   * Writer preference with bounded bypass 0 for writers: a writer's doorway is taking its
//     ticket in lock() (under the internal mutex). From then on no reader enters (new and
//     already-waiting readers wait while any writer holds or waits), and writers enter in
//     ticket order. So no thread that arrives after a writer's doorway acquires the lock
//     before that writer does; the writer only waits for the readers already inside and for
//     the writers ahead of it in the queue (writers are FIFO among themselves).
//   * The price: readers can starve. A reader waits while any writer holds or waits, so a
//     steady stream of writers keeps readers out (use PhaseFairRwLock if readers need a bound).
//   * Blocking: waiters spin a bounded number of times, then sleep on the state word
//     (P::atomic::wait); a release notifies only if a sleeper marked the word, and then all
//     sleepers (only the writer whose ticket is served, or the readers once no writer is
//     queued, get in; the others sleep again). No lost wake-up.
//   * SharedLockable (lock/try_lock/unlock, lock_shared/try_lock_shared/unlock_shared): use
//     it with std::unique_lock / std::shared_lock. try_lock() succeeds only if nobody holds
//     or waits for the lock, so it never overtakes a queued writer; try_lock_shared() fails
//     while a writer holds or waits. Up to 2^31 - 1 readers inside and 65535 writers queued.
//
// How: one 64-bit word: bit 0 a mark set by a thread that may sleep, bits 1..31 the readers
// inside, bits 32..47 the writer ticket being served, bits 48..63 the next writer ticket (a
// writer holds or waits while they differ). A reader enters with one CAS (readers + 1, if no
// writer is queued) and leaves with one; a writer takes its ticket with one fetch_add (the
// doorway: wait-free, so reader traffic cannot delay it; the field is the top of the word, so
// it wraps without a carry), then enters when its ticket is served and no reader is inside;
// unlock() serves the next ticket with one CAS. The releasing CAS clears the mark when it
// will notify.
//
// Usage
//   lockstep::WriterPrefRwLock<> rw;
//   { std::shared_lock r(rw); read(); }
//   { std::unique_lock w(rw); write(); }
//   rw.lock([&] { /* runs right after the writer's doorway (its ticket) */ });
#pragma once

#include <atomic>
#include <cstdint>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class WriterPrefRwLock {
 public:
  WriterPrefRwLock() = default;
  WriterPrefRwLock(const WriterPrefRwLock&) = delete;
  WriterPrefRwLock& operator=(const WriterPrefRwLock&) = delete;

  void lock() {
    lock([] {});
  }
  // `on_arrival` runs right after the writer took its ticket (the doorway); tests use it to
  // record the arrival order (lockstep/fairness.hpp).
  template <class F>
  void lock(F&& on_arrival) {
    // From the doorway on, next != serving: new readers wait (writer preference).
    std::uint64_t s = state_.fetch_add(kNextOne, std::memory_order_acquire);
    const std::uint64_t my = next(s);
    on_arrival();
    s += kNextOne;
    // Our turn among writers, and the readers that were inside have left.
    wait_until(s, [my](std::uint64_t v) { return serving(v) == my && readers(v) == 0; });
  }
  bool try_lock() {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    // Free and no writer queued; taking a ticket then cannot overtake anyone.
    while (readers(s) == 0 && next(s) == serving(s)) {
      if (state_.compare_exchange_weak(s, s + kNextOne, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return true;
    }
    return false;
  }
  void unlock() {
    // Hand over to the next writer if there is one (readers keep waiting: preference);
    // otherwise the waiting readers get in. Either way every sleeper re-checks.
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    while (!state_.compare_exchange_weak(s, with_serving(s, serving(s) + 1) & ~kMark,
                                         std::memory_order_release, std::memory_order_relaxed)) {
    }
    if (s & kMark) state_.notify_all();
  }

  void lock_shared() {
    lock_shared([] {});
  }
  // `on_arrival` runs when the reader starts waiting (its doorway).
  template <class F>
  void lock_shared(F&& on_arrival) {
    on_arrival();
    // Wait while any writer holds the lock or waits for it: this is what bounds a writer's
    // wait by the readers already inside.
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if (try_enter_shared(s)) return;
      wait_until(s, [](std::uint64_t v) { return next(v) == serving(v); });
    }
  }
  bool try_lock_shared() {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    return try_enter_shared(s);
  }
  void unlock_shared() {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    bool wake;
    do {
      // Only the last reader out can unblock the writer at the head of the queue.
      wake = readers(s) == 1 && (s & kMark);
    } while (!state_.compare_exchange_weak(s, (s - kReaderOne) & ~(wake ? kMark : 0),
                                           std::memory_order_release, std::memory_order_relaxed));
    if (wake) state_.notify_all();
  }

 private:
  static constexpr std::uint64_t kMark = 1, kReaderOne = 2, kReaderMask = 0xfffffffeull;
  static constexpr std::uint64_t kNextOne = 1ull << 48;
  static std::uint64_t readers(std::uint64_t s) { return (s & kReaderMask) >> 1; }
  static std::uint64_t serving(std::uint64_t s) { return (s >> 32) & 0xffff; }
  static std::uint64_t next(std::uint64_t s) { return s >> 48; }
  static std::uint64_t with_serving(std::uint64_t s, std::uint64_t n) {
    return (s & ~(0xffffull << 32)) | ((n & 0xffff) << 32);
  }

  // One CAS while no writer holds or waits; s is updated to the value seen.
  bool try_enter_shared(std::uint64_t& s) {
    while (next(s) == serving(s)) {
      if (state_.compare_exchange_weak(s, s + kReaderOne, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return true;
    }
    return false;
  }
  // Spins, then marks the word and sleeps, until ready(s). Every value it decides on is read
  // with acquire (the release RMW that let us in, or a later RMW of its release sequence).
  template <class Ready>
  void wait_until(std::uint64_t& s, Ready ready) {
    for (int spins = 0; !ready(s);) {
      if (spins < detail::spin_limit<P>()) {
        ++spins;
        P::spin_pause();
      } else if ((s & kMark) ||
                 state_.compare_exchange_weak(s, s | kMark, std::memory_order_acquire,
                                              std::memory_order_acquire)) {
        state_.wait(s | kMark, std::memory_order_relaxed);
      } else {
        continue;  // s holds the new value
      }
      s = state_.load(std::memory_order_acquire);
    }
  }

  typename P::template atomic<std::uint64_t> state_{0u};
};

}  // namespace lockstep
