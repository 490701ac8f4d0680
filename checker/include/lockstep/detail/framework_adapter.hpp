// lockstep/detail/framework_adapter.hpp — internal: what lockstep/gtest.hpp and
// lockstep/catch2.hpp share. Runs a model test body the way LOCKSTEP_TEST does (exhaustive
// mode, then random mode, as the options ask), or replays LOCKSTEP_REPLAY, and returns a
// verdict with a message for the enclosing framework to fail with.
#pragma once

#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

#include "lockstep/check.hpp"

namespace lockstep::detail {

struct framework_verdict {
  bool ok = true;
  std::string message;  // why not ok: verdict, checker report, replay token and how to replay
};

// `name` names the execution in tokens (the framework's test name, '@' replaced: it ends the
// name in a token); `rerun` says how to run this one test again (e.g. "--gtest_filter=A.B").
inline framework_verdict check_model(std::string name, const std::string& rerun,
                                     const std::function<void()>& body,
                                     const model_test_options& opts = {}) {
  for (char& c : name)
    if (c == '@') c = '_';
  const std::string expected =
      opts.expect == failure_kind::none ? "" : std::string("FAIL: ") + to_string(opts.expect);
  framework_verdict v;
  if (const char* tok = std::getenv("LOCKSTEP_REPLAY");
      tok && std::string(tok).rfind(name + "@", 0) == 0) {
    const exploration r = replay(name, body, opts, tok);
    std::cout << r.report;
    v.ok = expected.empty() ? r.passed : r.verdict == expected;
    if (!v.ok) v.message = "replayed " + std::string(tok) + ": " + r.verdict + "\n" + r.report;
    return v;
  }
  for (const bool exhaustive : {true, false}) {
    if (exhaustive ? !opts.exhaustive : !opts.random) continue;
    const char* mode = exhaustive ? "exhaustive" : "random";
    exploration e = explore(name, body, opts, exhaustive);
    // The report says "--replay=<token>", which a framework's test binary does not take.
    if (auto at = e.report.find("replay: --replay="); at != std::string::npos)
      e.report.replace(at, 17, "replay token: ");
    const std::string how = e.token.empty()
                                ? std::string()
                                : "replay it with its full trace: run this test again with\n"
                                  "  LOCKSTEP_REPLAY='" +
                                      e.token + "' <test-binary> " + rerun + "\n";
    if (expected.empty() && !e.passed) {
      v.ok = false;
      v.message = std::string(mode) + " mode: " + e.verdict + "\n" + e.report + how;
      return v;
    }
    if (!expected.empty() && e.verdict != expected) {
      v.ok = false;
      v.message = std::string(mode) + " mode: expected " + expected.substr(6) +
                  " to be found, got " + e.verdict + "\n" + e.report + how;
      return v;
    }
  }
  return v;
}

}  // namespace lockstep::detail
