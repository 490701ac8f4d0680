// Model tests of the phase-fair reader-writer lock (PhaseFairRwLock) under the checker:
// exclusion, reader overlap, the two phase-fairness properties (a reader waits for at most
// one writer phase; writers are FIFO), and broken twins.
#include <lockstep/check.hpp>
#include <lockstep/detail/turn_sleepers.hpp>
#include <lockstep/phase_fair_rw_lock.hpp>
#include <lockstep/writer_pref_rw_lock.hpp>

#include <cstdint>

#include "rw_contract.hpp"
#include "rw_model_bodies.hpp"

using P = lockstep::model_platform;
using rw_test::greedy_reader_vs_writer;
using rw_test::max_concurrent_readers;
using rw_test::reader_waits_one_writer_phase;
using rw_test::rw_exclusion;
using rw_test::rw_try_exclusion;
using rw_test::writer_unlock_wakes_every_reader;
using rw_test::writer_woken_by_last_reader;
using rw_test::writers_fifo;

namespace {

// Twins of PhaseFairRwLock (the PF-T algorithm reduced to lock/unlock and the shared pair).
//   kReaderAcquire = false: the reader's doorway and its wait use relaxed instead of acquire,
//     so a reader that enters after a writer does not synchronise with it: under the C11
//     model it reads the writer's data racily (and could see stale values).
//   kPhaseId = false: every writer sets the same writer bits (no alternating phase id), so a
//     reader that waits for one writer phase cannot tell it from the next one: if the next
//     writer announces itself before the reader looks again, the reader keeps waiting while
//     that writer waits for it to leave (a livelock: both spin forever).
template <bool kReaderAcquire, bool kPhaseId>
class BrokenPhaseFairRwLock {
 public:
  template <class F>
  void lock_shared(F&& on_arrival) {
    constexpr auto mo = kReaderAcquire ? std::memory_order_acquire : std::memory_order_relaxed;
    const std::uint32_t w = rin_.fetch_add(kReaderInc, mo) & kWriterBits;  // BUG if relaxed
    on_arrival();
    if (w == 0) return;
    while ((rin_.load(mo) & kWriterBits) == w) P::spin_pause();
  }
  void lock_shared() {
    lock_shared([] {});
  }
  void unlock_shared() { rout_.fetch_add(kReaderInc, std::memory_order_release); }
  void lock() {
    const std::uint32_t ticket = win_.fetch_add(1, std::memory_order_relaxed);
    while (wout_.load(std::memory_order_acquire) != ticket) P::spin_pause();
    const std::uint32_t bits = kPresent | (kPhaseId ? (ticket & 1u) : 0u);  // BUG if no id
    const std::uint32_t rticket = rin_.fetch_add(bits, std::memory_order_relaxed);
    while (rout_.load(std::memory_order_acquire) != rticket) P::spin_pause();
  }
  void unlock() {
    rin_.fetch_and(~kWriterBits, std::memory_order_release);
    wout_.fetch_add(1, std::memory_order_release);
  }

 private:
  static constexpr std::uint32_t kReaderInc = 0x100;
  static constexpr std::uint32_t kWriterBits = 0x3;
  static constexpr std::uint32_t kPresent = 0x2;
  P::atomic<std::uint32_t> rin_{0}, rout_{0}, win_{0}, wout_{0};
};

// Twins of the futex waiting in PhaseFairRwLock (a copy without spinning, try_lock and the
// arrival hooks):
//   kDepartureClearsMark: every reader departure clears the sleeping writer's mark on rout_,
//     but only the departure that reaches the writer's target notifies: of two readers
//     inside, the first wipes the mark, the last sees none, and the writer sleeps forever.
//   kUnlockChecksFirst: unlock() reads the readers' sleep mark, then clears the writer bits
//     and notifies if the mark was set when it looked: a reader that marks rin_ in between
//     sleeps through the end of the phase it waits for.
//   kUnlockWakesOneReader: unlock() wakes one sleeper on rin_ instead of all of them: every
//     reader of the phase sleeps on that one word, so of two sleeping readers one is left
//     asleep although its phase has begun.
//   kWriterParksUnmarked: the writer waiting for the readers of its phase stores its target
//     and sleeps on rout_ without setting its mark: the last reader out sees no mark and
//     does not notify (a lost wake-up).
enum class pf_bug {
  kDepartureClearsMark,
  kUnlockChecksFirst,
  kUnlockWakesOneReader,
  kWriterParksUnmarked
};
template <pf_bug Bug>
class BrokenFutexPhaseFairRwLock {
 public:
  void lock_shared() {
    std::uint32_t r = rin_.fetch_add(kReaderInc, std::memory_order_acquire);
    const std::uint32_t w = r & kWriterBits;
    while (w != 0 && (r & kWriterBits) == w) {
      if ((r & kReadersSleep) ||
          rin_.compare_exchange_weak(r, r | kReadersSleep, std::memory_order_acquire)) {
        rin_.wait(r | kReadersSleep, std::memory_order_relaxed);
      } else {
        continue;
      }
      r = rin_.load(std::memory_order_acquire);
    }
  }
  void unlock_shared() {
    std::uint32_t r = rout_.load(std::memory_order_relaxed);
    if constexpr (Bug == pf_bug::kDepartureClearsMark) {
      // BUG: clears the mark even when this departure does not notify.
      while (!rout_.compare_exchange_weak(r, (r + kReaderInc) & ~kWriterSleeps,
                                          std::memory_order_acq_rel)) {
      }
    } else {
      r = rout_.fetch_add(kReaderInc, std::memory_order_acq_rel);
    }
    if ((r & kWriterSleeps) && ((r + kReaderInc) & kCountMask) == wtarget_.load()) {
      rout_.notify_one();
    }
  }
  void lock() {
    const std::uint32_t ticket = win_.fetch_add(1, std::memory_order_relaxed);
    std::uint32_t t = wout_.load(std::memory_order_acquire);
    while (t != ticket) t = turns_.sleep(wout_, ticket);
    const std::uint32_t id = phase_id_.get();
    phase_id_ = id ^ 1u;
    const std::uint32_t rticket = rin_.fetch_add(kPresent | id) & kCountMask;
    std::uint32_t r = rout_.load(std::memory_order_acquire);
    while ((r & kCountMask) != rticket) {
      if constexpr (Bug == pf_bug::kWriterParksUnmarked) {
        wtarget_.store(rticket);
        rout_.wait(r, std::memory_order_relaxed);  // BUG: asleep without the mark
        r = rout_.load(std::memory_order_acquire);
        continue;
      }
      if (!(r & kWriterSleeps)) {
        wtarget_.store(rticket);
        if (!rout_.compare_exchange_weak(r, r | kWriterSleeps, std::memory_order_acq_rel)) continue;
        r |= kWriterSleeps;
      }
      rout_.wait(r, std::memory_order_relaxed);
      r = rout_.load(std::memory_order_acquire);
    }
    if (r & kWriterSleeps) rout_.fetch_and(~kWriterSleeps);
  }
  void unlock() {
    if constexpr (Bug == pf_bug::kUnlockChecksFirst) {
      const bool sleepers = rin_.load(std::memory_order_relaxed) & kReadersSleep;  // BUG
      rin_.fetch_and(~(kWriterBits | kReadersSleep), std::memory_order_release);
      if (sleepers) rin_.notify_all();
    } else if (rin_.fetch_and(~(kWriterBits | kReadersSleep), std::memory_order_release) &
               kReadersSleep) {
      if constexpr (Bug == pf_bug::kUnlockWakesOneReader) {
        rin_.notify_one();  // BUG: the phase's other sleeping readers stay asleep
      } else {
        rin_.notify_all();
      }
    }
    const std::uint32_t t = wout_.fetch_add(1) + 1;
    turns_.wake(t);
  }

 private:
  static constexpr std::uint32_t kReaderInc = 0x100, kCountMask = ~0xffu;
  static constexpr std::uint32_t kWriterBits = 0x3, kPresent = 0x2;
  static constexpr std::uint32_t kReadersSleep = 0x4, kWriterSleeps = 0x1;
  P::atomic<std::uint32_t> rin_{0}, rout_{0}, win_{0}, wout_{0}, wtarget_{0};
  P::var<std::uint32_t> phase_id_{0};
  lockstep::detail::TurnSleepers<P> turns_;
};

// The writer writes plain data and unlocks; the reader then reads it. With a correct lock the
// reader's entry synchronises with the writer's unlock (or the writer waited for the reader).
template <class Rw>
void writer_publishes_to_reader() {
  Rw rw;
  P::var<int> data{0};
  P::thread w([&] {
    rw.lock();
    data = 1;
    rw.unlock();
  });
  rw.lock_shared();
  const int seen = data.get();
  rw.unlock_shared();
  LOCKSTEP_ASSERT(seen == 0 || seen == 1);
  w.join();
}

}  // namespace

using PhaseFair = lockstep::PhaseFairRwLock<P>;

LOCKSTEP_TEST(rwlocks_phase_fair_excludes_2r1w, {.preemption_bound = 2}) {
  rw_exclusion<PhaseFair>(false);
}
LOCKSTEP_TEST(rwlocks_phase_fair_excludes_1r2w, {.preemption_bound = 2}) {
  rw_exclusion<PhaseFair>(false, 1, 2);
}
// Under the C11 model the release/acquire pairs of PF-T must order the protected data.
// Exhaustive: spin-waits terminate because a yield (spin_pause) makes the latest stores
// visible to the spinning thread (the checker's eventual-visibility rule, rt::weak_yield).
LOCKSTEP_TEST(rwlocks_phase_fair_excludes_c11,
              {.preemption_bound = 2, .memory = lockstep::memory_model::c11}) {
  rw_exclusion<PhaseFair>(false, 1, 2);
}
LOCKSTEP_TEST(rwlocks_phase_fair_publishes_c11,
              {.preemption_bound = 2, .memory = lockstep::memory_model::c11}) {
  writer_publishes_to_reader<PhaseFair>();
}
// A writer's try_lock may give its turn up as an empty phase; readers that waited for the
// previous writer phase must still notice its end. This test caught a real bug (a livelock):
// the phase id used to be the ticket's parity, which an empty phase breaks.
LOCKSTEP_TEST(rwlocks_phase_fair_try_lock_excludes, {.preemption_bound = 2}) {
  rw_try_exclusion<PhaseFair>();
}
LOCKSTEP_TEST(rwlocks_phase_fair_try_lock_excludes_c11, {.memory = lockstep::memory_model::c11}) {
  rw_try_exclusion<PhaseFair>();
}
LOCKSTEP_UNIT_TEST(rwlocks_phase_fair_readers_overlap) {
  const int m = max_concurrent_readers<PhaseFair>("phase_fair_overlap");
  LOCKSTEP_ASSERT(m == 2) << "no execution had both readers inside together (max " << m << ")";
}

// Phase fairness, stated with the bypass monitor.
// (1) A reader waits for at most one writer phase: at most 1 writer acquisition between its
//     doorway and its entry, with two writers writing twice each.
LOCKSTEP_TEST(rwlocks_phase_fair_reader_waits_one_writer_phase, {.preemption_bound = 2}) {
  reader_waits_one_writer_phase<PhaseFair>(2);
}
// (2) Writers are FIFO among themselves (bypass 0 from the writer ticket).
LOCKSTEP_TEST(rwlocks_phase_fair_writers_fifo_3, {.preemption_bound = 2}) {
  writers_fifo<PhaseFair>(3, false);
}
// (3) Writers cannot starve either: against a reader that re-enters in a loop, the writer
//     eventually acquires in every fair schedule (no livelock within the step bound; the
//     monitor is used only to count). The tight bypass bound of the writer-preferring lock
//     does not apply verbatim: the writer's arrival is recorded before lock(), and PF-T's
//     doorway takes three visible steps (ticket, turn, announcement), during each of which
//     the reader may enter once more.
LOCKSTEP_TEST(rwlocks_phase_fair_greedy_reader_does_not_starve_writer, {.max_steps = 400}) {
  greedy_reader_vs_writer<PhaseFair>(1'000'000);
}
// The phase-fairness property (1) is not vacuous: writer preference lets both writers' later
// acquisitions overtake the waiting reader.
LOCKSTEP_TEST(rwlocks_writer_pref_reader_waits_many_writer_phases_is_caught,
              {.expect = lockstep::failure_kind::fairness, .preemption_bound = 2}) {
  reader_waits_one_writer_phase<lockstep::WriterPrefRwLock<P>>(2);
}

// ---- broken twins ----------------------------------------------------------------------

// The twin whose readers use relaxed where acquire is needed: a data race under the C11
// model.
LOCKSTEP_TEST(rwlocks_broken_phase_fair_relaxed_reader_is_caught_c11,
              {.expect = lockstep::failure_kind::data_race,
               .preemption_bound = 2,
               .memory = lockstep::memory_model::c11}) {
  writer_publishes_to_reader<BrokenPhaseFairRwLock<false, true>>();
}
LOCKSTEP_TEST(rwlocks_broken_phase_fair_no_phase_id_is_caught,
              {.expect = lockstep::failure_kind::livelock,
               .max_steps = 400,
               .preemption_bound = 2}) {
  reader_waits_one_writer_phase<BrokenPhaseFairRwLock<true, false>>(1);
}

// ---- futex waiting (issue 17): the sleep marks and the release paths -------------------

// Two readers inside, a writer waiting for them to leave: the writer sleeps on rout_ and
// only the last departure may wake it. Correct: the mark survives the first departure.
LOCKSTEP_TEST(rwlocks_phase_fair_writer_sleeps_through_two_departures) {
  rw_exclusion<PhaseFair>(false, 2, 1);
}
LOCKSTEP_TEST(rwlocks_broken_phase_fair_departure_clears_writer_mark_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  rw_exclusion<BrokenFutexPhaseFairRwLock<pf_bug::kDepartureClearsMark>>(false, 2, 1);
}
// A reader that sleeps through a writer phase is woken by the unlock() that ends it.
LOCKSTEP_TEST(rwlocks_phase_fair_reader_woken_by_unlock) {
  writer_publishes_to_reader<PhaseFair>();
}
// The reader sets its sleep mark with a CAS whose expected value came from its fetch_add (not
// from a load that could have read the writer's word): the graph engine explores that CAS's
// retry rather than cutting it as a loop iteration another graph repeats (issue 12).
LOCKSTEP_TEST(rwlocks_broken_phase_fair_unlock_checks_reader_mark_first_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  writer_publishes_to_reader<BrokenFutexPhaseFairRwLock<pf_bug::kUnlockChecksFirst>>();
}

// Every reader of a phase sleeps on the one word rin_, and the unlock() that ends the writer
// phase wakes them all with one notify_all (one wake-up call per phase, not per reader).
LOCKSTEP_TEST(rwlocks_phase_fair_unlock_wakes_every_reader) {
  writer_unlock_wakes_every_reader<PhaseFair>();
}
// A reader left asleep by an unlock() that wakes only one: a deadlock (on the default graph
// engine since issue 12's wait modelling; before, only the interleaving engine found it).
LOCKSTEP_TEST(rwlocks_broken_phase_fair_unlock_wakes_one_reader_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  writer_unlock_wakes_every_reader<BrokenFutexPhaseFairRwLock<pf_bug::kUnlockWakesOneReader>>();
}
// The writer waiting for the last reader of its phase marks rout_ before it sleeps.
LOCKSTEP_TEST(rwlocks_phase_fair_writer_woken_by_last_reader) {
  writer_woken_by_last_reader<PhaseFair>();
}
LOCKSTEP_TEST(rwlocks_broken_phase_fair_writer_parks_unmarked_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  writer_woken_by_last_reader<BrokenFutexPhaseFairRwLock<pf_bug::kWriterParksUnmarked>>();
}
