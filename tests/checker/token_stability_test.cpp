// Replay tokens and seeds are stable across versions of the checker: tokens printed by the
// checker before per-thread state became unbounded (issue 13; recorded with the binary of
// commit 066df85) must still be what the same seeds find, and must still replay the same
// failure. One body per engine and strategy: random (SC and C11), DPOR and the graph engine
// (SC and RC11), with a notify_one whose choice of waiter is part of the schedule.
#include <lockstep/check.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "../graph/reference_programs.hpp"

using P = lockstep::model_platform;

namespace {

// Lost update: both threads read 0, both write 1.
void lost_update() {
  P::atomic<int> n{0};
  auto inc = [&] { n.store(n.load() + 1); };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 2) << "lost update";
}

// Store buffering under C11 (the graph tests' litmus program): both loads read 0.
void store_buffering() {
  std::string out;
  lockstep_test::sb(out);
  LOCKSTEP_ASSERT(out != "00") << "both loads read 0";
}

// Three waiters, one notify_one: which waiter wakes is a choice; the test fails when it is
// not the first one to have waited (the third waiter then stays asleep: a deadlock is
// avoided by a notify_all at the end).
void which_waiter() {
  P::mutex m;
  P::condition_variable cv;
  int waiting = 0, woken = -1, go = 0;
  auto waiter = [&](int id) {
    std::unique_lock<P::mutex> l(m);
    ++waiting;
    while (go == 0) cv.wait(l);
    if (woken < 0) woken = id;
  };
  P::thread a(waiter, 1), b(waiter, 2), c(waiter, 3);
  {
    std::unique_lock<P::mutex> l(m);
    while (waiting < 3) {
      l.unlock();
      P::this_thread::yield();
      l.lock();
    }
    go = 1;
    cv.notify_one();
  }
  {
    std::unique_lock<P::mutex> l(m);
    cv.notify_all();
  }
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(woken == 1) << "thread " << woken << " woke first";
}

struct golden {
  const char* name;
  void (*body)();
  lockstep::model_test_options opts;
  bool exhaustive;
  const char* token;  // as printed before issue 13
};

lockstep::model_test_options random_opts(std::uint64_t seed, bool c11 = false) {
  lockstep::model_test_options o;
  o.exhaustive = false;
  o.seed = seed;
  o.iterations = 10'000;
  if (c11) o.memory = lockstep::memory_model::c11;
  return o;
}
lockstep::model_test_options engine_opts(lockstep::engine e, bool c11 = false) {
  lockstep::model_test_options o;
  o.random = false;
  o.engine = e;
  if (c11) o.memory = lockstep::memory_model::c11;
  return o;
}

const golden kGolden[] = {
    {"stable_lost_update", lost_update, random_opts(11), false,
     "stable_lost_update@1.rnd.5833679380957638813.2000.1.0001101"},
    {"stable_sb_c11", store_buffering, random_opts(12, true), false,
     "stable_sb_c11@1.rnd.15719682454639411054.2000.1.001*4."},
    {"stable_which_waiter", which_waiter, random_opts(13), false,
     "stable_which_waiter@1.rnd.14180207640020093695.2000.1.021031001302111001011"},
    {"stable_lost_update", lost_update, engine_opts(lockstep::engine::dpor), true,
     "stable_lost_update@1.dpor.0.2000.1.0001100"},
    {"stable_which_waiter", which_waiter, engine_opts(lockstep::engine::dpor), true,
     "stable_which_waiter@1.dpor.0.2000.1.0*25.110*5."},
    {"stable_lost_update", lost_update, engine_opts(lockstep::engine::graph), true,
     "stable_lost_update@1.graph.0.2000.1.1101101"},
    {"stable_sb_c11", store_buffering, engine_opts(lockstep::engine::graph, true), true,
     "stable_sb_c11@1.graph.0.2000.1.1*6.0"},
    {"stable_which_waiter", which_waiter, engine_opts(lockstep::engine::graph), true,
     "stable_which_waiter@1.graph.0.2000.1.0*5.1100221133220*6.1112011"},
};

}  // namespace

LOCKSTEP_UNIT_TEST(tokens_of_earlier_versions_are_found_and_replay) {
  const bool print = std::getenv("LOCKSTEP_PRINT_GOLDEN") != nullptr;
  for (const golden& g : kGolden) {
    const auto x = lockstep::explore(g.name, g.body, g.opts, g.exhaustive);
    // The search's own find, before minimisation (which may report a smaller execution).
    const std::string found = x.original_token.empty() ? x.token : x.original_token;
    if (print) {
      std::printf("    \"%s\",\n", found.c_str());
      continue;
    }
    LOCKSTEP_ASSERT(!x.passed) << g.name << ": the failure was not found";
    LOCKSTEP_ASSERT(found == g.token)
        << g.name << ": the same search now finds " << found << ", earlier " << g.token;
    const auto r = lockstep::replay(g.name, g.body, g.opts, g.token);
    LOCKSTEP_ASSERT(r.verdict == x.verdict) << g.name << ": the earlier token replays as '"
                                            << r.verdict << "', not '" << x.verdict << "'";
  }
}
