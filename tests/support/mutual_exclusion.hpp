// Shared model-test body: mutual exclusion of a Lockable under the checker.
#pragma once

#include <lockstep/check.hpp>

#include <mutex>

namespace lockstep_test {

// `threads` threads (at most 3) each enter the critical section `rounds` times; nobody else
// may be inside (relaxed occupancy counter: it must not order the threads itself, or it
// would hide a lock that fails to synchronise from the race detector), and the protected
// plain counter must add up.
template <class Lock>
void mutual_exclusion(int threads, int rounds, bool plain_data = true) {
  using P = lockstep::model_platform;
  Lock lock;
  P::atomic<int> inside{0};
  P::var<int> counter{0};
  auto body = [&] {
    for (int r = 0; r < rounds; ++r) {
      std::lock_guard<Lock> g(lock);
      LOCKSTEP_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0)
          << "two threads in the critical section";
      if (plain_data) counter += 1;
      inside.fetch_sub(1, std::memory_order_relaxed);
    }
  };
  P::thread ts[3];
  for (int i = 0; i < threads; ++i) ts[i] = P::thread(body);
  for (int i = 0; i < threads; ++i) ts[i].join();
  if (plain_data) {
    LOCKSTEP_ASSERT(counter.get() == threads * rounds) << "lost update: " << counter.get();
  }
}

}  // namespace lockstep_test
