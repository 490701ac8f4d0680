// An exhaustive search is a function of the program alone: the graph engine's counts and
// outcomes for programs that CAS on heap pointers must not depend on what the allocator did
// before (checker/rt/src/graph/README.md, "Values from other executions"). The programs'
// nodes come from plain `new`, so each execution of the same graph gets other addresses
// whenever the allocator's free lists differ — after another program, after the churn below,
// or with glibc's thread cache off (allocator_history.cmake runs this test with
// GLIBC_TUNABLES=glibc.malloc.tcache_count=0 and compares its lines with a normal run's).
//
// Regression: a replayed CAS kept the expected value of the execution that added it, and loop
// pruning compared it with this execution's (a pointer of another execution): the same-line
// CAS retry was taken for a spin or a retry depending on whether the allocator happened to
// hand out the same address again (treiber(3) SC: 5,204 executions, 5,212 with the thread
// cache off; RC11: 5,202 after treiber(2) SC had run in the same process). With spurious weak
// CAS failures (spurious_wakeups = 1) it also explored graphs twice: a backward revisit's
// spurious-failure variant counted as added maximally.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../support/cross_check.hpp"
#include "reference_programs.hpp"

using namespace lockstep_test;
using mm = lockstep::memory_model;

namespace {

// Leaves the allocator in another state than the first run found it: blocks of the nodes'
// sizes and others, allocated in one order and freed in another, every third kept until the
// end of the test, so the free lists hand out other addresses in another order.
class allocator_churn {
 public:
  allocator_churn() {
    std::vector<void*> blocks;
    for (int i = 0; i < 300; ++i)
      blocks.push_back(std::malloc(8 + static_cast<std::size_t>(i % 7) * 8));
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::size_t j = (i * 37) % blocks.size();  // 37 is prime to 300: a permutation
      if (j % 3 == 0)
        kept_.push_back(blocks[j]);
      else
        std::free(blocks[j]);
    }
  }
  ~allocator_churn() {
    for (void* p : kept_) std::free(p);
  }
  allocator_churn(const allocator_churn&) = delete;
  allocator_churn& operator=(const allocator_churn&) = delete;

 private:
  std::vector<void*> kept_;
};

const char* model_name(mm m) { return m == mm::c11 ? "c11" : "sc"; }

template <class Body>
explored explore_graph(const char* name, Body body, mm m, bool prune_loops = true,
                       int spurious_wakeups = 0) {
  return explore_with(name, body, lockstep::engine::graph, m, false, prune_loops, spurious_wakeups);
}

// The line allocator_history.cmake compares between the normal run and the one without the
// thread cache.
void print_counts(const char* name, mm m, const char* how, const explored& e) {
  std::printf("allocator history: %s %s%s %llu executions (%llu blocked), %zu outcomes\n", name,
              model_name(m), how, static_cast<unsigned long long>(e.executions),
              static_cast<unsigned long long>(e.blocked), e.outcomes.size());
}

void expect_same(const char* name, mm m, const explored& first, const explored& again) {
  LOCKSTEP_ASSERT(again.executions == first.executions && again.blocked == first.blocked)
      << name << " " << model_name(m) << ": " << first.executions << " + " << first.blocked
      << " blocked, then " << again.executions << " + " << again.blocked << " blocked";
  LOCKSTEP_ASSERT(again.outcomes == first.outcomes)
      << name << " " << model_name(m) << ": other outcomes the second time";
  LOCKSTEP_ASSERT(first.duplicates == 0 && again.duplicates == 0) << name;
}

}  // namespace

LOCKSTEP_UNIT_TEST(graph_counts_do_not_depend_on_allocator_history) {
  auto treiber3 = [](std::string& o) { treiber(o, 3); };
  auto treiber2 = [](std::string& o) { treiber(o, 2); };
  for (mm m : {mm::sequential, mm::c11}) {
    const explored first = explore_graph("treiber(3)", treiber3, m);
    print_counts("treiber(3)", m, "", first);
    // Another program in between (the reproduction: treiber(2) under SC, then treiber(3)).
    explore_graph("treiber(2)", treiber2, mm::sequential);
    expect_same("treiber(3)", m, first, explore_graph("treiber(3)", treiber3, m));
    {
      const allocator_churn churn;
      expect_same("treiber(3)", m, first, explore_graph("treiber(3)", treiber3, m));
    }
    const explored q = explore_graph("msq2", msq2, m);
    print_counts("msq2", m, "", q);
    const allocator_churn churn;
    expect_same("msq2", m, q, explore_graph("msq2", msq2, m));
    // The default of model tests: one spurious failure of a weak CAS per execution (the
    // engine compares the CAS's expected value with the write it reads to find that variant).
    const explored weak = explore_graph("treiber(3)", treiber3, m, true, 1);
    print_counts("treiber(3)", m, " spurious", weak);
    const allocator_churn churn2;
    expect_same("treiber(3) spurious", m, weak, explore_graph("treiber(3)", treiber3, m, true, 1));
  }
  // Without loop pruning: GenMC's 25,680 graphs (graph_unpruned_counts_equal_genmc), whatever
  // ran before.
  const explored all = explore_graph("treiber(3)", treiber3, mm::c11, false);
  print_counts("treiber(3)", mm::c11, " unpruned", all);
  const allocator_churn churn;
  expect_same("treiber(3) unpruned", mm::c11, all,
              explore_graph("treiber(3)", treiber3, mm::c11, false));
  // The pruned search (its counts changed with the fix: the retries it cuts are now told
  // apart by this execution's values) finds every outcome of the unpruned one.
  LOCKSTEP_ASSERT(explore_graph("treiber(3)", treiber3, mm::c11).outcomes == all.outcomes);
}
