// Contract tests of WriterPrefRwLock (lockstep/writer_pref_rw_lock.hpp), one per stated
// guarantee (issue 18 item 5): a writer alone, readers together, releases happening-before the
// acquisitions they enable (SC and C11), writer preference (no reader enters once a writer has
// passed its doorway; try_lock_shared() fails then), writers FIFO, try_lock() only when nobody
// holds or waits, and no lost wake-up.
#include <lockstep/check.hpp>
#include <lockstep/writer_pref_rw_lock.hpp>

#include <mutex>
#include <shared_mutex>

#include "../support/spinning_platform.hpp"
#include "rw_contract.hpp"
#include "rw_model_bodies.hpp"

using Rw = lockstep::WriterPrefRwLock<rw_test::P>;
using lockstep::memory_model;
using namespace rw_test;

LOCKSTEP_TEST(writer_pref_excludes_2r1w, {.preemption_bound = 2}) { rw_exclusion<Rw>(false); }
LOCKSTEP_TEST(writer_pref_excludes_1r2w, {.preemption_bound = 2}) { rw_exclusion<Rw>(false, 1, 2); }
LOCKSTEP_TEST(writer_pref_excludes_1r1w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<Rw>(false, 1, 1);
}
LOCKSTEP_TEST(writer_pref_try_exclusion, {.preemption_bound = 2}) { rw_try_exclusion<Rw>(); }
LOCKSTEP_TEST(writer_pref_readers_share) { readers_share<Rw>(); }
LOCKSTEP_TEST(writer_pref_writer_woken_by_last_reader) { writer_woken_by_last_reader<Rw>(); }
LOCKSTEP_TEST(writer_pref_try_variants_while_held) { try_variants_while_held<Rw>(); }
LOCKSTEP_TEST(writer_pref_writer_publishes_c11, {.memory = memory_model::c11}) {
  writer_publishes_to_reader<Rw>();
}
LOCKSTEP_TEST(writer_pref_reader_release_orders_writer_c11, {.memory = memory_model::c11}) {
  reader_release_orders_writer<Rw>();
}
LOCKSTEP_TEST(writer_pref_writers_fifo_3, {.preemption_bound = 2}) { writers_fifo<Rw>(3, false); }
LOCKSTEP_TEST(writer_pref_no_bypass_2w1r, {.preemption_bound = 2}) { writers_fifo<Rw>(2, true); }

// Once a writer has passed its doorway (its hook ran), no new reader gets in before it:
// try_lock_shared() and try_lock() fail, and a reader that calls lock_shared() then enters only
// after the writer has been in.
LOCKSTEP_TEST(writer_pref_queued_writer_keeps_readers_out) {
  Rw rw;
  P::atomic<bool> queued{false};
  P::atomic<bool> writer_done{false};
  P::atomic<bool> tried{false};
  rw.lock_shared();
  P::thread w([&] {
    rw.lock([&] { queued.store(true); });
    writer_done.store(true);
    rw.unlock();
  });
  while (!queued.load()) P::this_thread::yield();
  P::thread r([&] {
    LOCKSTEP_ASSERT(!rw.try_lock_shared()) << "try_lock_shared() while a writer waits";
    LOCKSTEP_ASSERT(!rw.try_lock()) << "try_lock() while a writer waits";
    tried.store(true);
    rw.lock_shared();
    LOCKSTEP_ASSERT(writer_done.load()) << "a reader overtook a queued writer";
    rw.unlock_shared();
  });
  while (!tried.load()) P::this_thread::yield();  // the tries ran while this reader was inside
  rw.unlock_shared();
  w.join();
  r.join();
}

// Readers sleeping behind a writer are all woken by its unlock().
LOCKSTEP_TEST(writer_pref_writer_unlock_wakes_every_reader) {
  writer_unlock_wakes_every_reader<Rw>();
}

// A writer sleeping behind another writer is woken by its unlock() (the hand-over to the next
// ticket).
LOCKSTEP_TEST(writer_pref_writer_hand_over_wakes_next) {
  Rw rw;
  P::var<int> data{0};
  rw.lock();
  P::thread w([&] {
    rw.lock();
    LOCKSTEP_ASSERT(data.get() == 1);
    data = 2;
    rw.unlock();
  });
  data = 1;
  rw.unlock();
  w.join();
  LOCKSTEP_ASSERT(rw.try_lock()) << "free after both writers";
  LOCKSTEP_ASSERT(data.get() == 2);
  rw.unlock();
}

// The spin phase (skipped under model_platform, see tests/support/spinning_platform.hpp):
// waiters spin with their own CAS before they mark the word and sleep.
using RwS = lockstep::WriterPrefRwLock<lockstep_test::spinning_platform>;
LOCKSTEP_TEST(writer_pref_spin_phase_excludes_1r1w) { rw_exclusion<RwS>(false, 1, 1); }
LOCKSTEP_TEST(writer_pref_spin_phase_excludes_1r1w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<RwS>(false, 1, 1);
}
LOCKSTEP_TEST(writer_pref_spin_phase_excludes_2w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<RwS>(false, 0, 2);
}

LOCKSTEP_TEST(writer_pref_try_acquisitions_publish_c11, {.memory = memory_model::c11}) {
  try_acquisitions_publish<Rw>();
}
