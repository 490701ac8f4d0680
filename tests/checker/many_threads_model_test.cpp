// Any number of simulated threads per execution (issue 13): per-thread state (vector clocks,
// thread sets, DPOR's per-thread arrays, PCT priorities) is sized by the threads that exist.
// 100+ threads in random mode (SCTBench's twostage_100 and its fixed twin), 20 threads
// exhaustively with both engines (and a race between two threads past the old limit of
// 16), 70 waiters on one futex and one condition variable (thread sets past 64), waiters and
// readers past 32 under the graph engine, and running out of memory for fiber stacks: a
// failure that names the user's line.
#include <lockstep/check.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "../support/line_info.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

// SCTBench's twostage (CS/twostage_bad): writers set data1 and then, in a second critical
// section, data2 = data1 + 1; a reader that sees data1 set must see data2 consistent with it.
// The bug: the reader runs between a writer's two stages. `fixed`: one critical section.
void twostage(int writers, bool fixed) {
  P::mutex m1, m2;
  int data1 = 0, data2 = 0;
  std::vector<std::unique_ptr<P::thread>> ts;
  auto writer = [&] {
    if (fixed) {
      std::scoped_lock l(m1, m2);
      data1 = 1;
      data2 = data1 + 1;
      return;
    }
    {
      std::lock_guard l(m1);
      data1 = 1;
    }
    std::lock_guard l(m2);
    data2 = data1 + 1;
  };
  auto reader = [&] {
    int t1 = 0, t2 = 0;
    if (fixed) {
      std::scoped_lock l(m1, m2);
      t1 = data1;
      t2 = data2;
    } else {
      {
        std::lock_guard l(m1);
        t1 = data1;
      }
      std::lock_guard l(m2);
      t2 = data2;
    }
    if (t1 != 0) LOCKSTEP_ASSERT(t2 == t1 + 1) << "data2 = " << t2 << " after data1 = " << t1;
  };
  // The reader starts right after the first writer (spawned last, it would find every
  // writer done).
  for (int i = 0; i < writers; ++i) {
    ts.push_back(std::make_unique<P::thread>(writer));
    if (i == 0) ts.push_back(std::make_unique<P::thread>(reader));
  }
  for (auto& t : ts) t->join();
}

}  // namespace

// 100 writers + the reader + the test's body: 102 simulated threads.
LOCKSTEP_TEST(twostage_100_is_caught_in_random_mode,
              {.expect = failure_kind::assertion, .exhaustive = false, .iterations = 2000}) {
  twostage(100, false);
}
LOCKSTEP_TEST(twostage_100_fixed_passes_in_random_mode,
              {.exhaustive = false, .iterations = 20, .max_steps = 20'000}) {
  twostage(100, true);
}

namespace {
// 20 threads (with the body, 21): each increments its own counter, and the last two also
// add to a shared one (two orders). `race`: threads 17 and 19 also write one plain var
// without synchronisation — both past the old limit of 16 threads.
void twenty_threads(bool race) {
  constexpr int kThreads = 20;
  P::atomic<int> own[kThreads];
  P::atomic<int> shared{0};
  P::var<int> plain{0};
  std::vector<std::unique_ptr<P::thread>> ts;
  for (int i = 0; i < kThreads; ++i)
    ts.push_back(std::make_unique<P::thread>([&, i] {
      own[i].fetch_add(1);
      if (i >= kThreads - 2) shared.fetch_add(1);
      if (race && (i == 17 || i == 19)) plain = i;
    }));
  for (auto& t : ts) t->join();
  for (auto& o : own) LOCKSTEP_ASSERT(o.load() == 1);
  LOCKSTEP_ASSERT(shared.load() == 2);
}
}  // namespace

LOCKSTEP_TEST(twenty_threads_exhaustive_graph, {.engine = lockstep::engine::graph}) {
  twenty_threads(false);
}
LOCKSTEP_TEST(twenty_threads_exhaustive_dpor, {.engine = lockstep::engine::dpor}) {
  twenty_threads(false);
}
LOCKSTEP_TEST(twenty_threads_race_past_16_is_caught_graph,
              {.expect = failure_kind::data_race, .engine = lockstep::engine::graph}) {
  twenty_threads(true);
}
LOCKSTEP_TEST(twenty_threads_race_past_16_is_caught_dpor,
              {.expect = failure_kind::data_race, .engine = lockstep::engine::dpor}) {
  twenty_threads(true);
}

namespace {
// 70 threads wait (on an atomic, then on a condition variable) until the body releases them:
// the waiter sets hold thread ids past 64.
void seventy_waiters() {
  constexpr int kThreads = 70;
  P::atomic<int> flag{0};
  P::mutex m;
  P::condition_variable cv;
  bool go = false;
  int done = 0;
  std::vector<std::unique_ptr<P::thread>> ts;
  for (int i = 0; i < kThreads; ++i)
    ts.push_back(std::make_unique<P::thread>([&] {
      while (flag.load() == 0) flag.wait(0);
      std::unique_lock l(m);
      while (!go) cv.wait(l);
      ++done;
    }));
  flag.store(1);
  flag.notify_all();
  {
    std::lock_guard l(m);
    go = true;
  }
  cv.notify_all();
  for (auto& t : ts) t->join();
  LOCKSTEP_ASSERT(done == kThreads);
}
}  // namespace

LOCKSTEP_TEST(seventy_waiters_random,
              {.exhaustive = false, .iterations = 50, .max_steps = 20'000}) {
  seventy_waiters();
}

namespace {
// 40 threads, of which the last ones (ids past 32: the graph engine's packed states hold ids
// below 31, graph/set_values.hpp) wait on a condition variable, on an atomic (futex) and
// hold a shared mutex; the others only exist, so the exhaustive search stays small.
// `notify_one_only`: the broken twin releases the cv's waiters with one notify_one (a waiter
// is never woken: a deadlock); `writer_shares`: the writer takes the shared mutex shared, so
// a reader can see its two stores half done.
constexpr int kForty = 40;
void forty_threads(bool notify_one_only, bool writer_shares) {
  P::mutex m;
  P::condition_variable cv;
  P::atomic<int> flag{0};
  P::shared_mutex rw;
  P::var<int> x{0}, y{0};
  bool go = false;
  std::vector<std::unique_ptr<P::thread>> ts;
  for (int i = 1; i <= kForty; ++i)
    ts.push_back(std::make_unique<P::thread>([&, i] {
      if (i == kForty - 2 || i == kForty - 1) {  // ids 38 and 39: cv waiters
        std::unique_lock l(m);
        while (!go) cv.wait(l);
      } else if (i == kForty) {  // id 40: waits on the atomic, then reads under the lock
        while (flag.load() == 0) flag.wait(0);
        std::shared_lock l(rw);
        LOCKSTEP_ASSERT(x == y) << "x = " << x << ", y = " << y;
      } else if (i == kForty - 3) {  // id 37: another reader
        std::shared_lock l(rw);
        LOCKSTEP_ASSERT(x == y) << "x = " << x << ", y = " << y;
      }
    }));
  {
    std::lock_guard l(m);
    go = true;
  }
  if (notify_one_only)
    cv.notify_one();
  else
    cv.notify_all();
  flag.store(1);
  flag.notify_all();
  if (writer_shares) {
    rw.lock_shared();
    x = 1;
    y = 1;
    rw.unlock_shared();
  } else {
    std::lock_guard l(rw);
    x = 1;
    y = 1;
  }
  for (auto& t : ts) t->join();
}
}  // namespace

// Exhaustively, with the graph engine (its waiter sets and readers are any number of
// threads): the correct program passes, both broken twins are caught with a replay token.
LOCKSTEP_TEST(forty_threads_wait_and_share_exhaustive_graph,
              {.random = false, .engine = lockstep::engine::graph}) {
  forty_threads(false, false);
}
LOCKSTEP_TEST(forty_threads_lost_waiter_is_caught_graph, {.expect = failure_kind::deadlock,
                                                          .random = false,
                                                          .engine = lockstep::engine::graph}) {
  forty_threads(true, false);
}
LOCKSTEP_TEST(forty_threads_shared_writer_is_caught_graph, {.expect = failure_kind::data_race,
                                                            .random = false,
                                                            .engine = lockstep::engine::graph}) {
  forty_threads(false, true);
}

namespace {
// Spawns threads until the fiber stacks exhaust the address space the test allows.
int spawn_line = 0;
void spawn_until_out_of_memory() {
  std::vector<std::unique_ptr<P::thread>> ts;
  for (int i = 0; i < 64; ++i) {
    spawn_line = __LINE__ + 1;
    ts.push_back(std::make_unique<P::thread>([] {}));
  }
  for (auto& t : ts) t->join();
}
}  // namespace

// Resource exhaustion is a failure of the test, located at the user's line that created the
// thread: with the address space limited to what is in use plus 1 GiB and 64 MiB stacks, the
// spawn of about the 16th thread cannot map its stack.
LOCKSTEP_UNIT_TEST(out_of_memory_for_threads_names_the_users_line) {
  lockstep_test::need_line_info();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return;  // sanitizers reserve the address space a limit would take away
#endif
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  LOCKSTEP_ASSERT(pages > 0) << "cannot read /proc/self/statm";
  rlimit old{};
  getrlimit(RLIMIT_AS, &old);
  rlimit lim = old;
  lim.rlim_cur = static_cast<rlim_t>(pages) * 4096 + (rlim_t{1} << 30);
  setrlimit(RLIMIT_AS, &lim);
  lockstep::model_test_options o;
  o.random = false;
  o.stack_size = std::size_t{64} << 20;
  const auto x = lockstep::explore("out_of_memory", spawn_until_out_of_memory, o, true);
  setrlimit(RLIMIT_AS, &old);
  LOCKSTEP_ASSERT(x.verdict == "FAIL: misuse") << x.verdict;
  LOCKSTEP_ASSERT(x.report.find("out of memory for simulated thread") != std::string::npos)
      << x.report;
  LOCKSTEP_ASSERT(x.report.find("cannot allocate a fiber stack") != std::string::npos) << x.report;
  const std::string line =
      "tests/checker/many_threads_model_test.cpp:" + std::to_string(spawn_line);
  LOCKSTEP_ASSERT(x.report.find(line) != std::string::npos) << "no " << line << " in\n" << x.report;
}
