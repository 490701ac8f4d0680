// The graph engine on the structures of the exploration reference
// (shared/notes/exploration-reference.md): outcome sets equal to DPOR's (or the full
// search's), no graph twice, and the execution counts next to GenMC's.
#include <mutex>

#include "../support/cross_check.hpp"
#include "reference_programs.hpp"

using namespace lockstep_test;
using mm = lockstep::memory_model;
using mo = std::memory_order;
constexpr mo acq = std::memory_order_acquire, rel = std::memory_order_release,
             sc = std::memory_order_seq_cst;

// Without loop pruning, one execution per consistent graph: exactly GenMC's counts with
// -disable-spin-assume.
LOCKSTEP_UNIT_TEST(graph_unpruned_counts_equal_genmc) {
  struct row {
    const char* name;
    void (*body)(std::string&);
    std::uint64_t genmc;
  };
  const row rows[] = {
      {"treiber(2)", [](std::string& o) { treiber(o, 2); }, 40},
      {"treiber(3)", [](std::string& o) { treiber(o, 3); }, 25'680},
      {"msq2", msq2, 222},
  };
  for (const row& r : rows) {
    explored e = explore_with(r.name, r.body, lockstep::engine::graph, mm::c11, false,
                              /*prune_loops=*/false);
    std::printf(
        "%-12s unpruned RC11: %llu executions (GenMC -disable-spin-assume: %llu), %llu "
        "duplicates\n",
        r.name, static_cast<unsigned long long>(e.executions),
        static_cast<unsigned long long>(r.genmc), static_cast<unsigned long long>(e.duplicates));
    LOCKSTEP_ASSERT(e.duplicates == 0);
    LOCKSTEP_ASSERT(e.executions == r.genmc) << r.name;
  }
}

LOCKSTEP_UNIT_TEST(graph_treiber) {
  for (mm m : {mm::sequential, mm::c11}) {
    auto r = cross_check(
        "treiber(2)", [](std::string& o) { treiber(o, 2); }, m, oracle::dpor, m == mm::c11);
    std::printf("    (GenMC without spin-assume: 40)\n");
    (void)r;
  }
}

LOCKSTEP_UNIT_TEST(graph_msq2) {
  auto s = cross_check("msq2", msq2, mm::sequential, oracle::dpor);
  // Regression: the interleaving engine reported a false livelock here under C++11 (a failed
  // CAS moved the thread's view back, and its next load re-read an older tail forever).
  auto c = cross_check("msq2", msq2, mm::c11, oracle::none);
  LOCKSTEP_ASSERT(c.outcomes == s.outcomes);
  // The queue's loops are marked (P::loop_head): an iteration that wrote nothing is cut at the
  // loop head, as GenMC's spin-assume does — its counts exactly, under both models — and the
  // unpruned search (every one of GenMC's 222 graphs) finds no outcome more.
  std::printf("    (GenMC with spin-assume: 16 + 48 blocked)\n");
  for (const explored* e : {&s, &c}) {
    LOCKSTEP_ASSERT(e->executions - e->blocked == 16 && e->blocked == 48)
        << e->executions << " executions, " << e->blocked << " blocked";
  }
  explored all = explore_with("msq2", msq2, lockstep::engine::graph, mm::c11, false,
                              /*prune_loops=*/false);
  LOCKSTEP_ASSERT(all.outcomes == c.outcomes);
}

// A broken twin inside a marked retry loop: a check-then-store increment (the re-read only
// narrows the window). The iterations the re-read fails are cut; the lost update is still
// found, with a token whose replay fails the same way.
LOCKSTEP_TEST(graph_loop_head_lost_update_is_caught,
              {.expect = lockstep::failure_kind::assertion, .engine = lockstep::engine::graph}) {
  P::atomic<int> x{0};
  auto inc = [&] {
    for (;;) {
      P::loop_head();
      const int v = x.load(acq);
      if (x.load(acq) != v) continue;
      x.store(v + 1, rel);
      return;
    }
  };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x.load() == 2) << "lost update";
}

// Its correct version: the CAS loop, marked, with the outcomes of the unpruned search.
LOCKSTEP_UNIT_TEST(graph_loop_head_cas_counter) {
  auto body = [](std::string& out) {
    P::atomic<int> x{0};
    int seen[2] = {-1, -1};
    auto inc = [&](int i) {
      for (;;) {
        P::loop_head();
        int v = x.load(acq);
        if (x.load(acq) != v) continue;
        if (x.compare_exchange_strong(v, v + 1, rel, acq)) {
          seen[i] = v;
          return;
        }
      }
    };
    P::thread a(inc, 0), b(inc, 1);
    a.join();
    b.join();
    LOCKSTEP_ASSERT(x.load() == 2);
    out = std::to_string(seen[0]) + std::to_string(seen[1]);
  };
  for (mm m : {mm::sequential, mm::c11}) {
    auto pruned = cross_check("loop_head counter", body, m, oracle::dpor);
    explored all = explore_with("loop_head counter", body, lockstep::engine::graph, m, false,
                                /*prune_loops=*/false);
    LOCKSTEP_ASSERT(pruned.outcomes == all.outcomes);
    // Every retry cut: the complete executions are the two orders of the successful CASes,
    // one per outcome (without the mark, the failed re-read and CAS iterations complete too).
    LOCKSTEP_ASSERT(pruned.executions - pruned.blocked == pruned.outcomes.size())
        << pruned.executions << " executions, " << pruned.blocked << " blocked";
  }
}

LOCKSTEP_UNIT_TEST(graph_mutex_counter) {
  auto r3 = cross_check(
      "mutex counter(3)", [](std::string& o) { mutex_counter_n(o, 3); }, mm::sequential,
      oracle::dpor);
  LOCKSTEP_ASSERT(r3.outcomes.size() == 6 && r3.executions - r3.blocked == 6);
  auto r4 = cross_check(
      "mutex counter(4)", [](std::string& o) { mutex_counter_n(o, 4); }, mm::c11, oracle::none);
  LOCKSTEP_ASSERT(r4.outcomes.size() == 24 && r4.executions - r4.blocked == 24);  // GenMC: 24
}

LOCKSTEP_UNIT_TEST(graph_seqlock) {
  auto c = cross_check("seqlock", seqlock, mm::c11, oracle::none);
  std::printf("    (GenMC RC11: 6,561)\n");
  auto s = cross_check("seqlock", seqlock, mm::sequential, oracle::dpor);
  std::printf("    (GenMC SC: 4,489)\n");
  (void)c;
  (void)s;
}

LOCKSTEP_UNIT_TEST(graph_ticket_lock) {
  for (mm m : {mm::sequential, mm::c11}) {
    auto r = cross_check(
        "ticket(3)", [](std::string& o) { ticket(o, 3); }, m, oracle::dpor, m == mm::c11);
    LOCKSTEP_ASSERT(r.outcomes.size() == 6);
  }
}

LOCKSTEP_UNIT_TEST(graph_peterson_and_dekker) {
  explore_with(
      "peterson sc", [](std::string&) { peterson_orders(sc, sc); }, lockstep::engine::graph,
      mm::c11, false);
  explore_with(
      "peterson sc (SC model)", [](std::string&) { peterson_orders(sc, sc); },
      lockstep::engine::graph, mm::sequential, false);
  explore_with(
      "dekker", [](std::string&) { dekker(); }, lockstep::engine::graph, mm::c11, false);
  // release/acquire Peterson is broken under C++11: the checker must find the race.
  lockstep::model_test_options o;
  o.engine = lockstep::engine::graph;
  o.memory = mm::c11;
  auto x = lockstep::explore(
      "peterson rel/acq", [] { peterson_orders(rel, acq); }, o, true);
  LOCKSTEP_ASSERT(!x.passed && x.verdict == "FAIL: data race") << x.verdict;
  LOCKSTEP_ASSERT(!x.token.empty());
  auto re = lockstep::replay(
      "peterson rel/acq", [] { peterson_orders(rel, acq); }, o, x.token);
  LOCKSTEP_ASSERT(re.verdict == "FAIL: data race") << re.verdict << "\n" << re.report;
}

// An MCS queue lock, 4 threads (the program the interleaving engine could not finish
// in its default plan: ~8e10 estimated executions): the graph engine completes it.
namespace {
struct mcs_node {
  P::atomic<mcs_node*> next{nullptr};
  P::atomic<int> locked{0};
};
class mcs_lock {
 public:
  void lock(mcs_node& me) {
    me.next.store(nullptr, std::memory_order_relaxed);
    me.locked.store(1, std::memory_order_relaxed);
    mcs_node* prev = tail_.exchange(&me, std::memory_order_acq_rel);
    if (prev) {
      prev->next.store(&me, std::memory_order_release);
      while (me.locked.load(std::memory_order_acquire)) P::spin_pause();
    }
  }
  void unlock(mcs_node& me) {
    mcs_node* succ = me.next.load(std::memory_order_acquire);
    if (!succ) {
      mcs_node* expected = &me;
      if (tail_.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel,
                                        std::memory_order_acquire))
        return;
      while (!(succ = me.next.load(std::memory_order_acquire))) P::spin_pause();
    }
    succ->locked.store(0, std::memory_order_release);
  }

 private:
  P::atomic<mcs_node*> tail_{nullptr};
};
}  // namespace

LOCKSTEP_UNIT_TEST(graph_mcs_lock_4_threads_completes) {
  for (mm m : {mm::sequential, mm::c11}) {
    explored e = explore_with(
        "mcs lock 4 threads",
        [](std::string& out) {
          mcs_lock lock;
          mcs_node nodes[4];
          P::var<int> c{0};
          P::thread ts[4];
          for (int i = 0; i < 4; ++i)
            ts[i] = P::thread([&, i] {
              lock.lock(nodes[i]);
              c += 1;
              lock.unlock(nodes[i]);
            });
          for (auto& t : ts) t.join();
          LOCKSTEP_ASSERT(c.get() == 4);
          out = "ok";
        },
        lockstep::engine::graph, m, false);
    std::printf("mcs lock 4 threads (%s): %llu executions (%llu blocked), %llu duplicates\n",
                m == mm::c11 ? "c11" : "sc", static_cast<unsigned long long>(e.executions),
                static_cast<unsigned long long>(e.blocked),
                static_cast<unsigned long long>(e.duplicates));
    LOCKSTEP_ASSERT(e.duplicates == 0);
  }
}
