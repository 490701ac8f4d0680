// lockstep::explore() minimises the failure it returns, as the harness's rows do (issue 14
// item 2): the reported execution has no more preemptions and steps than the one found first,
// fails the same way, and the first one's token is kept. .minimize = false turns it off.
#include <lockstep/check.hpp>

#include <string>

namespace {

using P = lockstep::model_platform;

// Three increments per thread as a load and a store: random mode's first failure usually has
// more preemptions than the one a lost update needs.
void lost_update() {
  P::atomic<int> n{0};
  auto inc = [&] {
    for (int i = 0; i < 3; ++i) n.store(n.load() + 1);
  };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 6) << "lost update";
}

bool has(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

}  // namespace

LOCKSTEP_UNIT_TEST(explore_minimises_its_failure) {
  int reduced = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const lockstep::model_test_options o{.seed = seed};
    const auto x = lockstep::explore("explore_minimize", lost_update, o, /*exhaustive=*/false);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: assertion") << x.verdict << "\n" << x.report;
    if (x.original_token.empty()) continue;
    ++reduced;
    LOCKSTEP_ASSERT(x.token != x.original_token);
    LOCKSTEP_ASSERT(has(x.report, "minimised from") &&
                    has(x.report, "as first found: --replay=" + x.original_token))
        << x.report;
    // Both executions replay, to the same failure.
    const auto now = lockstep::replay("explore_minimize", lost_update, o, x.token);
    const auto first = lockstep::replay("explore_minimize", lost_update, o, x.original_token);
    LOCKSTEP_ASSERT(now.verdict == "FAIL: assertion" && first.verdict == "FAIL: assertion")
        << now.report << first.report;
    LOCKSTEP_ASSERT(has(now.report, "lost update")) << now.report;
    // Off: the failure as found.
    lockstep::model_test_options off = o;
    off.minimize = false;
    const auto y = lockstep::explore("explore_minimize", lost_update, off, /*exhaustive=*/false);
    LOCKSTEP_ASSERT(y.original_token.empty() && y.token == x.original_token &&
                    !has(y.report, "minimised from"))
        << y.report;
  }
  LOCKSTEP_ASSERT(reduced > 0)
      << "no seed in 1..20 gave a failure with more preemptions than needed";
}
