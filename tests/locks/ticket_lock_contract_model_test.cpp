// Contract tests of TicketLock (lockstep/ticket_lock.hpp), one per stated guarantee (issue 18
// item 5): mutual exclusion with unlock() -> lock() happens-before (SC and C11: tickets are
// relaxed, serving is acquire/release), FIFO order by ticket (lock() returns the ticket, in
// arrival order 0, 1, 2, ...), and try_lock(): it fails while held or while a ticket waits, and
// succeeds on a free lock without disturbing the queue.
#include <lockstep/check.hpp>
#include <lockstep/ticket_lock.hpp>

#include <cstdint>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"

using P = lockstep::model_platform;
using TL = lockstep::TicketLock<P>;
using lockstep::memory_model;
using namespace lockstep_test;

LOCKSTEP_TEST(ticket_lock_excludes_2x2) { mutual_exclusion<TL>(2, 2); }
LOCKSTEP_TEST(ticket_lock_excludes_3x1) { mutual_exclusion<TL>(3, 1); }
LOCKSTEP_TEST(ticket_lock_excludes_2x2_c11, {.memory = memory_model::c11}) {
  mutual_exclusion<TL>(2, 2);
}
LOCKSTEP_TEST(ticket_lock_try_lock_fails_while_held) { try_lock_fails_while_held<TL>(); }
LOCKSTEP_TEST(ticket_lock_try_lock_excludes) { try_lock_excludes<TL>(); }
LOCKSTEP_TEST(ticket_lock_try_lock_excludes_c11, {.memory = memory_model::c11}) {
  try_lock_excludes<TL>(/*retry=*/true);
}

// FIFO: each acquirer holds the next ticket in sequence, starting at 0.
LOCKSTEP_TEST(ticket_lock_serves_tickets_in_order) {
  TL lock;
  P::var<std::uint32_t> expected{0};
  auto body = [&] {
    for (int i = 0; i < 2; ++i) {
      const std::uint32_t t = lock.lock();
      LOCKSTEP_ASSERT(t == expected.get()) << "ticket " << t << " served before " << expected.get();
      expected = t + 1;
      lock.unlock();
    }
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(expected.get() == 4);
  LOCKSTEP_ASSERT(lock.lock() == 4) << "the next ticket after four acquisitions";
  lock.unlock();
}

// try_lock() takes a ticket only if it is served at once: a successful try_lock is ticket 0
// here and the next lock() gets ticket 1; while a waiter holds a ticket, try_lock fails.
LOCKSTEP_TEST(ticket_lock_try_lock_takes_a_ticket_only_if_served) {
  TL lock;
  LOCKSTEP_ASSERT(lock.try_lock()) << "try_lock() of a free lock";
  LOCKSTEP_ASSERT(!lock.try_lock()) << "try_lock() of a held lock";
  P::atomic<bool> waiting{false};
  P::thread t([&] {
    waiting.store(true);
    const std::uint32_t my = lock.lock();
    LOCKSTEP_ASSERT(my == 1) << "the waiter's ticket " << my;
    lock.unlock();
  });
  while (!waiting.load()) P::this_thread::yield();
  lock.unlock();
  t.join();
  LOCKSTEP_ASSERT(lock.try_lock()) << "try_lock() after everyone left";
  lock.unlock();
  LOCKSTEP_ASSERT(lock.lock() == 3);
  lock.unlock();
}
