// Contract tests of RLock (lockstep/rlock.hpp), one per stated guarantee (issue 18 item 5):
// exclusion between threads (also under the C11 model), reentry to any depth released at the
// last unlock(), try_lock() reentering for the owner and failing for others while held,
// unlock() by a non-owner throwing and leaving the lock unchanged, owned_by_me() / depth().
#include <lockstep/check.hpp>
#include <lockstep/rlock.hpp>

#include <mutex>
#include <stdexcept>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"

using P = lockstep::model_platform;
using R = lockstep::RLock<P>;
using lockstep::memory_model;
using namespace lockstep_test;

LOCKSTEP_TEST(rlock_excludes_2x2) { mutual_exclusion<R>(2, 2); }
LOCKSTEP_TEST(rlock_excludes_3x1, {.preemption_bound = 2}) { mutual_exclusion<R>(3, 1); }
LOCKSTEP_TEST(rlock_excludes_2x1_c11, {.memory = memory_model::c11}) { mutual_exclusion<R>(2, 1); }
LOCKSTEP_TEST(rlock_try_lock_fails_while_held) { try_lock_fails_while_held<R>(); }
LOCKSTEP_TEST(rlock_try_lock_excludes) { try_lock_excludes<R>(); }
LOCKSTEP_TEST(rlock_try_lock_excludes_c11, {.memory = memory_model::c11}) {
  try_lock_excludes<R>(/*retry=*/true);
}

// The owner re-enters with lock() and try_lock() to depth 3; the lock stays held (another
// thread's try_lock fails) until the third unlock(), and is free after it.
LOCKSTEP_TEST(rlock_released_at_last_unlock) {
  R lock;
  auto other_try = [&](bool expect) {
    P::thread t([&] {
      const bool got = lock.try_lock();
      LOCKSTEP_ASSERT(got == expect) << "another thread's try_lock() returned " << got;
      LOCKSTEP_ASSERT(!lock.owned_by_me() || got) << "owned_by_me() in a non-owner";
      LOCKSTEP_ASSERT(lock.depth() == (got ? 1u : 0u)) << "depth " << lock.depth();
      if (got) lock.unlock();
    });
    t.join();
  };
  LOCKSTEP_ASSERT(!lock.owned_by_me() && lock.depth() == 0);
  lock.lock();
  LOCKSTEP_ASSERT(lock.owned_by_me() && lock.depth() == 1) << "depth " << lock.depth();
  lock.lock();
  LOCKSTEP_ASSERT(lock.depth() == 2) << "depth " << lock.depth();
  LOCKSTEP_ASSERT(lock.try_lock()) << "the owner's try_lock() must re-enter";
  LOCKSTEP_ASSERT(lock.depth() == 3) << "depth " << lock.depth();
  other_try(false);
  lock.unlock();
  LOCKSTEP_ASSERT(lock.owned_by_me() && lock.depth() == 2) << "depth " << lock.depth();
  other_try(false);
  lock.unlock();
  LOCKSTEP_ASSERT(lock.owned_by_me() && lock.depth() == 1) << "depth " << lock.depth();
  other_try(false);
  lock.unlock();
  LOCKSTEP_ASSERT(!lock.owned_by_me() && lock.depth() == 0) << "depth " << lock.depth();
  other_try(true);
  // Free again: the first try_lock() of a thread takes it at depth 1.
  LOCKSTEP_ASSERT(lock.try_lock() && lock.depth() == 1) << "depth " << lock.depth();
  lock.unlock();
  LOCKSTEP_ASSERT(lock.depth() == 0);
}

// Two threads each nest twice: the inner unlock() does not release the outer section, and the
// contended path (the CAS fails, the owner is another thread) waits instead of re-entering.
LOCKSTEP_TEST(rlock_nested_sections_exclude) {
  R lock;
  P::atomic<int> inside{0};
  P::var<int> n{0};
  auto body = [&] {
    std::lock_guard outer(lock);
    LOCKSTEP_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0) << "two owners";
    {
      std::lock_guard inner(lock);
      n += 1;
    }
    LOCKSTEP_ASSERT(lock.owned_by_me() && lock.depth() == 1) << "inner unlock released it";
    n += 1;
    inside.fetch_sub(1, std::memory_order_relaxed);
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.get() == 4);
}

// A waiter sleeping in lock() is woken by the owner's last unlock() (not by an inner one).
LOCKSTEP_TEST(rlock_waiter_woken_by_last_unlock) {
  R lock;
  P::var<int> stage{0};
  lock.lock();
  lock.lock();
  P::thread t([&] {
    lock.lock();
    LOCKSTEP_ASSERT(stage.get() == 2) << "entered at stage " << stage.get();
    lock.unlock();
  });
  stage = 1;
  lock.unlock();
  stage = 2;
  lock.unlock();
  t.join();
}

// unlock() by a thread that does not own it throws std::logic_error and changes nothing: the
// owner still holds it at its depth, and its own unlocks release it.
LOCKSTEP_TEST(rlock_unlock_by_non_owner_throws_and_changes_nothing) {
  R lock;
  lock.lock();
  lock.lock();
  P::thread t([&] {
    bool threw = false;
    try {
      lock.unlock();
    } catch (const std::logic_error&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw) << "unlock() by a non-owner did not throw";
    LOCKSTEP_ASSERT(!lock.try_lock()) << "the lock was released by a non-owner's unlock()";
  });
  t.join();
  LOCKSTEP_ASSERT(lock.owned_by_me() && lock.depth() == 2) << "depth " << lock.depth();
  lock.unlock();
  lock.unlock();
  P::thread u([&] {
    LOCKSTEP_ASSERT(lock.try_lock());
    lock.unlock();
  });
  u.join();
}
