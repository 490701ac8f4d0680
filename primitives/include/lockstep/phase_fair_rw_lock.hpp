// lockstep::PhaseFairRwLock — a phase-fair reader-writer lock (Brandenburg & Anderson's
// PF-T, "Spin-based reader-writer synchronization for multiprocessor real-time systems",
// 2010) whose waiters spin briefly, then sleep on futex words.
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
//   * Blocking: a waiter spins a bounded number of pauses (detail::handoff_spin, since each
//     wait is for a hand-off to it; it never yields, which under load gives a time slice
//     away), then marks the word it waits on and sleeps on it (detail::park: the futex
//     itself on Linux, without libstdc++'s spin-and-yield in atomic::wait). A release wakes
//     only if a sleeper marked the word: every reader waiting for a writer phase sleeps on
//     the one word rin_, and the unlock() that ends the phase wakes them all with one call;
//     the writer waiting for readers to leave is woken by the last of them only; a writer
//     waiting for its turn sleeps on a slot of its own and is woken when the turn before it
//     ends (only the next writer in line spins). No lost wake-up. Uncontended,
//     lock_shared/unlock_shared are one RMW each, lock() two RMWs and two loads, unlock() two RMWs
//     and two loads. Up to 2^24 - 1 readers may be inside at once; counters wrap.
//   * SharedLockable (lock/try_lock/unlock, lock_shared/try_lock_shared/unlock_shared): use
//     it with std::unique_lock / std::shared_lock. try_lock() never waits: it fails if a
//     writer holds or waits or a reader is inside (and may fail when it races with another
//     arrival); a failed try_lock() leaves no trace visible to readers. try_lock_shared()
//     fails only while a writer phase is in progress.
//
// How: rin_/rout_ count reader arrivals/departures in units of kReaderInc; the low byte of
// rin_ holds the writer bits (kPresent | phase id) and the readers' sleep mark, the low byte
// of rout_ the writer's sleep mark. A reader adds to rin_ and, if writer bits were set, waits
// until they change (the writer left, or a new writer with the other phase id arrived:
// either way the phase it waited for is over); before sleeping it sets the readers' mark
// with a CAS that also checks the phase is still on, and unlock() clears the writer bits and
// that mark in one RMW, so a mark is never cleared without a notify. A writer takes a ticket,
// waits for its turn (wout_; sleepers in lockstep/detail/turn_sleepers.hpp), sets the writer
// bits, and waits until rout_ catches up with the rin_ it saw (every earlier reader left);
// before sleeping it stores that target in wtarget_ and marks rout_, and the departing reader
// that reaches the target notifies. Only that writer clears its mark (after waking), so no
// departure wipes it early. Unlike PF-T, the phase id is not the ticket's parity but flips
// per real writer phase, because try_lock() may give a ticket up without a phase.
//
// Usage
//   lockstep::PhaseFairRwLock<> rw;
//   { std::shared_lock r(rw); read(); }
//   { std::unique_lock w(rw); write(); }
//   rw.lock_shared([&] { /* runs right after the reader's doorway */ });
#pragma once

#include <atomic>
#include <cstdint>

#include "lockstep/detail/futex_wait.hpp"
#include "lockstep/detail/turn_sleepers.hpp"
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
    std::uint32_t r = rin_.fetch_add(kReaderInc, std::memory_order_acquire);
    const std::uint32_t w = r & kWriterBits;
    on_arrival();
    if (w == 0) return;
    // Wait for this writer phase only: any change of the writer bits ends it. acquire pairs
    // with the writer's release fetch_and (or reads a later RMW in its release sequence).
    for (int spins = 0; (r & kWriterBits) == w;) {
      if (detail::handoff_spin<P>(spins)) {
        r = rin_.load(std::memory_order_acquire);
      } else if ((r & kReadersSleep) ||
                 rin_.compare_exchange_weak(r, r | kReadersSleep, kRelaxed, kRelaxed)) {
        // Marked while the phase we wait for is on: the unlock() that ends it clears the
        // mark with the writer bits, in one RMW, and then notifies.
        detail::park(rin_, r | kReadersSleep);
        r = rin_.load(std::memory_order_acquire);
      } else if ((r & kWriterBits) != w) {
        // rin_ changed and the phase is over: take it again with acquire, from an RMW (so
        // that it is the latest value, as the failed CAS's was).
        r = rin_.fetch_or(0, std::memory_order_acquire);
      }
    }
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
    // acquire: if the writer marked rout_, we see the target it stored before marking.
    const std::uint32_t r = rout_.fetch_add(kReaderInc, std::memory_order_acq_rel);
    // Only the last reader the sleeping writer waits for wakes it. The mark stays set: the
    // writer clears it itself, so no departure can wipe it before the last one sees it.
    if ((r & kWriterSleeps) && ((r + kReaderInc) & kCountMask) == wtarget_.load(kRelaxed)) {
      detail::unpark_one(rout_);
    }
  }

  void lock() {
    lock([] {});
  }
  // `on_arrival` runs right after the writer's ticket is taken (its doorway).
  template <class F>
  void lock(F&& on_arrival) {
    const std::uint32_t ticket = win_.fetch_add(1, std::memory_order_relaxed);
    on_arrival();
    // acquire: the previous writer's critical section happens-before ours. Only the writer
    // next in line spins; the others sleep until the turn before theirs ends.
    std::uint32_t t = wout_.load(std::memory_order_acquire);
    while (t != ticket) {
      if (ticket - t == 1) {
        for (int spins = 0; t != ticket && detail::handoff_spin<P>(spins);)
          t = wout_.load(std::memory_order_acquire);
        if (t == ticket) break;
      }
      t = turns_.sleep(wout_, ticket);
    }
    // Announce the writer phase; the phase id alternates so that a reader waiting for the
    // previous writer notices its phase ended even if it never saw the bits cleared. The
    // previous unlock() cleared the writer bits and the readers' sleep mark, so the old value
    // is the count of reader arrivals.
    const std::uint32_t rticket = rin_.fetch_add(next_phase_bits(), kRelaxed) & kCountMask;
    // Every reader counted before our announcement must leave; acquire pairs with their
    // release fetch_add on rout_ (a release sequence of RMWs).
    std::uint32_t r = rout_.load(std::memory_order_acquire);
    for (int spins = 0; (r & kCountMask) != rticket;) {
      if (detail::handoff_spin<P>(spins)) {
        r = rout_.load(std::memory_order_acquire);
        continue;
      }
      if (r & kWriterSleeps) {
        detail::park(rout_, r);
      } else {
        // The target first, then the mark (release): a reader that sees the mark sees it.
        wtarget_.store(rticket, kRelaxed);
        if (rout_.compare_exchange_weak(r, r | kWriterSleeps, std::memory_order_release,
                                        kRelaxed)) {
          detail::park(rout_, r | kWriterSleeps);
        } else if ((r & kCountMask) == rticket) {
          // The last reader left: take its release again with acquire, from an RMW (so that
          // it is the latest value, as the failed CAS's was).
          r = rout_.fetch_or(0, std::memory_order_acquire);
          continue;
        } else {
          continue;  // a reader left, not the last: mark again
        }
      }
      r = rout_.load(std::memory_order_acquire);
    }
    // Only we set the mark, and no reader departs before our unlock(): clear it for the next
    // writer.
    if (r & kWriterSleeps) rout_.fetch_and(~kWriterSleeps, kRelaxed);
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
    // bits or sleep mark, every arrival departed), atomically with setting our bits.
    std::uint32_t r = rout_.load(std::memory_order_acquire) & kCountMask;
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
    pass_turn();
    return false;
  }
  void unlock() {
    // End the writer phase: readers that arrived during it may enter (release: they see our
    // writes); if one marked itself asleep, wake them all (the phase they waited for is over).
    // Then pass the turn to the next writer.
    if (rin_.fetch_and(~(kWriterBits | kReadersSleep), std::memory_order_release) & kReadersSleep) {
      detail::unpark_all(rin_);
    }
    pass_turn();
  }

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  static constexpr std::uint32_t kReaderInc = 0x100;   // one reader in rin_/rout_
  static constexpr std::uint32_t kCountMask = ~0xffu;  // the reader count of rin_/rout_
  static constexpr std::uint32_t kWriterBits = 0x3;    // low bits of rin_: writer phase
  static constexpr std::uint32_t kPresent = 0x2;       // a writer holds or waits for readers
  static constexpr std::uint32_t kPhaseId = 0x1;       // alternates between writer phases
  static constexpr std::uint32_t kReadersSleep = 0x4;  // rin_: a reader may sleep on it
  static constexpr std::uint32_t kWriterSleeps = 0x1;  // rout_: the writer sleeps on it

  // Serves the next writer ticket; seq_cst pairs with a sleeper's mark-then-check
  // (lockstep/detail/turn_sleepers.hpp). Wakes that writer if it sleeps, and the one after
  // it (now next in line: it spins, and its wake-up overlaps the critical section).
  void pass_turn() {
    const std::uint32_t t = wout_.fetch_add(1, std::memory_order_seq_cst) + 1;
    turns_.wake(t);
    turns_.wake(t + 1);
  }

  // Called by the writer whose turn it is: the bits announcing its phase; flips the id.
  std::uint32_t next_phase_bits() {
    const std::uint32_t id = phase_id_.get();
    phase_id_ = id ^ kPhaseId;
    return kPresent | id;
  }

  // rin_: reader arrivals (count) | readers' sleep mark | writer bits.
  typename P::template atomic<std::uint32_t> rin_{0};
  // rout_: reader departures (count) | the writer's sleep mark.
  typename P::template atomic<std::uint32_t> rout_{0};
  typename P::template atomic<std::uint32_t> win_{0};   // next writer ticket
  typename P::template atomic<std::uint32_t> wout_{0};  // writer ticket being served
  // The rout_ count the sleeping writer waits for; written before it marks rout_.
  typename P::template atomic<std::uint32_t> wtarget_{0};
  // Phase id of the next real writer phase. Only the writer whose ticket is served touches
  // it, and wout_'s release/acquire hand-off orders those accesses.
  typename P::template var<std::uint32_t> phase_id_{0};
  detail::TurnSleepers<P> turns_;  // where writers that are not next in line sleep
};

}  // namespace lockstep
