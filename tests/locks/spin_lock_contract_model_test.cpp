// Contract tests of SpinLock and TTASLock (lockstep/spin_lock.hpp), one per stated guarantee
// (issue 18 item 5): mutual exclusion with unlock() -> lock() happens-before, under the SC and
// the C11 model (both locks are acquire/release), and try_lock() failing while another thread
// holds the lock and succeeding when it is free.
#include <lockstep/check.hpp>
#include <lockstep/spin_lock.hpp>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"

using P = lockstep::model_platform;
using S = lockstep::SpinLock<P>;
using T = lockstep::TTASLock<P>;
using lockstep::memory_model;
using namespace lockstep_test;

LOCKSTEP_TEST(spin_lock_excludes_2x2) { mutual_exclusion<S>(2, 2); }
LOCKSTEP_TEST(spin_lock_excludes_3x1) { mutual_exclusion<S>(3, 1); }
LOCKSTEP_TEST(spin_lock_excludes_2x2_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<S>(2, 2);
}
LOCKSTEP_TEST(spin_lock_try_lock_fails_while_held) { try_lock_fails_while_held<S>(); }
LOCKSTEP_TEST(spin_lock_try_lock_excludes_c11, {.memory = memory_model::c11}) {
  try_lock_excludes<S>(/*retry=*/true);
}

LOCKSTEP_TEST(ttas_lock_excludes_2x2) { mutual_exclusion<T>(2, 2); }
LOCKSTEP_TEST(ttas_lock_excludes_3x1) { mutual_exclusion<T>(3, 1); }
LOCKSTEP_TEST(ttas_lock_excludes_2x2_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<T>(2, 2);
}
LOCKSTEP_TEST(ttas_lock_try_lock_fails_while_held) { try_lock_fails_while_held<T>(); }
LOCKSTEP_TEST(ttas_lock_try_lock_excludes_c11, {.memory = memory_model::c11}) {
  try_lock_excludes<T>(/*retry=*/true);
}
