// P::atomic_flag under the checker: a test_and_set/clear spin lock with the right orders
// passes under the C++11 model; with relaxed orders it is a data race the checker finds; a
// clear without a notify leaves a sleeping waiter behind (deadlock).
#include <lockstep/check.hpp>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

void flag_lock(std::memory_order set_mo, std::memory_order clear_mo) {
  P::atomic_flag f;
  P::var<int> counter{0};
  auto body = [&] {
    while (f.test_and_set(set_mo))
      while (f.test(std::memory_order_relaxed)) P::spin_pause();
    counter += 1;
    f.clear(clear_mo);
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(counter.get() == 2) << "lost update";
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(atomic_flag_spin_lock_acquire_release, {.memory = memory_model::c11}) {
  flag_lock(std::memory_order_acquire, std::memory_order_release);
}

// BUG: relaxed test_and_set / clear order nothing: the counter's accesses race.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_flag_broken_relaxed_spin_lock_is_caught,
                           {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  flag_lock(std::memory_order_relaxed, std::memory_order_relaxed);
}

// A flag starts clear; test() reads it without changing it; test_and_set returns the old value.
LOCKSTEP_TEST(atomic_flag_starts_clear_and_test_and_set_returns_old) {
  P::atomic_flag f;
  LOCKSTEP_ASSERT(!f.test());
  LOCKSTEP_ASSERT(!f.test_and_set());
  LOCKSTEP_ASSERT(f.test());
  LOCKSTEP_ASSERT(f.test_and_set());
  f.clear();
  LOCKSTEP_ASSERT(!f.test());
}

// wait(true) sleeps until a clear + notify; the waiter re-checks in a loop.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_flag_wait_until_cleared) {
  P::atomic_flag busy;
  busy.test_and_set();
  P::var<int> data{0};
  P::thread t([&] {
    data = 7;
    busy.clear(std::memory_order_release);
    busy.notify_one();
  });
  while (busy.test(std::memory_order_acquire)) busy.wait(true, std::memory_order_acquire);
  LOCKSTEP_ASSERT(data.get() == 7);
  t.join();
}

// BUG: the flag is cleared without a notify: a waiter that went to sleep first never wakes.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_flag_broken_clear_without_notify_is_caught,
                           {.expect = failure_kind::deadlock}) {
  P::atomic_flag busy;
  busy.test_and_set();
  P::thread t([&] { busy.clear(); });
  while (busy.test()) busy.wait(true);
  t.join();
}
