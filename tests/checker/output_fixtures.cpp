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

// Fails with a data race (tests/checker/html_*.cmake): the flag is relaxed, so the reader that
// sees it set reads `data` unordered with the write. The reader's load reads the writer's
// store: its trace step names that store (the HTML view draws it as an arrow).
LOCKSTEP_TEST(racy_publication_fails, {.random = false}) {
  P::atomic<int> ready{0};
  P::var<int> data{0};
  P::thread writer([&] {
    data.set(42);  // (set(), not =: the operators' race location is the library's line)
    ready.store(1, std::memory_order_relaxed);
  });
  P::thread reader([&] {
    if (ready.load(std::memory_order_relaxed) == 1) LOCKSTEP_ASSERT(data.get() == 42);
  });
  writer.join();
  reader.join();
}

// Fails in two ways (tests/checker/minimize_output.cmake): seeing the writer's intermediate
// value needs preemptions, reading before the writer ran needs none. Whichever failure a mode
// finds first, its minimised execution must fail the same way, never the other.
LOCKSTEP_TEST(fails_in_two_ways) {
  P::atomic<int> x{0};
  P::thread writer([&] {
    x.store(1);
    x.store(2);
  });
  const int v = x.load();
  writer.join();
  LOCKSTEP_ASSERT(v != 1) << "saw the intermediate value";
  LOCKSTEP_ASSERT(v != 0) << "read before the writer ran";
}
