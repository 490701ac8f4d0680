// Small programs that fail in some interleavings, for the tests that need a failing body and
// are about the checker rather than the program: the detectors (tests/checker, tests/graph),
// the step loop's plain step (tests/checker/step_loop_test.cpp) and the traces of a report
// (tests/std_surface/thread_handle_model_test.cpp). One body each, not a copy per test.
#pragma once

#include <lockstep/check.hpp>

#include <mutex>

namespace lockstep_test {

// Two threads increment one atomic by a load and a store, then are joined: an interleaving
// loses an update (an assertion failure: reported through lockstep::report_failure, so it also
// fails where no LOCKSTEP_ASSERT hook is installed, as in an execution run directly).
inline void lost_update() {
  using P = lockstep::model_platform;
  P::atomic<int> n{0};
  auto add = [&] { n.store(n.load() + 1); };
  P::thread a(add), b(add);
  a.join();
  b.join();
  if (n.load() != 2) lockstep::report_failure(lockstep::failure_kind::assertion, "lost update");
}

// Two threads take two mutexes in opposite orders: an interleaving deadlocks.
inline void opposite_lock_order() {
  using P = lockstep::model_platform;
  P::mutex m1, m2;
  P::thread a([&] {
    std::lock_guard<P::mutex> g1(m1);
    std::lock_guard<P::mutex> g2(m2);
  });
  P::thread b([&] {
    std::lock_guard<P::mutex> g2(m2);
    std::lock_guard<P::mutex> g1(m1);
  });
  a.join();
  b.join();
}

}  // namespace lockstep_test
