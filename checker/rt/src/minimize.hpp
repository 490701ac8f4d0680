// Internal: minimising a failing execution (issue 14). After a mode finds a failure, search
// for an execution with no more preemptions and no more steps that fails the same way — the
// same failure kind, location and message (same_failure) — and report it first, keeping the
// original token (both replay).
//
// Candidates are replayed in the token's own family, so a graph-engine failure stays a
// graph-engine token (its trace keeps "reads the store of step N") and an interleaving one an
// interleaving token (with its preemption bound, if any):
//   1. Preemptions first, from 0 upward (ICB-style, bounded by the original's count): every
//      execution with k = 0, 1, ... preemptions below the original's until one fails the same
//      way — for an interleaving token by preemption-bounded DFS (token pb<k>), for a graph
//      token by a depth-first search over its own choices with lenient replays (the default
//      first: the previous step's thread goes on; another thread is a preemption, allowed
//      while fewer than k were taken); then, for every token, the non-preemptive schedule (a
//      lenient replay of no choices, below).
//   2. Delta debugging (ddmin, Zeller & Hildebrandt, TSE 2002) of the best execution's choice
//      sequence: chunks of choices are removed and the rest replayed leniently — a missing or
//      out-of-range choice takes the default (the previous step's thread goes on if it can,
//      the first candidate otherwise; 0 for data choices; the co-latest store for a read), so
//      removing a choice tends to remove a preemption. A candidate counts only if it fails the
//      same way with no more preemptions and no more steps, and fewer of one of them; its own
//      recorded choices (a strict token) become the new sequence.
// Budget (kMinimizeBudget): executions, at most kMinimizeBudget and at most the executions the
// search itself spent plus kMinimizeBase, so minimising never costs much more than finding.
// Livelocks (every candidate would run to the step bound, and the probability-1 rule decides
// what they mean) and stack overflows (a candidate could end the process) are not minimised.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "execution.hpp"
#include "token.hpp"

namespace lockstep::rt {

inline constexpr std::uint64_t kMinimizeBudget = 2'000;
inline constexpr std::uint64_t kMinimizeBase = 200;

// One execution as the minimiser sees it.
struct min_run {
  failure fail;
  std::uint64_t steps = 0;
  int preemptions = 0;
  std::vector<std::uint16_t> choices;  // a strict token's choices for this execution
};

// Runs the test once with chooser `ch` under `cfg` (the runner's run_one, untraced).
using min_runner = std::function<min_run(chooser& ch, const execution_config& cfg)>;

struct min_result {
  bool reduced = false;
  token tok;  // the smallest execution found (the original's token when not reduced)
  std::uint64_t steps = 0;
  int preemptions = 0;
  std::uint64_t executions = 0;
  bool budget_spent = false;
};

// Same kind, same location, same message: what "fails the same way" means.
bool same_failure(const failure& a, const failure& b) noexcept;
// Whether failures of this kind are minimised (not livelocks, stack overflows).
bool minimizable(failure_kind k) noexcept;

// `original`: the failure's token; `orig`: its execution (failure, steps, preemptions);
// `cfg`: the test's execution config (weak_memory: the C++11 model); `budget`: executions.
min_result minimize(const token& original, const min_run& orig, const execution_config& cfg,
                    const min_runner& run, std::uint64_t budget);

}  // namespace lockstep::rt
