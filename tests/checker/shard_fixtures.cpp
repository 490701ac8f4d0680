// Fixtures for tests/checker/sharding.cmake: searches of a few thousand executions under both
// engines and both memory models, and failing ones, run as N separate shard processes whose
// executions and outcomes are compared with a single run. Some fail on purpose: not
// registered with CTest directly. With SHARD_FIXTURE_OUTCOMES set, every execution prints
// its outcome (the values the threads read) on stderr, for the comparison of outcome sets.
#include <cstdio>
#include <cstdlib>
#include <lockstep/check.hpp>

#include "../support/search_programs.hpp"

using P = lockstep::model_platform;
using lockstep::engine;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

void outcome(const char* test, int a, int b, int c, int d) {
  if (std::getenv("SHARD_FIXTURE_OUTCOMES"))
    std::fprintf(stderr, "outcome %s %d %d %d %d\n", test, a, b, c, d);
}

// Three threads that each store, read and increment: reads-from and coherence choices on
// three locations (hundreds of graphs; more under C++11 with relaxed accesses).
void three_writers(const char* name, std::memory_order mo = std::memory_order_seq_cst) {
  P::atomic<int> x{0}, y{0}, z{0};
  int r[3] = {};
  auto body = [&](int i) {
    x.store(i + 1, mo);
    const int ry = y.load(mo);  // in this order (operands of + are unsequenced)
    r[i] = ry * 10 + z.load(mo);
    y.fetch_add(1, mo);
    if (i == 2) z.store(x.load(mo), mo);
  };
  P::thread a(body, 0), b(body, 1), c(body, 2);
  a.join();
  b.join();
  c.join();
  outcome(name, r[0], r[1], r[2], z.load());
}

}  // namespace

LOCKSTEP_TEST(graph_sc, {.random = false}) { three_writers("graph_sc"); }
LOCKSTEP_TEST(graph_c11, {.random = false, .memory = memory_model::c11}) {
  three_writers("graph_c11", std::memory_order_relaxed);
}
LOCKSTEP_TEST(dpor_sc, {.random = false, .engine = engine::dpor}) { three_writers("dpor_sc"); }
LOCKSTEP_TEST(dpor_c11, {.random = false, .engine = engine::dpor, .memory = memory_model::c11}) {
  three_writers("dpor_c11", std::memory_order_relaxed);
}
LOCKSTEP_TEST(random_sc, {.exhaustive = false, .iterations = 3'000}) { three_writers("random_sc"); }

// Bigger searches, for --jobs (its workers start after 1,000 executions): four writers, and a
// twin whose failure (one outcome among many) comes late in the search.
void four_writers(bool assert_rare) {
  const auto r = lockstep_test::four_writers();
  outcome("four", r[0], r[1], r[2], r[3]);
  if (assert_rare)
    LOCKSTEP_ASSERT(!(r[0] == 34 && r[3] == 4)) << "the rare outcome: " << r[1] << " " << r[2];
}
LOCKSTEP_TEST(big_graph, {.random = false}) { four_writers(false); }
LOCKSTEP_TEST(big_dfs,
              {.random = false, .max_executions = 100'000, .dpor = false, .engine = engine::dpor}) {
  four_writers(false);
}
// (max_executions caps exhaustive searches only: more random iterations than that still pass)
LOCKSTEP_TEST(big_random, {.exhaustive = false, .max_executions = 5'000, .iterations = 20'000}) {
  four_writers(false);
}
LOCKSTEP_TEST(late_twin, {.expect = failure_kind::assertion, .iterations = 50'000}) {
  four_writers(true);
}

// A lost update that only some executions show (the twins pass when caught).
void lost_update() {
  P::atomic<int> n{0}, m{0};
  auto inc = [&] {
    m.fetch_add(1);
    n.store(n.load() + 1);
    m.fetch_add(1);
  };
  P::thread a(inc), b(inc), c(inc);
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(n.load() == 3) << "lost update: n = " << n.load();
}
LOCKSTEP_TEST(lost_update_twin, {.expect = failure_kind::assertion}) { lost_update(); }
LOCKSTEP_TEST(lost_update_twin_dpor, {.expect = failure_kind::assertion, .engine = engine::dpor}) {
  lost_update();
}

// A plain failing test (no expect): its shards' reports merge into a failure with tokens.
LOCKSTEP_TEST(plain_lost_update, {.random = false}) { lost_update(); }
