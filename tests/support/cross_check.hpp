// Cross-checks of a reduced search against the search without reduction: the graph engine
// (tests/graph) against the full search or, where that is too large, against DPOR, itself
// cross-checked against the full search (tests/dpor): the same set of outcomes, and (graph
// engine) no execution graph explored twice.
#pragma once

#include <lockstep/check.hpp>

#include <cstdio>
#include <set>
#include <string>

namespace lockstep_test {

struct explored {
  std::set<std::string> outcomes;
  std::uint64_t executions = 0;
  std::uint64_t blocked = 0;
  std::uint64_t duplicates = 0;
};

enum class oracle { full_search, dpor, none };

// Explores `body` exhaustively, collecting the outcome each complete execution reports in
// `out`. Blocked executions (a lock that the graph holds back) report no outcome.
template <class Body>
explored explore_with(const char* name, Body body, lockstep::engine eng, lockstep::memory_model mm,
                      bool dpor, bool prune_loops = true, int spurious_wakeups = 0) {
  explored r;
  lockstep::model_test_options o;
  o.engine = eng;
  o.memory = mm;
  o.dpor = dpor;
  o.spurious_wakeups = spurious_wakeups;
  o.check_optimality = true;
  o.prune_loops = prune_loops;
  std::string last;
  auto x = lockstep::explore(
      name,
      [&] {
        std::string out;
        body(out);
        r.outcomes.insert(out);
      },
      o, true);
  LOCKSTEP_ASSERT(x.passed) << name << ": " << x.verdict << "\n" << x.report;
  r.executions = x.executions;
  r.blocked = x.blocked;
  r.duplicates = x.duplicate_graphs;
  return r;
}

inline std::string join(const std::set<std::string>& s) {
  if (s.size() > 16) return std::to_string(s.size()) + " distinct";
  std::string j;
  for (const auto& x : s) j += x + " ";
  return j;
}

// The graph engine must find exactly the oracle's outcomes (superset: where the oracle
// under-approximates the model, e.g. the old C++11 search never lets a failed CAS read an
// old store), explore no graph twice, and return its result for further assertions.
template <class Body>
explored cross_check(const char* name, Body body, lockstep::memory_model mm, oracle o,
                     bool superset = false, int spurious_wakeups = 0) {
  explored g = explore_with(name, body, lockstep::engine::graph, mm, false, true, spurious_wakeups);
  std::printf("%-40s %-4s graph: %7llu executions (%llu blocked)", name,
              mm == lockstep::memory_model::c11 ? "c11" : "sc",
              static_cast<unsigned long long>(g.executions),
              static_cast<unsigned long long>(g.blocked));
  LOCKSTEP_ASSERT(g.duplicates == 0) << name << ": " << g.duplicates << " graphs explored twice";
  if (o != oracle::none) {
    explored ref = explore_with(name, body, lockstep::engine::dpor, mm, o == oracle::dpor, true,
                                spurious_wakeups);
    std::printf("  %s: %8llu", o == oracle::dpor ? "dpor" : "full",
                static_cast<unsigned long long>(ref.executions));
    if (superset) {
      for (const auto& s : ref.outcomes)
        LOCKSTEP_ASSERT(g.outcomes.count(s))
            << name << ": outcome " << s << " missed by the graph engine";
    } else {
      LOCKSTEP_ASSERT(g.outcomes == ref.outcomes)
          << name << ": graph engine {" << join(g.outcomes) << "} but the oracle {"
          << join(ref.outcomes) << "}";
    }
  }
  std::printf("  outcomes {%s}\n", join(g.outcomes).c_str());
  return g;
}

}  // namespace lockstep_test
