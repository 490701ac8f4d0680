// Contract tests of FifoLock (lockstep/fifo_lock.hpp), one per stated guarantee (issue 18 item
// 5): mutual exclusion with unlock() -> lock() happens-before (SC and C11: the ticket is an
// acquire RMW, the hand-off seq_cst), FIFO order by ticket (bypass bound 0, with the arrival
// hook), no lost wake-up when waiters share a slot word (two slots under the model), try_lock()
// succeeding only when nobody holds or waits, and arrival hooks running one at a time.
#include <lockstep/check.hpp>
#include <lockstep/fairness.hpp>
#include <lockstep/fifo_lock.hpp>

#include <cstdint>
#include <mutex>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"
#include "../support/spinning_platform.hpp"

using P = lockstep::model_platform;
using F = lockstep::FifoLock<P>;
using lockstep::memory_model;
using namespace lockstep_test;

namespace {
// `threads` threads take the lock through the arrival hook; the monitor (k = 0) checks that
// acquisition order is ticket order and that everyone got in.
void fifo_order(int threads, int rounds) {
  F lock;
  lockstep::BypassMonitor<P> fifo(0);
  P::var<int> counter{0};
  auto body = [&](int id) {
    for (int r = 0; r < rounds; ++r) {
      lock.lock([&] { fifo.arrive(id * 2 + r); });
      fifo.enter(id * 2 + r);
      counter += 1;
      lock.unlock();
    }
  };
  P::thread ts[3];
  for (int i = 0; i < threads; ++i) ts[i] = P::thread(body, i);
  for (int i = 0; i < threads; ++i) ts[i].join();
  fifo.expect_all_served(static_cast<std::uint64_t>(threads * rounds));
  LOCKSTEP_ASSERT(counter.get() == threads * rounds);
}
}  // namespace

LOCKSTEP_TEST(fifo_lock_excludes_2x2) { mutual_exclusion<F>(2, 2); }
LOCKSTEP_TEST(fifo_lock_excludes_3x1, {.preemption_bound = 2}) { mutual_exclusion<F>(3, 1); }
LOCKSTEP_TEST(fifo_lock_excludes_2x1_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<F>(2, 1);
}
LOCKSTEP_TEST(fifo_lock_try_lock_fails_while_held) { try_lock_fails_while_held<F>(); }
LOCKSTEP_TEST(fifo_lock_try_lock_excludes) { try_lock_excludes<F>(); }
LOCKSTEP_TEST(fifo_lock_try_lock_excludes_c11, {.memory = memory_model::c11}) {
  try_lock_excludes<F>(/*retry=*/true);
}

LOCKSTEP_TEST(fifo_lock_is_fifo_2x2, {.preemption_bound = 2}) { fifo_order(2, 2); }
LOCKSTEP_TEST(fifo_lock_is_fifo_3x1, {.preemption_bound = 2}) { fifo_order(3, 1); }

// Three waiters behind a holder: tickets 1..3 map to slots 1, 0, 1 (two slots in the model),
// so two sleepers share a slot word; each hand-off must wake the next ticket's sleeper.
LOCKSTEP_TEST(fifo_lock_waiters_sharing_a_slot_are_woken, {.preemption_bound = 2}) {
  sleepers_all_woken<F>(3);
}

// try_lock() never barges: it fails while a thread holds the lock or waits for it (has taken
// a ticket), so a try_lock success is never ahead of an earlier arrival.
LOCKSTEP_TEST(fifo_lock_try_lock_never_barges, {.preemption_bound = 3}) {
  F lock;
  lockstep::BypassMonitor<P> fifo(0);
  auto locker = [&](int id) {
    lock.lock([&] { fifo.arrive(id); });
    fifo.enter(id);
    lock.unlock();
  };
  P::thread a(locker, 0), b(locker, 1);
  if (lock.try_lock()) {
    fifo.enter(2);
    lock.unlock();
  }
  a.join();
  b.join();
}

// Once a waiter has taken its ticket, the holder's unlock() hands the lock to it: a
// try_lock() right after that unlock fails until the waiter has been and gone, even if the
// waiter has not woken up yet.
LOCKSTEP_TEST(fifo_lock_try_lock_fails_while_a_ticket_waits) {
  F lock;
  lock.lock();
  P::atomic<bool> queued{false};
  P::atomic<bool> left{false};
  P::thread t([&] {
    lock.lock([&] { queued.store(true); });
    left.store(true);
    lock.unlock();
  });
  while (!queued.load()) P::this_thread::yield();
  lock.unlock();
  if (lock.try_lock()) {
    LOCKSTEP_ASSERT(left.load()) << "try_lock() overtook the waiter the lock was handed to";
    lock.unlock();
  }
  t.join();
  LOCKSTEP_ASSERT(lock.try_lock()) << "try_lock() of a lock nobody holds or waits for";
  lock.unlock();
}

// Arrival hooks run one at a time, in ticket order: a hook that finds another hook running
// (or a later ticket's hook already done) fails.
LOCKSTEP_TEST(fifo_lock_arrival_hooks_run_one_at_a_time) {
  F lock;
  P::atomic<int> in_hook{0};
  auto body = [&] {
    lock.lock([&] {
      LOCKSTEP_ASSERT(in_hook.fetch_add(1, std::memory_order_relaxed) == 0) << "two hooks at once";
      P::this_thread::yield();
      in_hook.fetch_sub(1, std::memory_order_relaxed);
    });
    lock.unlock();
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
}

// The next in line spins before it sleeps (skipped under model_platform, see
// tests/support/spinning_platform.hpp); with three threads the third sleeps at once.
using SF = lockstep::FifoLock<spinning_platform>;
LOCKSTEP_TEST(fifo_lock_spin_phase_excludes_2x1_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<SF>(2, 1);
}
LOCKSTEP_TEST(fifo_lock_spin_phase_excludes_3x1, {.preemption_bound = 2}) {
  mutual_exclusion<SF>(3, 1);
}
