// Internal: consistency of an execution graph under the two memory models.
//
// SC (Lamport; as in GenMC's SC checker): po ∪ rf ∪ co ∪ fr ∪ thread edges is acyclic. A
// topological order of that relation is an interleaving that produces the graph: the engine
// replays the graph in it.
//
// RC11 (Lahav, Vafeiadis, Kang, Hur, Dreyer, PLDI'17), the C++11 model repaired:
//   coherence   irreflexive(hb ; eco?)                         (checked per location as
//               CoWW, CoWR, CoRW, CoRR over hb-ordered pairs)
//   atomicity   an RMW's write comes right after the write it read in co
//   sc          acyclic(psc_base ∪ psc_F) over seq_cst accesses and fences
//   no-thin-air acyclic(po ∪ rf): holds by construction (a read never reads a write that is
//               porf-after it; revisits keep that true)
// plus, for the engine's replay, operations on one synchronization object (mutex) take effect
// in an order consistent with po ∪ rf: po ∪ rf ∪ thread edges ∪ co|sync ∪ fr|sync is acyclic.
// hb = (po ∪ sw)+ where sw comes from release/acquire accesses and fences through release
// sequences (continued by RMWs only, as in C++20), thread spawn and join.
#pragma once

#include <cstdint>
#include <vector>

#include "graph.hpp"

namespace lockstep::rt::graph {

enum class model : std::uint8_t { sc, rc11 };

// A topological order of po ∪ rf ∪ thread edges ∪ co ∪ fr, where co and fr count for every
// location (sc_everywhere) or only for synchronization objects. False when cyclic.
bool linearize(const exec_graph& g, bool sc_everywhere, std::vector<event_ref>* order);

struct consistency_options {
  bool atomicity = true;  // false: an RMW may share its write with another RMW (a springboard
                          // graph that only exists to compute revisits; see trust.hpp)
};
// With replay_order, a consistent graph's order as linearize(g, m == model::sc) gives it (the
// check computes it anyway: the engine replays the graph it has just checked in that order).
bool consistent(const exec_graph& g, model m, const consistency_options& o = {},
                std::vector<event_ref>* replay_order = nullptr);

// Which of the writes ws the read r may read, each without the atomicity axiom (the
// candidates of a read just added, trust.hpp): ok[i] = consistent(g with rf(r) = ws[i], m,
// {.atomicity = false}). The graph is numbered once for all of them, not once per candidate;
// r's rf is left as it was. r is the read just added (last in its thread; the graph without it
// consistent).
void consistent_rfs(exec_graph& g, model m, event_ref r, const std::vector<event_ref>& ws,
                    std::vector<std::uint8_t>& ok);

// The incremental checks (consistent_rfs and consistent_co_positions decide some candidates
// without the full check: see consistency.cpp) can be made against the full check as well: on,
// every decision is also taken the full way, and a difference aborts (both verdicts and the
// graph on stderr).
// Off by default; on from the start with LOCKSTEP_GRAPH_CROSS_CHECK set in the environment.
// cross_checks() counts the decisions compared (replay_order_of_decided's full checks
// included).
void set_cross_check(bool on) noexcept;
bool cross_check() noexcept;
std::uint64_t cross_checks() noexcept;

// The replay order (as linearize gives it) of a graph that an applied forward item restores:
// a read's other write, a write's other co position, a choice's other value. The graph cut to
// the item's stamp is the graph the item was decided consistent on when it was pushed
// (consistent_rfs, consistent_co_positions; a choice's value changes no relation), which no
// other item changes (trust.hpp), so only the order is computed, not coherence, hb and psc
// again. With the cross-check on, the full check instead, and a graph it rejects aborts (the
// push decision was wrong): `what` names the item. False only when there is no order.
bool replay_order_of_decided(const exec_graph& g, model m, const char* what, event_ref e,
                             std::vector<event_ref>* order);

// The co positions of a write just added (w last in co, the graph consistent): ok[p] =
// consistent(g with w moved to position p, m) for p = 1 .. co.size() - 1 (1 = right after the
// initial write; ok[0] unused). The graph is numbered once for all of them; co is left as it
// was.
void consistent_co_positions(exec_graph& g, model m, event_ref w, std::vector<std::uint8_t>& ok);

}  // namespace lockstep::rt::graph
