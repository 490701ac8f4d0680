// The Redlock protocol model (models/.../redlock_protocol.hpp) under the model checker:
// interleavings of clients and instances, message delays, process pauses and clock drift are
// all explored. Without fencing the checker finds the double grant (a paused holder's write
// accepted after the next holder's); with fencing the resource rejects it in every execution.
#include <lockstep/check.hpp>
#include <lockstep/models/redlock_protocol.hpp>

using P = lockstep::model_platform;
using lockstep::models::redlock_model_config;
using lockstep::models::redlock_protocol;

namespace {

void run_model(redlock_model_config cfg) {
  redlock_protocol<P> m(cfg, [](int n, const char* what) { return lockstep::rt::choose(n, what); });
  m.run();
}

}  // namespace

// A holder paused past its ttl, no fencing: caught (the broken twin). Exhaustive only: the
// counterexample needs the second client to run its ~12 steps of acquisition inside the
// paused holder's 2-step window, which a random walk practically never produces (20 000
// random executions: not found), while the exhaustive search finds it in ~200 executions.
LOCKSTEP_TEST(redlock_unfenced_pause_double_grant_is_caught,
              {.expect = lockstep::failure_kind::assertion, .random = false}) {
  run_model({.delays = false, .fencing = false});
}

// The same environment with fencing: the stale write is rejected in every execution.
LOCKSTEP_TEST(redlock_fenced_pause_is_safe) { run_model({.delays = false, .fencing = true}); }

// Pauses and message delays, with fencing. The full space is large (DPOR: > 1M executions):
// every schedule with at most 1 preemption (~41k executions), plus 20k random schedules.
LOCKSTEP_TEST(redlock_fenced_pause_and_delays_is_safe,
              {.iterations = 20'000, .preemption_bound = 1}) {
  run_model({.delays = true, .fencing = true});
}

// Clock drift beyond the allowance (instance clocks up to 2 ticks fast over a 3-tick ttl,
// allowance 1): keys expire early and a second client is granted while the first still
// believes it holds the lock. Without fencing: caught.
LOCKSTEP_TEST(redlock_unfenced_clock_drift_double_grant_is_caught,
              {.expect = lockstep::failure_kind::assertion, .iterations = 20'000}) {
  run_model({.max_drift = 2, .delays = false, .pauses = false, .fencing = false});
}

// The same drift with fencing: the later grant's fence is larger, so the older holder's
// accesses are rejected. Every schedule with at most 2 preemptions (~28k executions; the
// unbounded DPOR space is ~2e7), plus 20k random schedules.
LOCKSTEP_TEST(redlock_fenced_clock_drift_is_safe, {.iterations = 20'000, .preemption_bound = 2}) {
  run_model({.max_drift = 2, .delays = false, .pauses = false, .fencing = true});
}
