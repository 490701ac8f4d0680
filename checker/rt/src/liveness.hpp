// Internal: which step-bound livelocks are failures (the probability-1 termination rule).
//
// An execution that exceeds its step bound is in a cycle (or just long). Two kinds of cycle
// look alike there:
//   * a cycle with a way out on every round — polite workers that back off and retry, the
//     std::lock algorithm's unlock-and-retry, randomised back-off whose draws came out equal.
//     Only a scheduler that picks the same losing alternation forever keeps the program in
//     it; a scheduler choosing at random leaves it with probability 1. Under a fair,
//     randomised scheduler the program terminates with probability 1.
//   * a cycle with no way out — a thread spinning for a write that can never come, a wait
//     nobody can satisfy. Every continuation stays in it: a real livelock.
// The rule tells them apart by trying the way out: from the state at the step bound (the
// execution's own choices replayed), `kEscapeTries` continuations with random scheduling and
// random lockstep::choose values run for up to another step bound each. If one of them ends
// (passes), the cycle has a way out: by default the execution is cut (counted, not a failure) and
// the test passes with a note; with model_test_options::strict_liveness (--strict-liveness) it
// stays a livelock failure. If none ends, it is a livelock failure in every case.
// (The graph engine reaches few such cycles by itself: its fairness rule keeps threads out of
// lock step. Under strict liveness it drops that rule and replays the rounds an execution
// repeats to the step bound: graph/trust.hpp, note_round.)
//
// What the rule does not claim: one continuation that leaves shows a way out of the state it
// started from, not of every state of the cycle (the cycle's states are its rounds, which
// look alike in the programs this is for). Bounded-bypass fairness properties
// (lockstep/fairness.hpp) are safety properties and are unaffected.
#pragma once

#include <cstdint>
#include <functional>

#include "lockstep/rt/runtime.hpp"

namespace lockstep::rt {

inline constexpr int kEscapeTries = 8;

// `run_tail(seed)` runs the livelocked execution's choices again and then continues at random
// from `seed`, and returns how that execution ended. True if some continuation passed. (One
// that fails otherwise proves a way out too, but what it found lies beyond the step bound of
// the search; the livelock, which is in the search, is the failure reported then.)
bool cycle_has_way_out(const std::function<failure_kind(std::uint64_t seed)>& run_tail,
                       std::uint64_t seed);

}  // namespace lockstep::rt
