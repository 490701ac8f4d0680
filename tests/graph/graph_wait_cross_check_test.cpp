// Atomic waiting (atomic<T>::wait / notify_one / notify_all, atomic_flag), alone and mixed with
// mutexes (and condition variables, notified or not), under the graph engine against the
// interleaving engine's full search (no DPOR): the same complete outcomes and the same deadlocks
// (tests/support/cross_check.hpp, cross_check_blocking), no graph twice, under SC and C11, with
// spurious wake-ups off and on (issue 12). Each thread records in its
// own slot what it did: 'w' for a wait called, 'r' for a wait returned (or the wait loop
// left), digits for values read; a deadlock's record shows who was left asleep where.
#include "graph/consistency.hpp"

#include <optional>

#include "../support/cross_check.hpp"

using namespace lockstep_test;
using mm = lockstep::memory_model;
using P = lockstep::model_platform;

namespace {

constexpr std::memory_order rlx = std::memory_order_relaxed;
constexpr std::memory_order acq = std::memory_order_acquire;
constexpr std::memory_order rel = std::memory_order_release;
constexpr std::memory_order sc = std::memory_order_seq_cst;

enum class wake { one, all };

// K waiters loop `while (w.load() == 0) w.wait(0)`; main stores 1, then notifies once.
template <int K>
void waiters(thread_records& rec, wake how, std::memory_order wait_mo = sc,
             std::memory_order store_mo = sc) {
  P::atomic<int> w{0};
  auto waiter = [&](int id) {
    while (w.load(wait_mo) == 0) {
      rec.slot[id] += 'w';
      w.wait(0, wait_mo);
    }
    rec.slot[id] += 'r';
  };
  P::thread a(waiter, 1);
  std::optional<P::thread> b, c;
  if constexpr (K >= 2) b.emplace(waiter, 2);
  if constexpr (K >= 3) c.emplace(waiter, 3);
  w.store(1, store_mo);
  if (how == wake::one)
    w.notify_one();
  else
    w.notify_all();
  a.join();
  if (b) b->join();
  if (c) c->join();
}

// One wait, no loop, and a store that nobody notifies: the wait returns if its comparison sees
// the store, else it sleeps for good.
void store_without_notify(thread_records& rec) {
  P::atomic<int> w{0};
  P::thread t([&] {
    rec.slot[1] += 'w';
    w.wait(0);
    rec.slot[1] += 'r';
    rec.slot[1] += static_cast<char>('0' + w.load());
  });
  w.store(1);
  t.join();
}

// A condition variable nobody notifies: main sets the flag under the mutex and never
// notifies. The waiter's predicate loop ends if it saw the flag before waiting, or wakes
// spuriously while main can still run and then sees it (or waits again, for good: a deadlock,
// as when it sleeps first and main only joins).
void cv_without_notify(thread_records& rec) {
  P::mutex m;
  P::condition_variable cv;
  bool ready = false;  // guarded by m
  P::thread a([&] {
    std::unique_lock<P::mutex> lk(m);
    while (!ready) {
      rec.slot[1] += 'w';
      cv.wait(lk);
    }
    rec.slot[1] += 'r';
  });
  {
    std::lock_guard<P::mutex> g(m);
    ready = true;
  }
  rec.slot[0] += 's';
  a.join();
}

// The same with a timed wait: a wait_for that nobody notifies times out (or, within the
// budget, returns spuriously and waits again); the waiter gives up after a timeout.
void cv_wait_for_without_notify(thread_records& rec) {
  P::mutex m;
  P::condition_variable cv;
  bool ready = false;  // guarded by m
  P::thread a([&] {
    std::unique_lock<P::mutex> lk(m);
    while (!ready) {
      rec.slot[1] += 'w';
      if (cv.wait_for(lk, std::chrono::milliseconds(5)) == std::cv_status::timeout) {
        rec.slot[1] += 't';
        break;
      }
    }
    rec.slot[1] += ready ? 'r' : 'n';
  });
  {
    std::lock_guard<P::mutex> g(m);
    ready = true;
  }
  rec.slot[0] += 's';
  a.join();
}

// The notify comes first, then the store: a waiter registered before the notify is woken (and
// compares again), one that registers after it sleeps unless its comparison sees the store.
void notify_before_store(thread_records& rec, bool loop) {
  P::atomic<int> w{0};
  P::thread t([&] {
    do {
      rec.slot[1] += 'w';
      w.wait(0);
      rec.slot[1] += 'r';
    } while (loop && w.load() == 0);
  });
  w.notify_one();
  w.store(1);
  t.join();
}

// A wait that nothing ends: main only joins. With nothing else able to go on, a spurious
// return is not taken (spurious wake-ups are not guaranteed): a deadlock, spurious wake-ups on
// or off.
void lonely_wait(thread_records& rec) {
  P::atomic<int> w{0};
  P::thread t([&] {
    rec.slot[1] += 'w';
    w.wait(0);
    rec.slot[1] += 'r';
  });
  t.join();
}

// Mutexes and waits. Each thread notes 'l' when it has a lock, 'u' when it has let go of it,
// 'w' per wait called, 's' for the store (and notify) that ends the waits.

// A waits on gate inside its critical section; main takes the same mutex, then stores and
// notifies (store_first: the other way round, the correct program). If a locks first, each
// waits for the other: a deadlock, in which main's lock() is held back behind a holder asleep.
void wait_under_lock(thread_records& rec, bool store_first, std::memory_order wait_mo,
                     std::memory_order store_mo) {
  P::mutex m;
  P::atomic<int> gate{0};
  P::thread a([&] {
    m.lock();
    rec.slot[1] += 'l';
    while (gate.load(wait_mo) == 0) {
      rec.slot[1] += 'w';
      gate.wait(0, wait_mo);
    }
    m.unlock();
    rec.slot[1] += 'u';
  });
  auto store = [&] {
    gate.store(1, store_mo);
    gate.notify_all();
    rec.slot[0] += 's';
  };
  if (store_first) store();
  m.lock();
  rec.slot[0] += 'l';
  m.unlock();
  if (!store_first) store();
  a.join();
}

// A chain: a holds m1 and waits; b holds m2 and wants m1; main wants m2 before it stores.
void chain_behind_wait(thread_records& rec) {
  P::mutex m1, m2;
  P::atomic<int> gate{0};
  P::thread a([&] {
    m1.lock();
    rec.slot[1] += 'l';
    while (gate.load() == 0) {
      rec.slot[1] += 'w';
      gate.wait(0);
    }
    m1.unlock();
    rec.slot[1] += 'u';
  });
  P::thread b([&] {
    m2.lock();
    rec.slot[2] += 'l';
    m1.lock();
    rec.slot[2] += 'l';
    m1.unlock();
    m2.unlock();
    rec.slot[2] += 'u';
  });
  m2.lock();
  rec.slot[0] += 'l';
  m2.unlock();
  gate.store(1);
  gate.notify_all();
  rec.slot[0] += 's';
  a.join();
  b.join();
}

// A condition-variable wait while holding another mutex (outer), which main takes before it
// sets the flag and notifies: if a takes outer first, main's lock() waits behind a sleeper.
void cv_wait_under_lock(thread_records& rec) {
  P::mutex outer, m;
  P::condition_variable cv;
  bool ready = false;  // guarded by m
  P::thread a([&] {
    outer.lock();
    rec.slot[1] += 'l';
    {
      std::unique_lock<P::mutex> lk(m);
      while (!ready) {
        rec.slot[1] += 'w';
        cv.wait(lk);
      }
    }
    outer.unlock();
    rec.slot[1] += 'u';
  });
  outer.lock();
  rec.slot[0] += 'l';
  outer.unlock();
  {
    std::lock_guard<P::mutex> g(m);
    ready = true;
  }
  cv.notify_one();
  rec.slot[0] += 's';
  a.join();
}

// b holds m across its join of a, which needs m before it waits for main's store: if b locks
// first, a is stuck on the lock (held back behind b) and b on the join.
void lock_across_join(thread_records& rec) {
  P::mutex m;
  P::atomic<int> gate{0};
  P::thread a([&] {
    m.lock();
    rec.slot[1] += 'l';
    m.unlock();
    rec.slot[1] += 'u';
    while (gate.load() == 0) {
      rec.slot[1] += 'w';
      gate.wait(0);
    }
  });
  P::thread b([&] {
    m.lock();
    rec.slot[2] += 'l';
    a.join();
    m.unlock();
    rec.slot[2] += 'u';
  });
  gate.store(1);
  gate.notify_one();
  rec.slot[0] += 's';
  b.join();
}

// atomic_flag: two waiters, test_and_set, one notify_one (or notify_all).
void flag_waiters(thread_records& rec, wake how) {
  P::atomic_flag f;
  auto waiter = [&](int id) {
    while (!f.test()) {
      rec.slot[id] += 'w';
      f.wait(false);
    }
    rec.slot[id] += 'r';
  };
  P::thread a(waiter, 1), b(waiter, 2);
  f.test_and_set();
  if (how == wake::one)
    f.notify_one();
  else
    f.notify_all();
  a.join();
  b.join();
}

// Message passing through a wait: main writes data, then the flag (release), then notifies;
// the waiter waits (acquire) and reads the data. Also the two notifies of a hand-back.
void publish_through_wait(thread_records& rec, std::memory_order wait_mo,
                          std::memory_order store_mo) {
  P::atomic<int> data{0}, w{0};
  P::thread t([&] {
    while (w.load(wait_mo) == 0) {
      rec.slot[1] += 'w';
      w.wait(0, wait_mo);
    }
    rec.slot[1] += static_cast<char>('0' + data.load(rlx));
    w.store(2, store_mo);
    w.notify_one();
  });
  data.store(1, rlx);
  w.store(1, store_mo);
  w.notify_one();
  while (w.load(wait_mo) != 2) {
    rec.slot[0] += 'w';
    w.wait(1, wait_mo);
  }
  rec.slot[0] += 'r';
  t.join();
}

// Two notifiers with different synchronisation before them: a stores data (relaxed), then
// the flag (release), then notifies; b stores the flag (relaxed, another value), then
// notifies. The waiter loops on the flag and reads the data. Its registration (an RMW of the
// waiter set) may read the initial set, a's notify or b's, and its comparison happens after
// what the registration reads: what the comparison may see, and whether the data is visible,
// depends on which one it is (the registration's candidates, consistency.cpp's consistent_rfs).
// Each notifier notes 'n'; the waiter 'w' per wait, then the flag and the data it read.
void two_notifiers(thread_records& rec, std::memory_order wait_mo) {
  P::atomic<int> data{0}, w{0};
  P::thread a([&] {
    data.store(1, rlx);
    w.store(1, rel);
    w.notify_one();
    rec.slot[1] += 'n';
  });
  P::thread b([&] {
    w.store(2, rlx);
    w.notify_one();
    rec.slot[2] += 'n';
  });
  int v = 0;
  while ((v = w.load(wait_mo)) == 0) {
    rec.slot[0] += 'w';
    w.wait(0, wait_mo);
  }
  rec.slot[0] += static_cast<char>('0' + v);
  rec.slot[0] += static_cast<char>('0' + data.load(rlx));
  a.join();
  b.join();
}

}  // namespace

LOCKSTEP_UNIT_TEST(graph_wait_notify_one_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const auto one = cross_check_blocking(
          "notify_one, 1 waiter", [](thread_records& r) { waiters<1>(r, wake::one); }, m, spurious);
      LOCKSTEP_ASSERT(one.deadlocks.empty()) << "a single waiter is always woken";
      const auto two = cross_check_blocking(
          "notify_one, 2 waiters", [](thread_records& r) { waiters<2>(r, wake::one); }, m,
          spurious);
      // Both asleep on 0, one woken: the other sleeps for good (spurious wake-ups are not
      // guaranteed, so with them on it is a deadlock too).
      LOCKSTEP_ASSERT(two.deadlocks.count("|wr|w|") && two.deadlocks.count("|w|wr|"));
      cross_check_blocking(
          "notify_one, 3 waiters", [](thread_records& r) { waiters<3>(r, wake::one); }, m, spurious,
          oracle::dpor);
    }
}

LOCKSTEP_UNIT_TEST(graph_wait_notify_all_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const auto two = cross_check_blocking(
          "notify_all, 2 waiters", [](thread_records& r) { waiters<2>(r, wake::all); }, m,
          spurious);
      LOCKSTEP_ASSERT(two.deadlocks.empty()) << "notify_all wakes every sleeper";
      const auto three = cross_check_blocking(
          "notify_all, 3 waiters", [](thread_records& r) { waiters<3>(r, wake::all); }, m, spurious,
          oracle::dpor);
      LOCKSTEP_ASSERT(three.deadlocks.empty()) << "notify_all wakes every sleeper";
    }
}

// With spurious wake-ups on, a wait nobody notifies may return spuriously while another
// thread can still run (store without notify: before the store, |wr0||). A wait that nothing
// ends is a deadlock with spurious wake-ups on or off: nothing else can go on, and a spurious
// wake-up is not guaranteed.
LOCKSTEP_UNIT_TEST(graph_wait_without_notify_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11}) {
    for (const int spurious : {0, 1}) {
      const auto s =
          cross_check_blocking("store without notify", store_without_notify, m, spurious);
      // The comparison saw 0 before the store: asleep for good.
      LOCKSTEP_ASSERT(s.deadlocks.count("|w||") && s.outcomes.count("|wr1||"));
      LOCKSTEP_ASSERT(s.outcomes.count("|wr0||") == static_cast<std::size_t>(spurious))
          << "a spurious return before the store";
    }
    for (const int spurious : {0, 1}) {
      const auto lonely = cross_check_blocking("lonely wait", lonely_wait, m, spurious);
      LOCKSTEP_ASSERT(lonely.outcomes.empty() && lonely.deadlocks.count("|w||"));
    }
  }
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const auto once = cross_check_blocking(
          "notify before store", [](thread_records& r) { notify_before_store(r, false); }, m,
          spurious);
      LOCKSTEP_ASSERT(once.deadlocks.count("|w||"));
      cross_check_blocking(
          "notify before store, loop", [](thread_records& r) { notify_before_store(r, true); }, m,
          spurious);
    }
}

// Mutexes with waits: a lock() held back behind a holder that sleeps for good (or is stuck
// itself) is a deadlock, not a blocked execution (issue 12; before, the graph engine counted
// wait_under_lock's deadlock as blocked and missed it).
LOCKSTEP_UNIT_TEST(graph_wait_with_mutexes_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const bool c11 = m == mm::c11;
      const std::memory_order wait_mo = c11 ? acq : sc, store_mo = c11 ? rel : sc;
      const auto under = cross_check_blocking(
          "wait under lock",
          [&](thread_records& r) { wait_under_lock(r, false, wait_mo, store_mo); }, m, spurious);
      LOCKSTEP_ASSERT(under.deadlocks.count("|lw||")) << "a locked first and sleeps";
      const auto first = cross_check_blocking(
          "wait under lock, store first",
          [&](thread_records& r) { wait_under_lock(r, true, wait_mo, store_mo); }, m, spurious);
      LOCKSTEP_ASSERT(first.deadlocks.empty());
      // With spurious wake-ups on, a also wakes spuriously while b runs, a wake-up no notify
      // reaches, and waits again (|lww|l|).
      const auto chain =
          cross_check_blocking("two mutexes behind a wait", chain_behind_wait, m, spurious);
      LOCKSTEP_ASSERT(chain.deadlocks.count("|lw|l|")) << "main behind b behind a, asleep";
      LOCKSTEP_ASSERT(chain.deadlocks.count("|lww|l|") == static_cast<std::size_t>(spurious));
      const auto cv = cross_check_blocking("cv wait under lock", cv_wait_under_lock, m, spurious);
      LOCKSTEP_ASSERT(cv.deadlocks.count("|lw||"));
      const auto join = cross_check_blocking("lock across join", lock_across_join, m, spurious);
      LOCKSTEP_ASSERT(join.deadlocks.count("s||l|")) << "a stuck on the lock, b on the join";
    }
}

LOCKSTEP_UNIT_TEST(graph_wait_atomic_flag_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const auto one = cross_check_blocking(
          "atomic_flag notify_one, 2 waiters",
          [](thread_records& r) { flag_waiters(r, wake::one); }, m, spurious);
      LOCKSTEP_ASSERT(!one.deadlocks.empty());
      const auto all = cross_check_blocking(
          "atomic_flag notify_all, 2 waiters",
          [](thread_records& r) { flag_waiters(r, wake::all); }, m, spurious);
      LOCKSTEP_ASSERT(all.deadlocks.empty());
    }
}

LOCKSTEP_UNIT_TEST(graph_wait_memory_orders_match_full_search) {
  for (const int spurious : {0, 1}) {
    const auto ra = cross_check_blocking(
        "publish through wait, rel/acq",
        [](thread_records& r) { publish_through_wait(r, acq, rel); }, mm::c11, spurious);
    LOCKSTEP_ASSERT(!ra.outcomes.count("r|w0||") && !ra.outcomes.count("r|0||"))
        << "acquire after release: the data is visible";
    cross_check_blocking(
        "publish through wait, relaxed",
        [](thread_records& r) { publish_through_wait(r, rlx, rlx); }, mm::c11, spurious);
    cross_check_blocking(
        "notify_one, 2 waiters, rel/acq",
        [](thread_records& r) { waiters<2>(r, wake::one, acq, rel); }, mm::c11, spurious);
    cross_check_blocking(
        "notify_one, 2 waiters, relaxed",
        [](thread_records& r) { waiters<2>(r, wake::one, rlx, rlx); }, mm::c11, spurious);
  }
}

// Condition variables nobody notifies: untimed (the predicate loop ends or deadlocks) and
// timed (the wait times out), spurious wake-ups off and on.
LOCKSTEP_UNIT_TEST(graph_cv_without_notify_matches_full_search) {
  for (const mm m : {mm::sequential, mm::c11})
    for (const int spurious : {0, 1}) {
      const auto cv = cross_check_blocking("cv without notify", cv_without_notify, m, spurious);
      LOCKSTEP_ASSERT(cv.outcomes.count("s|r||") && cv.deadlocks.count("s|w||"));
      LOCKSTEP_ASSERT(cv.outcomes.count("s|wr||") == static_cast<std::size_t>(spurious))
          << "a spurious wake-up while main can run, then the flag";
      const auto timed = cross_check_blocking("cv wait_for without notify",
                                              cv_wait_for_without_notify, m, spurious);
      LOCKSTEP_ASSERT(timed.deadlocks.empty() && timed.outcomes.count("s|wtn||"));
    }
}

// A cv.wait without a predicate loop, which nobody notifies: it returns only spuriously, and
// the waiter's check of the predicate fails (the broken twin), caught with a token that
// replays the failure; the predicate loop (the correct version) never fails. Deadlocks (the
// waiter asleep for good) are collected, not failures, so the search reaches the failure.
namespace {
template <bool kLoop>
void wait_nobody_notifies() {
  P::mutex m;
  P::condition_variable cv;
  bool ready = false;  // guarded by m
  P::thread a([&] {
    std::unique_lock<P::mutex> lk(m);
    if constexpr (kLoop) {
      while (!ready) cv.wait(lk);
    } else if (!ready) {
      cv.wait(lk);
    }
    LOCKSTEP_ASSERT(ready) << "woken without the predicate";
  });
  {
    std::lock_guard<P::mutex> g(m);
    ready = true;
  }
  a.join();
}
void ignore_deadlock(void*) {}
}  // namespace

LOCKSTEP_UNIT_TEST(graph_spurious_return_of_unnotified_wait_is_caught) {
  for (const mm m : {mm::sequential, mm::c11}) {
    lockstep::model_test_options o;
    o.engine = lockstep::engine::graph;
    o.memory = m;
    o.spurious_wakeups = 1;
    o.on_deadlock = &ignore_deadlock;
    const auto bad = lockstep::explore("wait_nobody_notifies", wait_nobody_notifies<false>, o);
    LOCKSTEP_ASSERT(!bad.passed && !bad.token.empty()) << bad.verdict;
    LOCKSTEP_ASSERT(bad.verdict == "FAIL: assertion") << bad.verdict << "\n" << bad.report;
    const auto r =
        lockstep::replay("wait_nobody_notifies", wait_nobody_notifies<false>, o, bad.token);
    LOCKSTEP_ASSERT(r.verdict == "FAIL: assertion") << r.verdict << "\n" << r.report;
    LOCKSTEP_ASSERT(r.report.find("spurious") != std::string::npos) << r.report;
    const auto good = lockstep::explore("wait_nobody_notifies_loop", wait_nobody_notifies<true>, o);
    LOCKSTEP_ASSERT(good.passed) << good.verdict << "\n" << good.report;
    o.spurious_wakeups = 0;  // without spurious wake-ups the broken wait cannot return
    const auto none = lockstep::explore("wait_nobody_notifies", wait_nobody_notifies<false>, o);
    LOCKSTEP_ASSERT(none.passed) << none.verdict << "\n" << none.report;
  }
}

// The wait-heavy bench row's program (bench/checker/engines_bench.cpp, cv_handoff) with a
// record per thread: two consumers in predicate loops on a condition variable ('w' per wait,
// 'g' when they take an item), a producer that publishes two items with notify_one ('p') and
// waits on an atomic until both are taken ('w' per wait). Spurious wake-ups on, the waits'
// default budget: every spurious return of a wait nobody notifies (yet) is a record of its own.
// Against DPOR (the full search is too large), whose source sets keep every maximal trace.
namespace {
void cv_handoff_records(thread_records& r) {
  P::mutex m;
  P::condition_variable cv;
  int items = 0;  // guarded by m
  P::atomic<int> done{0};
  auto consumer = [&](std::string& rec) {
    {
      std::unique_lock<P::mutex> lk(m);
      while (items == 0) {
        rec += 'w';
        cv.wait(lk);
      }
      --items;
      rec += 'g';
    }
    done.fetch_add(1);
    done.notify_one();
  };
  P::thread a([&] { consumer(r.slot[1]); });
  P::thread b([&] { consumer(r.slot[2]); });
  for (int i = 0; i < 2; ++i) {
    {
      std::lock_guard<P::mutex> g(m);
      ++items;
    }
    r.slot[0] += 'p';
    cv.notify_one();
  }
  for (int d = done.load(); d != 2; d = done.load()) {
    r.slot[0] += 'w';
    done.wait(d);
  }
  a.join();
  b.join();
}
}  // namespace

LOCKSTEP_UNIT_TEST(graph_cv_handoff_matches_dpor) {
  for (const int spurious : {0, 1}) {
    cross_check_blocking("cv handoff", cv_handoff_records, mm::sequential, spurious, oracle::dpor);
  }
}

// An atomic wait's registration with candidates that publish different things (two_notifiers),
// under C11, with every incremental decision of the graph engine also taken by the full check
// (graph::set_cross_check: a difference aborts) and the outcomes against the full search. The
// registration's candidates are not decided by check_last_read, whose hb is one for all
// candidates (consistency.cpp, consistent_rfs).
LOCKSTEP_UNIT_TEST(graph_wait_registration_candidates_match_full_search) {
  namespace graph = lockstep::rt::graph;
  const std::uint64_t before = graph::cross_checks();
  graph::set_cross_check(true);
  for (const int spurious : {0, 1})
    for (const std::memory_order mo : {acq, rlx}) {
      const auto r = cross_check_blocking(
          mo == acq ? "two notifiers, acquire wait" : "two notifiers, relaxed wait",
          [mo](thread_records& rec) { two_notifiers(rec, mo); }, mm::c11, spurious);
      // A notify before the registration in the waiter set's order happens before the
      // comparison, which then sees the flag set: no wake-up is lost.
      LOCKSTEP_ASSERT(r.deadlocks.empty());
      bool stale = false;  // the waiter saw a's flag (1) and not the data before it
      for (const auto& o : r.outcomes) stale = stale || o.substr(0, o.find('|')).ends_with("10");
      LOCKSTEP_ASSERT(stale == (mo == rlx)) << "acquire of a's release store: the data is visible";
    }
  graph::set_cross_check(false);
  LOCKSTEP_ASSERT(graph::cross_checks() > before);
}
