// Cross-checks of a reduced search against the search without reduction: the graph engine
// (tests/graph) against the full search or, where that is too large, against DPOR, itself
// cross-checked against the full search (tests/dpor): the same set of outcomes, and (graph
// engine) no execution graph explored twice. For blocking programs, the same set of deadlocks
// as well (cross_check_blocking).
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

// The options of a cross-check's exhaustive run (optimality checked: no graph twice).
inline lockstep::model_test_options cross_check_options(lockstep::engine eng,
                                                        lockstep::memory_model mm, bool dpor,
                                                        bool prune_loops, int spurious_wakeups) {
  lockstep::model_test_options o;
  o.engine = eng;
  o.memory = mm;
  o.dpor = dpor;
  o.spurious_wakeups = spurious_wakeups;
  o.check_optimality = true;
  o.prune_loops = prune_loops;
  return o;
}

// Explores `body` exhaustively, collecting the outcome each complete execution reports in
// `out`. Blocked executions (a lock that the graph holds back) report no outcome.
template <class Body>
explored explore_with(const char* name, Body body, lockstep::engine eng, lockstep::memory_model mm,
                      bool dpor, bool prune_loops = true, int spurious_wakeups = 0) {
  explored r;
  const lockstep::model_test_options o =
      cross_check_options(eng, mm, dpor, prune_loops, spurious_wakeups);
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

// Loop pruning against the search without it (graph engine, both searches checked for no
// graph twice): the same outcomes, and fewer complete executions with pruning. Spurious
// wake-ups and weak-CAS failures at the model tests' default budget unless told otherwise.
template <class Body>
explored cross_check_pruning(
    const char* name, Body body, lockstep::memory_model mm,
    int spurious_wakeups = lockstep::model_test_options{}.spurious_wakeups) {
  const explored unpruned =
      explore_with(name, body, lockstep::engine::graph, mm, false, false, spurious_wakeups);
  const explored pruned =
      explore_with(name, body, lockstep::engine::graph, mm, false, true, spurious_wakeups);
  std::printf("%s %s: %llu executions (%llu blocked) pruned, %llu unpruned, %zu outcomes\n", name,
              mm == lockstep::memory_model::c11 ? "c11" : "sc",
              static_cast<unsigned long long>(pruned.executions),
              static_cast<unsigned long long>(pruned.blocked),
              static_cast<unsigned long long>(unpruned.executions), pruned.outcomes.size());
  LOCKSTEP_ASSERT(unpruned.duplicates == 0 && pruned.duplicates == 0)
      << name << ": a graph explored twice";
  LOCKSTEP_ASSERT(pruned.outcomes == unpruned.outcomes) << name << ": loop pruning lost an outcome";
  LOCKSTEP_ASSERT(pruned.executions - pruned.blocked < unpruned.executions)
      << name << ": loop pruning cut nothing";
  return pruned;
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

// Blocking programs (waits that may sleep forever): their deadlocks are outcomes too. Each
// thread appends to its own slot, so a record does not depend on the schedule, and a
// deadlocked execution's record is what its threads had done when nothing could go on.
struct thread_records {
  static constexpr int kSlots = 4;
  std::string slot[kSlots];
  void clear() {
    for (auto& s : slot) s.clear();
  }
  std::string joined() const {
    std::string j = slot[0];
    for (int i = 1; i < kSlots; ++i) j += "|" + slot[i];
    return j;
  }
};

struct explored_blocking {
  std::set<std::string> outcomes;   // records of the complete executions
  std::set<std::string> deadlocks;  // records of the deadlocked ones
  std::uint64_t executions = 0;
  std::uint64_t duplicates = 0;
};

// Explores `body(thread_records&)` exhaustively without reduction (the interleaving engine:
// the full search), collecting complete and deadlocked executions
// (model_test_options::on_deadlock).
template <class Body>
explored_blocking explore_blocking(const char* name, Body body, lockstep::engine eng,
                                   lockstep::memory_model mm, int spurious_wakeups,
                                   bool dpor = false) {
  explored_blocking r;
  thread_records rec;
  lockstep::model_test_options o = cross_check_options(eng, mm, dpor, true, spurious_wakeups);
  struct sink {
    explored_blocking& r;
    thread_records& rec;
  } deadlocks{r, rec};
  o.on_deadlock_context = &deadlocks;
  o.on_deadlock = [](void* p) {
    auto& d = *static_cast<sink*>(p);
    d.r.deadlocks.insert(d.rec.joined());
  };
  auto x = lockstep::explore(
      name,
      [&] {
        rec.clear();
        body(rec);
        r.outcomes.insert(rec.joined());
      },
      o, true);
  LOCKSTEP_ASSERT(x.passed) << name << ": " << x.verdict << "\n" << x.report;
  r.executions = x.executions;
  r.duplicates = x.duplicate_graphs;
  return r;
}

// The graph engine must find exactly the full search's complete outcomes and deadlocks (or,
// where the full search is too large, DPOR's: source sets keep every maximal trace, deadlocks
// included), and explore no graph twice.
template <class Body>
explored_blocking cross_check_blocking(const char* name, Body body, lockstep::memory_model mm,
                                       int spurious_wakeups, oracle o = oracle::full_search) {
  const explored_blocking g =
      explore_blocking(name, body, lockstep::engine::graph, mm, spurious_wakeups);
  const explored_blocking f =
      explore_blocking(name, body, lockstep::engine::dpor, mm, spurious_wakeups, o == oracle::dpor);
  std::printf(
      "%-36s %-4s spurious %d  graph: %5llu executions  %s: %7llu  outcomes {%s}  "
      "deadlocks {%s}\n",
      name, mm == lockstep::memory_model::c11 ? "c11" : "sc", spurious_wakeups,
      static_cast<unsigned long long>(g.executions), o == oracle::dpor ? "dpor" : "full",
      static_cast<unsigned long long>(f.executions), join(g.outcomes).c_str(),
      join(g.deadlocks).c_str());
  LOCKSTEP_ASSERT(g.duplicates == 0) << name << ": " << g.duplicates << " graphs explored twice";
  LOCKSTEP_ASSERT(g.outcomes == f.outcomes) << name << ": graph engine {" << join(g.outcomes)
                                            << "} but the full search {" << join(f.outcomes) << "}";
  LOCKSTEP_ASSERT(g.deadlocks == f.deadlocks)
      << name << ": graph engine deadlocks {" << join(g.deadlocks) << "} but the full search's {"
      << join(f.deadlocks) << "}";
  return g;
}

}  // namespace lockstep_test
