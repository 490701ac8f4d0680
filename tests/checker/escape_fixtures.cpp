// Fixtures for tests/checker/escape_output.cmake: tests that leave lockstep's control (issue
// 18, checker/rt/src/escape.hpp). Run one at a time by that script, never by CTest directly:
// each ends the process, on purpose.
#include <lockstep/check.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

using P = lockstep::model_platform;

namespace {
// Keeps the optimiser from folding the faults away.
volatile int g_zero = 0;
int* volatile g_null = nullptr;
}  // namespace

// abort() inside a simulated thread: the report names the test, the thread and the token.
LOCKSTEP_TEST(abort_in_a_simulated_thread, {.random = false}) {
  P::atomic<int> n{0};
  P::thread a([&] {
    if (n.fetch_add(1) == 1) std::abort();
  });
  n.fetch_add(1);
  a.join();
}

// A null-pointer write inside a simulated thread.
LOCKSTEP_TEST(segfault_in_a_simulated_thread, {.random = false}) {
  P::atomic<int> n{0};
  P::thread a([&] {
    if (n.fetch_add(1) == 1) *g_null = g_zero;
  });
  n.fetch_add(1);
  a.join();
}

// std::exit inside a simulated thread: reported, exit status 4, no crash of the stack pool.
LOCKSTEP_TEST(exit_in_a_simulated_thread, {.random = false}) {
  P::atomic<int> n{0};
  P::thread a([&] {
    if (n.fetch_add(1) == 1) std::exit(0);
  });
  n.fetch_add(1);
  a.join();
}

// A real std::mutex held across a scheduling point: when the other simulated thread tries to
// lock it, the one OS thread blocks in the kernel for good. The watchdog reports it.
LOCKSTEP_TEST(std_mutex_held_across_a_scheduling_point, {.random = false}) {
  std::mutex m;
  P::atomic<int> n{0};
  auto body = [&] {
    std::lock_guard<std::mutex> g(m);
    n.fetch_add(1);  // a scheduling point while holding the real mutex
  };
  P::thread a(body);
  body();
  a.join();
}

// Its correct version: the platform's mutex, the same program; passes under a short bound.
LOCKSTEP_TEST(platform_mutex_held_across_a_scheduling_point, {.random = false}) {
  P::mutex m;
  P::atomic<int> n{0};
  auto body = [&] {
    std::lock_guard<P::mutex> g(m);
    n.fetch_add(1);
  };
  P::thread a(body);
  body();
  a.join();
  LOCKSTEP_ASSERT(n.load() == 2);
}

// A spin on a std::atomic another simulated thread sets: the spinning thread never reaches a
// scheduling point, so the setter never runs.
LOCKSTEP_TEST(spin_on_a_std_atomic, {.random = false}) {
  std::atomic<bool> go{false};
  P::atomic<int> n{0};
  P::thread a([&] {
    n.fetch_add(1);
    go.store(true);
  });
  while (!go.load()) {
  }
  a.join();
}

namespace {
// An OS thread started before any execution (at static initialisation): it waits for a
// model atomic to be published, then stores to it — a model operation from outside the model.
std::atomic<P::atomic<int>*> g_published{nullptr};
const bool g_foreign_started = [] {
  std::thread([] {
    P::atomic<int>* a = nullptr;
    while ((a = g_published.load()) == nullptr)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    a->store(7);
  }).detach();
  return true;
}();
}  // namespace

LOCKSTEP_TEST(model_operation_from_a_foreign_thread, {.random = false, .max_steps = 3'000'000}) {
  static P::atomic<int> target{0};
  g_published.store(&target);
  // Scheduling points until the foreign store is seen (it is reported at the next one).
  for (;;) {
    P::this_thread::yield();
    std::this_thread::yield();
  }
}
