// Locks whose holder never lets go while the lock waits: a mutex held across a join of (or a
// wait for) the thread that needs it. The graph engine gives a lock blocked in the runtime its
// read of the held state (GenMC's blocked lock read, checker/rt/src/graph/trust.cpp), so the
// order in which the blocked thread locks first is explored too; before, those programs were
// only found deadlocked (issue 12). Each program against the interleaving engine's full search
// (tests/support/cross_check.hpp, cross_check_blocking: the same complete outcomes and the same
// deadlocks, no graph twice), under SC and C11. Each thread records in its own slot: 'l' when it
// has a lock, 'u' when it let go, 'w' per wait, 's' for its store and notify, 't' for a timeout.
#include <chrono>
#include <mutex>

#include "../support/cross_check.hpp"

using namespace lockstep_test;
using mm = lockstep::memory_model;
using P = lockstep::model_platform;

namespace {

// main holds m (`holds` times: a recursive mutex) across its join of a, which needs m: main
// first is a deadlock, a first passes.
template <class Mutex, int holds = 1>
void held_across_join(thread_records& rec) {
  Mutex m;
  P::thread a([&] {
    m.lock();
    rec.slot[1] += 'l';
    m.unlock();
    rec.slot[1] += 'u';
  });
  for (int i = 0; i < holds; ++i) m.lock();
  rec.slot[0] += 'l';
  a.join();
  for (int i = 0; i < holds; ++i) m.unlock();
  rec.slot[0] += 'u';
}

// Two mutexes, each held across a join: main holds m1 across joining a, a holds m2 across
// joining b, and b needs m1, then m2.
void two_mutexes_across_joins(thread_records& rec) {
  P::mutex m1, m2;
  P::thread b([&] {
    m1.lock();
    rec.slot[2] += 'l';
    m2.lock();
    rec.slot[2] += 'l';
    m2.unlock();
    m1.unlock();
    rec.slot[2] += 'u';
  });
  P::thread a([&] {
    m2.lock();
    rec.slot[1] += 'l';
    b.join();
    m2.unlock();
    rec.slot[1] += 'u';
  });
  m1.lock();
  rec.slot[0] += 'l';
  a.join();
  m1.unlock();
  rec.slot[0] += 'u';
}

// main holds m while it waits on a condition variable for a, which takes m before it sets the
// flag and notifies: main first sleeps for good with a blocked behind it.
void lock_behind_cv_wait(thread_records& rec) {
  P::mutex m, cm;
  P::condition_variable cv;
  bool ready = false;  // guarded by cm
  P::thread a([&] {
    m.lock();
    rec.slot[1] += 'l';
    m.unlock();
    {
      std::lock_guard<P::mutex> g(cm);
      ready = true;
    }
    cv.notify_one();
    rec.slot[1] += 's';
  });
  m.lock();
  rec.slot[0] += 'l';
  {
    std::unique_lock<P::mutex> lk(cm);
    while (!ready) {
      rec.slot[0] += 'w';
      cv.wait(lk);
    }
  }
  m.unlock();
  rec.slot[0] += 'u';
  a.join();
}

// The same behind an atomic wait.
void lock_behind_atomic_wait(thread_records& rec) {
  P::mutex m;
  P::atomic<int> gate{0};
  P::thread a([&] {
    m.lock();
    rec.slot[1] += 'l';
    m.unlock();
    gate.store(1);
    gate.notify_one();
    rec.slot[1] += 's';
  });
  m.lock();
  rec.slot[0] += 'l';
  while (gate.load() == 0) {
    rec.slot[0] += 'w';
    gate.wait(0);
  }
  m.unlock();
  rec.slot[0] += 'u';
  a.join();
}

// A timed try_lock_for against a holder that never unlocks before joining it: it takes the
// mutex (a first) or times out; never a deadlock.
void timed_against_holder(thread_records& rec) {
  P::timed_mutex m;
  P::thread a([&] {
    if (m.try_lock_for(std::chrono::milliseconds(1))) {
      rec.slot[1] += 'l';
      m.unlock();
    } else {
      rec.slot[1] += 't';
    }
  });
  m.lock();
  rec.slot[0] += 'l';
  a.join();
  m.unlock();
  rec.slot[0] += 'u';
}

// A shared mutex held across the join: exclusively against a reader, shared against a writer.
void shared_across_join(thread_records& rec, bool main_exclusive) {
  P::shared_mutex m;
  P::thread a([&] {
    if (main_exclusive)
      m.lock_shared();
    else
      m.lock();
    rec.slot[1] += 'l';
    if (main_exclusive)
      m.unlock_shared();
    else
      m.unlock();
    rec.slot[1] += 'u';
  });
  if (main_exclusive)
    m.lock();
  else
    m.lock_shared();
  rec.slot[0] += 'l';
  a.join();
  if (main_exclusive)
    m.unlock();
  else
    m.unlock_shared();
  rec.slot[0] += 'u';
}

// A semaphore's last unit held across the join of a thread that needs it.
void semaphore_across_join(thread_records& rec) {
  P::binary_semaphore s{1};
  P::thread a([&] {
    s.acquire();
    rec.slot[1] += 'l';
    s.release();
    rec.slot[1] += 'u';
  });
  s.acquire();
  rec.slot[0] += 'l';
  a.join();
  s.release();
  rec.slot[0] += 'u';
}

}  // namespace

LOCKSTEP_UNIT_TEST(graph_lock_across_join_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11}) {
    const auto join = cross_check_blocking("lock across join", held_across_join<P::mutex>, m, 0);
    LOCKSTEP_ASSERT(join.deadlocks.count("l|||") && join.outcomes.count("lu|lu||"))
        << "main first deadlocks, a first passes";
    const auto rec = cross_check_blocking("recursive lock across join",
                                          held_across_join<P::recursive_mutex, 2>, m, 0);
    LOCKSTEP_ASSERT(rec.deadlocks.count("l|||") && rec.outcomes.count("lu|lu||"));
    const auto two =
        cross_check_blocking("two mutexes across joins", two_mutexes_across_joins, m, 0);
    LOCKSTEP_ASSERT(two.outcomes.count("lu|lu|llu|")) << "b first, then a, then main";
  }
}

// With spurious wake-ups on, the full search also wakes main spuriously while a has not
// started yet (the deadlock |lww|||): a wake-up no notify reaches, which the graph engine
// explores as the wait's spurious decision — both budgets are cross-checked.
LOCKSTEP_UNIT_TEST(graph_lock_behind_a_wait_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const auto cv = cross_check_blocking("lock behind cv wait", lock_behind_cv_wait, m, spurious);
      LOCKSTEP_ASSERT(cv.deadlocks.count("lw|||") && cv.outcomes.count("lu|ls||"));
      const auto futex =
          cross_check_blocking("lock behind atomic wait", lock_behind_atomic_wait, m, spurious);
      LOCKSTEP_ASSERT(futex.deadlocks.count("lw|||") && futex.outcomes.count("lu|ls||"));
    }
}

LOCKSTEP_UNIT_TEST(graph_timed_lock_against_holder_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11}) {
    const auto t = cross_check_blocking("timed lock against holder", timed_against_holder, m, 0);
    LOCKSTEP_ASSERT(t.deadlocks.empty() && t.outcomes.count("lu|l||") &&
                    t.outcomes.count("lu|t||"));
  }
}

LOCKSTEP_UNIT_TEST(graph_shared_lock_across_join_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const bool exclusive : {true, false}) {
      const auto s = cross_check_blocking(
          exclusive ? "exclusive across join of a reader" : "shared across join of a writer",
          [&](thread_records& r) { shared_across_join(r, exclusive); }, m, 0);
      LOCKSTEP_ASSERT(s.deadlocks.count("l|||") && s.outcomes.count("lu|lu||"));
    }
  for (const mm m : {mm::sequential, mm::c11}) {
    const auto s = cross_check_blocking("semaphore across join", semaphore_across_join, m, 0);
    LOCKSTEP_ASSERT(s.deadlocks.count("l|||") && s.outcomes.count("lu|lu||"));
  }
}

// The broken twin: a writes after its unlock, and main, which held m across its join of a,
// asserts that a never ran its critical section before main's — wrong when a locks first, the
// order only a blocked lock read reaches. The graph engine must find the assertion failure
// (deadlocks, main first, are tolerated here) with a token that replays it; the correct
// assertion must pass.
namespace {
void lock_order_twin(bool broken) {
  P::mutex m;
  P::atomic<int> done{0};
  P::thread a([&] {
    m.lock();
    m.unlock();
    done.store(1);
  });
  m.lock();
  a.join();
  m.unlock();
  if (broken)
    LOCKSTEP_ASSERT(done.load() == 0) << "a ran while main held m";
  else
    LOCKSTEP_ASSERT(done.load() == 1) << "a is joined";
}
lockstep::model_test_options twin_options(mm m) {
  lockstep::model_test_options o;
  o.engine = lockstep::engine::graph;
  o.memory = m;
  o.jobs = 1;
  o.on_deadlock = [](void*) {};  // main first: a deadlock, not what the twin is about
  return o;
}
}  // namespace

LOCKSTEP_UNIT_TEST(graph_lock_order_bug_is_caught_with_a_replayable_token) {
  for (const mm m : {mm::sequential, mm::c11}) {
    const auto o = twin_options(m);
    const auto x = lockstep::explore(
        "graph_lock_order_twin", [] { lock_order_twin(true); }, o);
    LOCKSTEP_ASSERT(!x.passed && x.verdict == "FAIL: assertion" && !x.token.empty())
        << x.verdict << "\n"
        << x.report;
    const auto r = lockstep::replay(
        "graph_lock_order_twin", [] { lock_order_twin(true); }, o, x.token);
    LOCKSTEP_ASSERT(r.verdict == "FAIL: assertion") << r.verdict << "\n" << r.report;
    const auto ok = lockstep::explore(
        "graph_lock_order_ok", [] { lock_order_twin(false); }, o);
    LOCKSTEP_ASSERT(ok.passed) << ok.verdict << "\n" << ok.report;
  }
}
