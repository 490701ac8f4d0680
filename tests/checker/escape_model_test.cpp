// Concurrency lockstep does not control is a misuse verdict with a replay token (issue 18,
// checker/rt/src/escape.hpp): a real OS thread started by a simulated thread, a real sleep on
// one. The correct versions use the platform's thread and sleep and must pass.
#include <lockstep/check.hpp>

#include <chrono>
#include <thread>

#include "../std_surface/both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;

// clang's static sanitizer runtimes own pthread_create and nanosleep (uncontrolled.cpp).
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define NO_INTERPOSITION 1
#endif
#endif

#ifndef NO_INTERPOSITION
// A std::thread inside a model test runs beside the model, never explored: misuse, located
// at the line that starts it.
LOCKSTEP_TEST_BOTH_ENGINES(std_thread_in_a_simulated_thread_is_caught,
                           {.expect = failure_kind::misuse}) {
  P::atomic<int> n{0};
  P::thread a([&] { n.fetch_add(1); });
  std::thread real([] {});
  real.join();
  a.join();
}

// std::this_thread::sleep_for really sleeps (every simulated thread with it) and does not
// move the virtual clock: misuse.
LOCKSTEP_TEST_BOTH_ENGINES(real_sleep_in_a_simulated_thread_is_caught,
                           {.expect = failure_kind::misuse}) {
  P::atomic<int> n{0};
  P::thread a([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n.fetch_add(1);
  });
  n.fetch_add(1);
  a.join();
}
#endif

// The same programs on the platform's thread and sleep pass.
LOCKSTEP_TEST_BOTH_ENGINES(platform_thread_and_sleep_pass) {
  P::atomic<int> n{0};
  P::thread a([&] {
    P::this_thread::sleep_for(std::chrono::milliseconds(1));
    n.fetch_add(1);
  });
  P::thread b([&] { n.fetch_add(1); });
  b.join();
  a.join();
  LOCKSTEP_ASSERT(n.load() == 2);
}

}  // namespace
