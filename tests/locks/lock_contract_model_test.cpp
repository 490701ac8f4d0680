// Contract tests of Lock (lockstep/lock.hpp), one per stated guarantee (issue 18 item 5):
// mutual exclusion with unlock() -> lock() happens-before (also under the C11 model: the word
// is acquire/release), no lost wake-up, try_lock() while held / free, and the timed variants on
// the virtual clock: false only after the deadline, true when released before it.
#include <lockstep/check.hpp>
#include <lockstep/lock.hpp>

#include <chrono>
#include <mutex>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"
#include "../support/spinning_platform.hpp"

using P = lockstep::model_platform;
using L = lockstep::Lock<P>;
using namespace std::chrono_literals;
using lockstep::memory_model;
using namespace lockstep_test;

namespace {
// 25 µs: the poll sleeps 10 µs, then the 15 µs left, so the deadline is reached in two sleeps.
constexpr std::chrono::nanoseconds kWait = 25us;
const auto try_for = [](L& l, P::clock::time_point, std::chrono::nanoseconds d) {
  return l.try_lock_for(d);
};
const auto try_until = [](L& l, P::clock::time_point start, std::chrono::nanoseconds d) {
  return l.try_lock_until(start + d);
};
}  // namespace

// Exclusion and publication (the plain counter is race-checked), and no lost wake-up: with
// no spin phase in the model, a contended lock() sleeps at once and only unlock()'s notify
// wakes it.
LOCKSTEP_TEST(lock_excludes_2x2) { mutual_exclusion<L>(2, 2); }
LOCKSTEP_TEST(lock_excludes_3x1) { mutual_exclusion<L>(3, 1); }
LOCKSTEP_TEST(lock_excludes_2x2_c11, {.memory = memory_model::c11}) { mutual_exclusion<L>(2, 2); }

// Three threads where two may sleep at once: the woken one marks the word contended again,
// so the second sleeper is woken by the next unlock().
LOCKSTEP_TEST(lock_three_sleepers_all_woken) { sleepers_all_woken<L>(2); }

LOCKSTEP_TEST(lock_try_lock_fails_while_held) { try_lock_fails_while_held<L>(); }
LOCKSTEP_TEST(lock_try_lock_excludes) { try_lock_excludes<L>(); }
LOCKSTEP_TEST(lock_try_lock_excludes_c11, {.memory = memory_model::c11}) {
  try_lock_excludes<L>(/*retry=*/true);
}

LOCKSTEP_TEST(lock_try_lock_for_fails_only_after_deadline) {
  timed_fails_only_after_deadline<L>(try_for, kWait);
}
LOCKSTEP_TEST(lock_try_lock_until_fails_only_after_deadline) {
  timed_fails_only_after_deadline<L>(try_until, kWait);
}
LOCKSTEP_TEST(lock_try_lock_for_succeeds_if_released_before_deadline) {
  timed_succeeds_if_released_before_deadline<L>(try_for, kWait);
}
LOCKSTEP_TEST(lock_try_lock_until_succeeds_if_released_before_deadline) {
  timed_succeeds_if_released_before_deadline<L>(try_until, kWait);
}
// The timed acquisition also publishes under the C11 model (its try is the acquire CAS). Only
// publication: under C11 the poll's relaxed load may keep reading the old "held" until the
// deadline (a stale read the model allows), so success after an earlier release is an SC-only
// check.
LOCKSTEP_TEST(lock_try_lock_for_publishes_c11, {.memory = memory_model::c11}) {
  timed_succeeds_if_released_before_deadline<L>(try_for, kWait, /*sc=*/false);
}

// A deadline already passed: one try, no waiting; true on a free lock, false on a held one.
LOCKSTEP_TEST(lock_try_lock_until_past_deadline) {
  L lock;
  const auto past = P::clock::now();
  LOCKSTEP_ASSERT(lock.try_lock_until(past)) << "a free lock with a passed deadline";
  P::thread t([&] {
    const auto before = P::clock::now();
    LOCKSTEP_ASSERT(!lock.try_lock_until(past)) << "acquired a held lock";
    LOCKSTEP_ASSERT(P::clock::now() == before) << "waited for a deadline that had passed";
  });
  t.join();
  lock.unlock();
}

// TimedLockable: std::unique_lock's timed constructor and try_to_lock work with it.
LOCKSTEP_TEST(lock_works_with_std_unique_lock) {
  L lock;
  P::var<int> n{0};
  P::thread t([&] {
    std::unique_lock<L> g(lock, kWait);
    if (g.owns_lock()) n += 1;
  });
  {
    std::unique_lock<L> g(lock, std::try_to_lock);
    if (g.owns_lock()) n += 1;
  }
  t.join();
  LOCKSTEP_ASSERT(n.get() >= 1);
}

// The spin phase (skipped under model_platform, see spinning_platform.hpp): a contended lock()
// spins with its own acquire CAS before it sleeps; exclusion and publication through it, also
// under the C11 model.
using SL = lockstep::Lock<spinning_platform>;
LOCKSTEP_TEST(lock_spin_phase_excludes_2x1) { mutual_exclusion<SL>(2, 1); }
LOCKSTEP_TEST(lock_spin_phase_excludes_2x1_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<SL>(2, 1);
}
// poll_until's spin phase (also skipped under model_platform): the timed acquisition spins
// before its first sleep.
LOCKSTEP_TEST(lock_spin_phase_timed_succeeds_if_released_before_deadline) {
  timed_succeeds_if_released_before_deadline<SL>(
      [](SL& l, spinning_platform::clock::time_point, std::chrono::nanoseconds d) {
        return l.try_lock_for(d);
      },
      kWait);
}
