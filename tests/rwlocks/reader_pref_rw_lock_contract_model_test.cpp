// Contract tests of ReaderPrefRwLock (lockstep/reader_pref_rw_lock.hpp), one per stated
// guarantee (issue 18 item 5): a writer alone, readers together, releases happening-before the
// acquisitions they enable (SC and C11), reader preference (a reader enters while a writer
// waits), and no lost wake-up for sleeping writers and readers.
#include <lockstep/check.hpp>
#include <lockstep/reader_pref_rw_lock.hpp>

#include <mutex>
#include <shared_mutex>

#include "../support/spinning_platform.hpp"
#include "rw_contract.hpp"
#include "rw_model_bodies.hpp"

using Rw = lockstep::ReaderPrefRwLock<rw_test::P>;
using lockstep::memory_model;
using namespace rw_test;

LOCKSTEP_TEST(reader_pref_excludes_2r1w, {.preemption_bound = 2}) { rw_exclusion<Rw>(false); }
LOCKSTEP_TEST(reader_pref_excludes_1r2w, {.preemption_bound = 2}) { rw_exclusion<Rw>(false, 1, 2); }
LOCKSTEP_TEST(reader_pref_excludes_1r1w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<Rw>(false, 1, 1);
}
LOCKSTEP_TEST(reader_pref_readers_share) { readers_share<Rw>(); }
LOCKSTEP_TEST(reader_pref_writer_woken_by_last_reader) { writer_woken_by_last_reader<Rw>(); }
LOCKSTEP_TEST(reader_pref_writer_publishes_c11, {.memory = memory_model::c11}) {
  writer_publishes_to_reader<Rw>();
}
LOCKSTEP_TEST(reader_pref_reader_release_orders_writer_c11, {.memory = memory_model::c11}) {
  reader_release_orders_writer<Rw>();
}

// Reader preference: with a reader inside and a writer waiting, a second reader still enters
// (the first reader waits for it inside, so a lock that queued the reader behind the writer
// would deadlock).
LOCKSTEP_TEST(reader_pref_reader_enters_while_writer_waits) {
  Rw rw;
  P::atomic<bool> second_in{false};
  rw.lock_shared();
  P::thread w([&] {
    rw.lock();
    rw.unlock();
  });
  P::thread r([&] {
    rw.lock_shared();
    second_in.store(true);
    rw.unlock_shared();
  });
  while (!second_in.load()) P::this_thread::yield();
  rw.unlock_shared();
  w.join();
  r.join();
}

// Readers sleeping behind a writer are all woken by its unlock() (notify_all: two readers,
// and neither may be left asleep).
LOCKSTEP_TEST(reader_pref_writer_unlock_wakes_every_reader) {
  writer_unlock_wakes_every_reader<Rw>();
}

// Two writers sleeping behind readers: the last reader's unlock_shared() wakes them, and the
// first writer's unlock() wakes the other.
LOCKSTEP_TEST(reader_pref_sleeping_writers_are_woken, {.preemption_bound = 3}) {
  Rw rw;
  P::var<int> data{0};
  rw.lock_shared();
  auto writer = [&] {
    rw.lock();
    data += 1;
    rw.unlock();
  };
  P::thread a(writer), b(writer);
  rw.unlock_shared();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(data.get() == 2);
}

// The spin phase (skipped under model_platform, see tests/support/spinning_platform.hpp):
// waiters spin with their own CAS before they mark the word and sleep.
using RwS = lockstep::ReaderPrefRwLock<lockstep_test::spinning_platform>;
LOCKSTEP_TEST(reader_pref_spin_phase_excludes_1r1w) { rw_exclusion<RwS>(false, 1, 1); }
LOCKSTEP_TEST(reader_pref_spin_phase_excludes_1r1w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<RwS>(false, 1, 1);
}
LOCKSTEP_TEST(reader_pref_spin_phase_excludes_2w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<RwS>(false, 0, 2);
}
