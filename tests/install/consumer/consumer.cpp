// Model tests of a downstream project (tests/install): discovered by CTest one by one.
#include <lockstep/check.hpp>
#include <lockstep/ticket_lock.hpp>

#include <mutex>

using P = lockstep::model_platform;

LOCKSTEP_UNIT_TEST(production_ticket_lock) {
  lockstep::TicketLock<> lock;
  std::lock_guard g(lock);
}

LOCKSTEP_TEST(model_ticket_lock) {
  lockstep::TicketLock<P> lock;
  P::var<int> n{0};
  auto body = [&] {
    std::lock_guard g(lock);
    n += 1;
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}

// No lock at all: the checker must find the lost update.
LOCKSTEP_TEST(broken_lock_is_caught, {.expect = lockstep::failure_kind::assertion}) {
  P::atomic<int> n{0};
  auto body = [&] { n.store(n.load() + 1); };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 2);
}
