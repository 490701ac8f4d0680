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
  std::printf("    (GenMC without spin-assume: 222)\n");
  // Regression: the interleaving engine reported a false livelock here under C++11 (a failed
  // CAS moved the thread's view back, and its next load re-read an older tail forever).
  auto c = cross_check("msq2", msq2, mm::c11, oracle::none);
  LOCKSTEP_ASSERT(c.outcomes == s.outcomes);
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
