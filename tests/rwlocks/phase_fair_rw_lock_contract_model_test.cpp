// Contract tests of PhaseFairRwLock (lockstep/phase_fair_rw_lock.hpp), written from its header's
// stated guarantees only (issue 18 item 5; the lock is being rebuilt on futex words, so these
// test the contract, not the implementation): a writer alone, readers together, releases
// happening-before the acquisitions they enable (SC and C11), phase fairness (a reader waits for
// at most one writer phase; writers FIFO), try_lock() failing while a reader is inside or a
// writer holds, try_lock_shared() failing only in a writer phase, and a failed try_lock()
// leaving no trace visible to readers.
#include <lockstep/check.hpp>
#include <lockstep/phase_fair_rw_lock.hpp>

#include <mutex>
#include <shared_mutex>

#include "rw_contract.hpp"
#include "rw_model_bodies.hpp"

using Rw = lockstep::PhaseFairRwLock<rw_test::P>;
using lockstep::memory_model;
using namespace rw_test;

LOCKSTEP_TEST(phase_fair_excludes_2r1w, {.preemption_bound = 2}) { rw_exclusion<Rw>(false); }
LOCKSTEP_TEST(phase_fair_excludes_1r1w_c11, {.memory = memory_model::c11}) {
  rw_exclusion<Rw>(false, 1, 1);
}
LOCKSTEP_TEST(phase_fair_try_exclusion, {.preemption_bound = 2}) { rw_try_exclusion<Rw>(); }
LOCKSTEP_TEST(phase_fair_readers_share) { readers_share<Rw>(); }
LOCKSTEP_TEST(phase_fair_writer_waits_for_last_reader) { writer_woken_by_last_reader<Rw>(); }
LOCKSTEP_TEST(phase_fair_try_variants_while_held) { try_variants_while_held<Rw>(); }
LOCKSTEP_TEST(phase_fair_writer_publishes_c11, {.memory = memory_model::c11}) {
  writer_publishes_to_reader<Rw>();
}
LOCKSTEP_TEST(phase_fair_reader_release_orders_writer_c11, {.memory = memory_model::c11}) {
  reader_release_orders_writer<Rw>();
}
LOCKSTEP_TEST(phase_fair_writers_fifo_3, {.preemption_bound = 2}) { writers_fifo<Rw>(3, false); }
LOCKSTEP_TEST(phase_fair_reader_waits_one_writer_phase, {.preemption_bound = 2}) {
  reader_waits_one_writer_phase<Rw>(2);
}

// A failed try_lock() (a reader is inside) leaves no trace: a new reader still enters with
// try_lock_shared(), and after the readers leave a writer takes the lock with try_lock().
LOCKSTEP_TEST(phase_fair_failed_try_lock_leaves_no_trace) {
  Rw rw;
  rw.lock_shared();
  P::thread t([&] {
    LOCKSTEP_ASSERT(!rw.try_lock()) << "try_lock() while a reader is inside";
    LOCKSTEP_ASSERT(rw.try_lock_shared()) << "a failed try_lock() left a writer phase behind";
    rw.unlock_shared();
  });
  t.join();
  rw.unlock_shared();
  LOCKSTEP_ASSERT(rw.try_lock()) << "try_lock() of a free lock";
  rw.unlock();
  LOCKSTEP_ASSERT(rw.try_lock_shared());
  rw.unlock_shared();
}

LOCKSTEP_TEST(phase_fair_try_acquisitions_publish_c11, {.memory = memory_model::c11}) {
  try_acquisitions_publish<Rw>();
}
