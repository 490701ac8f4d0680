// lockstep::PhaseFairRwLock — a phase-fair reader-writer spin lock (Brandenburg & Anderson's
// PF-T, "Spin-based reader-writer synchronization for multiprocessor real-time systems",
// 2010), atomics only.
//
// Guarantees
//   * A writer holds the lock alone; any number of readers may hold it together.
//     unlock()/unlock_shared() happen-before the acquisitions they enable (release/acquire).
//   * Phase fairness: reader phases and writer phases alternate whenever both kinds wait.
//     - A reader waits for at most one writer phase: its doorway is the fetch_add on rin_ in
//       lock_shared(). If a writer phase is in progress (a writer inside, or about to enter
//       and waiting for earlier readers to leave), the reader waits until that phase ends;
//       the next writer cannot enter before it (that writer waits for every reader counted in
//       rin_). So at most one writer acquires the lock between a reader's doorway and its
//       entry, however many writers are queued.
//     - Writers are FIFO among themselves: they enter in the order of their ticket (the
//       fetch_add on win_ in lock()); no writer is overtaken by a later writer (bypass 0).
//     - A writer whose ticket is served waits only for the readers already inside (one
//       reader phase); readers arriving after it announced itself wait for it.
//   * Progress: starvation-free for readers and writers (each waits for a bounded number of
//     phases), assuming every holder eventually releases.
//   * Spinning, not blocking: waiters pause-spin, then yield the CPU (P::this_thread::yield)
//     after a short while, but never sleep. Meant for short critical sections with about as
//     many threads as cores. Up to 2^24 - 1 readers may be inside at once; counters wrap.
//   * SharedLockable (lock/try_lock/unlock, lock_shared/try_lock_shared/unlock_shared): use
//     it with std::unique_lock / std::shared_lock. try_lock() never waits: it fails if a
//     writer holds or waits or a reader is inside (and may fail when it races with another
//     arrival); a failed try_lock() leaves no trace visible to readers. try_lock_shared()
//     fails only while a writer phase is in progress.
//
// How: rin_/rout_ count reader arrivals/departures in units of kReaderInc; the low byte of
// rin_ holds the writer bits (kPresent | phase id). A reader adds to rin_ and, if writer bits
// were set, spins until they change (the writer left, or a new writer with the other phase
// id arrived: either way the phase it waited for is over). A writer takes a ticket, waits for
// its turn (wout_), sets the writer bits, and waits until rout_ catches up with the rin_ it
// saw (every earlier reader left). Unlike PF-T, the phase id is not the ticket's parity but
// flips per real writer phase, because try_lock() may give a ticket up without a phase.
//
// Usage
//   lockstep::PhaseFairRwLock<> rw;
//   { std::shared_lock r(rw); read(); }
//   { std::unique_lock w(rw); write(); }
//   rw.lock_shared([&] { /* runs right after the reader's doorway */ });
#pragma once

#include <atomic>
#include <cstdint>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class PhaseFairRwLock {
 public:
  PhaseFairRwLock() = default;
  PhaseFairRwLock(const PhaseFairRwLock&) = delete;
  PhaseFairRwLock& operator=(const PhaseFairRwLock&) = delete;

  void lock_shared() {
    lock_shared([] {});
  }
  // `on_arrival` runs right after the doorway (the fetch_add on rin_); tests use it to record
  // arrival order (lockstep/fairness.hpp).
  template <class F>
  void lock_shared(F&& on_arrival) {
    // acquire: with no writer bits we enter at once and must see the last writer's writes
    // (its fetch_and heads a release sequence that our RMW continues).
    const std::uint32_t w = rin_.fetch_add(kReaderInc, std::memory_order_acquire) & kWriterBits;
    on_arrival();
    if (w == 0) return;
    // Wait for this writer phase only: any change of the writer bits ends it. acquire pairs
    // with the writer's release fetch_and (or reads a later RMW in its release sequence).
    unsigned spins = 0;
    while ((rin_.load(std::memory_order_acquire) & kWriterBits) == w) backoff(spins);
  }
  bool try_lock_shared() {
    std::uint32_t r = rin_.load(std::memory_order_relaxed);
    // Retry only while no writer phase is in progress: a failed CAS here means another reader
    // (or a writer) changed rin_, not that we must wait.
    while ((r & kWriterBits) == 0) {
      if (rin_.compare_exchange_weak(r, r + kReaderInc, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  void unlock_shared() {
    // release: our reads happen-before the writer that waits for rout_ to reach its ticket.
    rout_.fetch_add(kReaderInc, std::memory_order_release);
  }

  void lock() {
    lock([] {});
  }
  // `on_arrival` runs right after the writer's ticket is taken (its doorway).
  template <class F>
  void lock(F&& on_arrival) {
    const std::uint32_t ticket = win_.fetch_add(1, std::memory_order_relaxed);
    on_arrival();
    // acquire: the previous writer's critical section happens-before ours.
    unsigned spins = 0;
    while (wout_.load(std::memory_order_acquire) != ticket) backoff(spins);
    // Announce the writer phase; the phase id alternates so that a reader waiting for the
    // previous writer notices its phase ended even if it never saw the bits cleared.
    const std::uint32_t rticket = rin_.fetch_add(next_phase_bits(), std::memory_order_relaxed);
    // Every reader counted before our announcement must leave; acquire pairs with their
    // release fetch_add on rout_ (a release sequence of RMWs).
    while (rout_.load(std::memory_order_acquire) != rticket) backoff(spins);
  }
  bool try_lock() {
    std::uint32_t t = wout_.load(std::memory_order_acquire);
    std::uint32_t expected = t;
    // Take a ticket only if it is served at once (no writer holds or waits).
    if (!win_.compare_exchange_strong(expected, t + 1, std::memory_order_relaxed,
                                      std::memory_order_relaxed)) {
      return false;
    }
    // We hold the writer turn. Enter only if no reader is inside: rin_ == rout_ (no writer
    // bits, every arrival departed), atomically with setting our bits.
    std::uint32_t r = rout_.load(std::memory_order_acquire);
    const std::uint32_t bits = kPresent | phase_id_.get();
    if (rin_.compare_exchange_strong(r, r | bits, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      phase_id_ = phase_id_.get() ^ kPhaseId;
      return true;
    }
    // A reader is inside: pass the turn on as an empty writer phase. The bits were never set,
    // so no reader waited for us, and the phase id is not flipped: the next real phase must
    // still differ from the previous real one (the model checker found the livelock when an
    // empty phase kept the parity of the ticket instead).
    wout_.fetch_add(1, std::memory_order_release);
    return false;
  }
  void unlock() {
    // End the writer phase: readers that arrived during it may enter (release: they see our
    // writes). Then pass the turn to the next writer.
    rin_.fetch_and(~kWriterBits, std::memory_order_release);
    wout_.fetch_add(1, std::memory_order_release);
  }

 private:
  static constexpr std::uint32_t kReaderInc = 0x100;  // one reader in rin_/rout_
  static constexpr std::uint32_t kWriterBits = 0x3;   // low bits of rin_: writer phase
  static constexpr std::uint32_t kPresent = 0x2;      // a writer holds or waits for readers
  static constexpr std::uint32_t kPhaseId = 0x1;      // alternates between writer phases

  // One wait step: pause-spin first (the hand-off is usually a few hundred cycles away), then
  // give the CPU away, because a spinning waiter must not keep a preempted holder or the next
  // writer in the FIFO off the core when threads outnumber cores (measured: without this, 4
  // threads on 2 busy vCPUs took milliseconds per operation). Under the model checker both
  // are a yield.
  static void backoff(unsigned& spins) {
    if (spins < kSpinsBeforeYield) {
      ++spins;
      P::spin_pause();
    } else {
      P::this_thread::yield();
    }
  }
  static constexpr unsigned kSpinsBeforeYield = 128;

  // Called by the writer whose turn it is: the bits announcing its phase; flips the id.
  std::uint32_t next_phase_bits() {
    const std::uint32_t id = phase_id_.get();
    phase_id_ = id ^ kPhaseId;
    return kPresent | id;
  }

  typename P::template atomic<std::uint32_t> rin_{0};   // reader arrivals | writer bits
  typename P::template atomic<std::uint32_t> rout_{0};  // reader departures
  typename P::template atomic<std::uint32_t> win_{0};   // next writer ticket
  typename P::template atomic<std::uint32_t> wout_{0};  // writer ticket being served
  // Phase id of the next real writer phase. Only the writer whose ticket is served touches
  // it, and wout_'s release/acquire hand-off orders those accesses.
  typename P::template var<std::uint32_t> phase_id_{0};
};

}  // namespace lockstep
