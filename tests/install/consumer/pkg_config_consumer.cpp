// Built with nothing but `pkg-config --cflags --libs lockstep` (tests/install): one unit test
// of a production primitive and one model test.
#include <lockstep/check.hpp>
#include <lockstep/ticket_lock.hpp>

#include <mutex>

using P = lockstep::model_platform;

LOCKSTEP_UNIT_TEST(pkg_config_production_lock) {
  lockstep::TicketLock<> lock;
  std::lock_guard g(lock);
}

LOCKSTEP_TEST(pkg_config_model_counter) {
  P::atomic<int> n{0};
  P::thread a([&] { n.fetch_add(1); }), b([&] { n.fetch_add(1); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 2);
}
