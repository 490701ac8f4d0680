// Fixtures for the checks of the harness's own output (tests/checker/*.cmake): run by those
// scripts, never by CTest directly — some of them fail on purpose.
#include <lockstep/check.hpp>

using P = lockstep::model_platform;

// Fails (a lost update: two non-atomic increments), with one preemption: a FAIL row with a
// replay token and a trace.
LOCKSTEP_TEST(lost_update_fails) {
  P::atomic<int> n{0};
  auto inc = [&] { n.store(n.load() + 1); };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 2) << "lost update: n = " << n.load();
}

// Correct, but its unbounded search (4 threads) does not fit in max_executions; a small
// preemption bound does (tests/checker/incomplete_output.cmake).
LOCKSTEP_TEST(four_threads_over_the_cap, {.random = false, .max_executions = 2'000}) {
  P::atomic<int> n{0};
  auto inc = [&] {
    n.fetch_add(1);
    n.fetch_add(1);
    n.fetch_add(1);
  };
  P::thread a(inc), b(inc), c(inc), d(inc);
  a.join();
  b.join();
  c.join();
  d.join();
  LOCKSTEP_ASSERT(n.load() == 12);
}
