// Model tests of the first primitives (spin lock, TTAS lock, ticket lock) and their broken
// twins: the checker must prove the correct ones in every interleaving and catch the broken
// ones, in exhaustive and random mode, with a token that replays the failure.
#include <lockstep/check.hpp>
#include <lockstep/ticket_lock.hpp>

#include <mutex>

using P = lockstep::model_platform;

#include "../support/mutual_exclusion.hpp"

using lockstep_test::mutual_exclusion;

namespace {

// Broken twin of SpinLock: test and set as two separate operations.
class NonAtomicTASLock {
 public:
  void lock() {
    while (locked_.load(std::memory_order_acquire)) P::spin_pause();
    locked_.store(true, std::memory_order_relaxed);  // another thread may have set it too
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  P::atomic<bool> locked_{false};
};

// Broken twin of TicketLock: unlock advances `serving` with a relaxed store; under the
// sequentially consistent exploration it still excludes, but the next holder does not
// acquire the previous holder's writes: the race detector must report the plain counter.
class RelaxedTicketLock {
 public:
  void lock() {
    auto my = next_.fetch_add(1, std::memory_order_relaxed);
    while (serving_.load(std::memory_order_relaxed) != my) P::spin_pause();
  }
  void unlock() {
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

 private:
  P::atomic<unsigned> next_{0};
  P::atomic<unsigned> serving_{0};
};

}  // namespace

// The correct locks' exclusion proofs (2x2, 3x1) live with the lock family in
// tests/locks/locks_model_test.cpp; here only their broken twins.

LOCKSTEP_TEST(broken_non_atomic_tas_is_caught, {.expect = lockstep::failure_kind::assertion}) {
  mutual_exclusion<NonAtomicTASLock>(2, 1, /*plain_data=*/false);
}

LOCKSTEP_TEST(broken_relaxed_ticket_lock_races, {.expect = lockstep::failure_kind::data_race}) {
  mutual_exclusion<RelaxedTicketLock>(2, 1);
}

// FIFO: the order of acquisition equals the order of tickets taken.
LOCKSTEP_TEST(ticket_lock_is_fifo) {
  lockstep::TicketLock<P> lock;
  P::var<unsigned> expected_next{0};
  auto body = [&] {
    unsigned ticket = lock.lock();
    LOCKSTEP_ASSERT(ticket == expected_next.get())
        << "ticket " << ticket << " served before ticket " << expected_next.get();
    expected_next = ticket + 1;
    lock.unlock();
  };
  P::thread a(body), b(body), c(body);
  a.join();
  b.join();
  c.join();
}

LOCKSTEP_TEST(try_lock_fails_while_held) {
  lockstep::TicketLock<P> lock;
  P::atomic<bool> held{false};
  P::thread t([&] {
    lock.lock();
    held.store(true);
    held.store(false);
    lock.unlock();
  });
  if (lock.try_lock()) {
    LOCKSTEP_ASSERT(!held.load());
    lock.unlock();
  }
  t.join();
}
