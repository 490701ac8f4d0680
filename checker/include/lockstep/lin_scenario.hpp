// lockstep/lin_scenario.hpp — linearizability property tests: rapidcheck scenarios explored by
// the model checker, and real-thread stress histories, checked against a sequential model.
//
// Guarantees
//   * lin_property(...) generates scenarios (2..max_threads threads x 1..max_ops operations,
//     each operation produced by the user's generator), explores every scenario with
//     lockstep::explore (exhaustive, preemption-bounded) and checks the history of EVERY
//     execution with lin::check. A scenario too large to enumerate within max_executions is
//     sampled with fallback_iterations random executions instead of failing. A non-linearizable
//     history is reported through report_failure(failure_kind::linearizability,
//     lin::describe(...)), so the checker's report carries the replay token and the trace
//     (options.exhaustive = false: every scenario is sampled, for objects whose smallest
//     scenarios are beyond enumeration). On failure rapidcheck shrinks the scenario; the
//     returned bool is false and stderr shows the minimal scenario + report, then that
//     scenario's failing execution minimised (fewer preemptions and steps). Reproduce with
//     RC_PARAMS="seed=N"; the report ends with how to replay the failing execution itself
//     (LOCKSTEP_REPLAY=<token> plus rapidcheck's RC_PARAMS="reproduce=...").
//   * stress_history(...) (lockstep/lincheck/scenario.hpp, included here; use that header
//     alone in stress tests, which must build without the checker for the tsan preset) runs
//     the same kind of scenario on real threads and returns lin::check's result.
//
// Usage
//   using M = lockstep::models::fifo_queue;             // any lin::model
//   bool ok = lockstep::lin_property<M>(
//       "queue is linearizable",                         // unique, stable description
//       rc::gen::arbitrary<M::input_type>(),             // generator of one operation
//       [] { return std::make_unique<my_queue<int, lockstep::model_platform>>(); },
//       [](auto& q, const M::input_type& in) -> M::output_type { ... apply in to q ... },
//       {.preemption_bound = 2});
//   LOCKSTEP_CHECK(ok);   // or return ok ? 0 : 1 from main
//
// The container is built fresh for every execution (the factory runs inside the body).
// Inputs must be printable by rapidcheck (rc::show / operator<<) for the scenario report.
#pragma once

#include <rapidcheck.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "lockstep/check.hpp"
#include "lockstep/lincheck/lincheck.hpp"
#include "lockstep/lincheck/scenario.hpp"
#include "lockstep/model_platform.hpp"

namespace lockstep {

template <class Input>
void showValue(const lin_scenario<Input>& s, std::ostream& os) {
  for (std::size_t t = 0; t < s.threads.size(); ++t) {
    os << "thread " << t << ":";
    for (const auto& in : s.threads[t]) {
      os << ' ';
      rc::show(in, os);
    }
    os << '\n';
  }
}

struct lin_property_options {
  int min_threads = 2;
  int max_threads = 3;
  int max_ops = 4;  // per thread (at least 1)
  int preemption_bound = 2;
  std::uint64_t max_executions = 200'000;
  std::uint64_t max_steps = 2'000;
  int spurious_wakeups = 1;  // per execution (timed waits and spurious wake-ups multiply)
  // A scenario whose exhaustive exploration exceeds max_executions is not a failure: it is
  // then sampled with this many random executions instead (0: count it as a failure).
  std::uint64_t fallback_iterations = 2'000;
  // false: skip the exhaustive attempt and sample fallback_iterations random executions of
  // every scenario (for objects whose smallest scenarios are already beyond enumeration).
  bool exhaustive = true;
};

namespace detail {

template <class Input>
rc::Gen<lin_scenario<Input>> scenario_gen(rc::Gen<Input> op, lin_property_options o) {
  // Operation and thread counts are drawn uniformly so that long scenarios are tried from the
  // first test on; shrinking still shortens them. rc::gen::inRange scales its range by
  // rapidcheck's size (0 for the first test, growing to 100), so it is pinned to the nominal
  // size: unpinned, most scenarios of a 100-test run had one operation per thread and whether a
  // race needing two was ever generated depended on the seed.
  auto count = [](int lo, int hi_inclusive) {
    return rc::gen::resize(rc::kNominalSize, rc::gen::inRange(lo, hi_inclusive + 1));
  };
  auto thread_ops = [op, o, count] {
    return rc::gen::mapcat(count(1, o.max_ops), [op](int k) {
      return rc::gen::container<std::vector<Input>>(static_cast<std::size_t>(k), op);
    });
  };
  return rc::gen::mapcat(count(o.min_threads, o.max_threads), [thread_ops](int n) {
    return rc::gen::map(
        rc::gen::container<std::vector<std::vector<Input>>>(static_cast<std::size_t>(n),
                                                            thread_ops()),
        [](std::vector<std::vector<Input>> v) { return lin_scenario<Input>{std::move(v)}; });
  });
}

// The model-test body of one scenario: fresh container, one P::thread per scenario thread,
// invoke/respond recorded around each operation, history checked after join.
template <class M, class Factory, class Apply>
std::function<void()> scenario_body(const lin_scenario<typename M::input_type>& s, Factory factory,
                                    Apply apply) {
  return [s, factory, apply] {
    auto c = factory();
    auto h = run_scenario<M, model_platform::thread>(s, *c, apply);
    lin::result r = lin::check(M{}, h);
    if (!r.linearizable()) {
      report_failure(failure_kind::linearizability,
                     "history is not linearizable:\n" + lin::describe(r, h));
    }
  };
}

// LOCKSTEP_REPLAY=<token> replays that execution (with its full trace) instead of exploring,
// in the property the token names. Set it together with rapidcheck's RC_PARAMS="reproduce=..."
// so that the property runs the scenario the token was found in.
inline std::string replay_token_for(const std::string& description) {
  const char* tok = std::getenv("LOCKSTEP_REPLAY");
  if (!tok) return {};
  const std::string t = tok;
  const auto at = t.rfind('@');
  return at != std::string::npos && t.compare(0, at, description) == 0 && at == description.size()
             ? t
             : std::string{};
}

// The last scenario whose exploration failed. rapidcheck shrinks from every failing candidate,
// so when rc::check returns false this is the minimal scenario it reports.
struct failed_scenario {
  std::string description;
  std::function<void()> body;
  model_test_options options;
  bool exhaustive = true;
};
inline std::optional<failed_scenario>& last_failed_scenario() {
  static std::optional<failed_scenario> f;
  return f;
}

// Explores the minimal scenario again, this time minimising its failing execution (fewer
// preemptions and steps, the same failure; checker/README.md, "Minimised counterexamples"),
// and prints that execution's report when it is smaller than the one rapidcheck printed.
// Shrinking candidates are not minimised: most of them are discarded.
inline void report_minimised_failure() {
  std::optional<failed_scenario> f = std::move(last_failed_scenario());
  last_failed_scenario().reset();
  if (!f) return;
  f->options.minimize = true;
  exploration e = explore(f->description, f->body, f->options, f->exhaustive);
  if (e.original_token.empty()) return;
  if (auto at = e.report.find("replay: --replay="); at != std::string::npos)
    e.report.replace(at, 17, "replay token: ");
  std::cerr << "lockstep: the minimal scenario's failing execution, minimised:\n"
            << e.verdict << "\n"
            << e.report << "reproduce it with its full trace: LOCKSTEP_REPLAY='" << e.token
            << "' and the RC_PARAMS=\"reproduce=...\" above\n";
}

}  // namespace detail

// Explores one scenario's body (exhaustively, sampled beyond max_executions, or replaying
// LOCKSTEP_REPLAY) and fails the enclosing rapidcheck property with the scenario text and the
// checker's report if some execution fails.
inline void explore_scenario(const std::string& description, const std::string& scenario_text,
                             const std::function<void()>& body, const lin_property_options& o) {
  model_test_options mo;
  mo.preemption_bound = o.preemption_bound;
  mo.max_executions = o.max_executions;
  mo.max_steps = o.max_steps;
  mo.spurious_wakeups = o.spurious_wakeups;
  if (const std::string tok = detail::replay_token_for(description); !tok.empty()) {
    exploration r = replay(description, body, mo, tok);
    std::cout << r.report;
    if (!r.passed) RC_FAIL("replayed " + r.verdict);
    return;
  }
  if (!o.exhaustive) mo.iterations = o.fallback_iterations;
  mo.minimize = false;  // only the minimal scenario's execution is (report_minimised_failure)
  bool exhaustive = o.exhaustive;
  exploration e = explore(description, body, mo, exhaustive);
  if (o.exhaustive && !e.passed && e.token.empty() && o.fallback_iterations > 0) {
    // Budget spent without a failure (no token): too large to enumerate, so sample it.
    mo.iterations = o.fallback_iterations;
    exhaustive = false;
    e = explore(description, body, mo, exhaustive);
  }
  if (!e.passed) {
    if (!e.token.empty()) detail::last_failed_scenario() = {description, body, mo, exhaustive};
    // The checker's report says "--replay=<token>"; a generated scenario is not a registered
    // test, so point at LOCKSTEP_REPLAY instead (below).
    if (auto at = e.report.find("replay: --replay="); at != std::string::npos)
      e.report.replace(at, 17, "replay token: ");
    RC_FAIL("scenario:\n" + scenario_text + e.verdict + "\n" + e.report +
            "reproduce this execution with its full trace: run the test again with\n"
            "  LOCKSTEP_REPLAY='" +
            e.token + "'\nand the RC_PARAMS=\"reproduce=...\" rapidcheck prints below\n");
  }
}

// The general form of lin_property, for tests whose execution body is not "one container,
// one operation list per thread" (e.g. a thread pool whose workers record operations too):
// scenarios come from `gen` (shown with rapidcheck's showValue), make_body(scenario) returns
// the body run in every execution, which reports its own failures (report_failure). Explored
// and reported exactly like lin_property.
template <class Scenario, class MakeBody>
bool scenario_property(const std::string& description, rc::Gen<Scenario> gen, MakeBody make_body,
                       lin_property_options o = {}) {
  detail::last_failed_scenario().reset();
  const bool ok = rc::check(description, [=] {
    const Scenario s = *gen;
    std::ostringstream os;
    rc::show(s, os);
    std::string text = os.str();
    if (text.empty() || text.back() != '\n') text += '\n';
    explore_scenario(description, text, std::function<void()>(make_body(s)), o);
  });
  if (!ok) detail::report_minimised_failure();
  return ok;
}

// See the header comment. Returns false (after printing the minimal scenario and the
// checker's report to stderr) when some scenario has a non-linearizable execution.
template <class M, class Factory, class Apply>
bool lin_property(const std::string& description, rc::Gen<typename M::input_type> op,
                  Factory factory, Apply apply, lin_property_options o = {}) {
  using Input = typename M::input_type;
  return scenario_property(
      description, detail::scenario_gen<Input>(op, o),
      [factory, apply](const lin_scenario<Input>& s) {
        return detail::scenario_body<M>(s, factory, apply);
      },
      o);
}

// For broken twins: true if one of `rounds` runs of a property fails. rapidcheck derives its
// random stream from the description, so round r runs `run(name + ", round r")`: each round
// is stable and distinct, which keeps catching a race that needs a particular overlap robust
// across RC_PARAMS seeds. A catch is noted for the summary (note_twin_caught: the test's row
// reads "caught: linearizability").
template <class Run>
bool caught_within(const std::string& name, int rounds, Run run) {
  for (int r = 0; r < rounds; ++r) {
    if (!run(name + ", round " + std::to_string(r))) {
      note_twin_caught("linearizability");
      return true;
    }
  }
  return false;
}

}  // namespace lockstep
