// Replaying graph-engine tokens under the C++11 model: a token names, for every read, the store
// it reads among those executed so far. A choice that breaks coherence — here the initial null
// after the thread's own store, which the minimiser's lenient wishes used to produce (the
// CowList twin crashed the test process that way) — is refused as a token that does not fit,
// never handed to the test.
#include <lockstep/check.hpp>

#include <string>

namespace {

using P = lockstep::model_platform;

int g_target = 0;

void own_store_then_load() {
  P::atomic<int*> p{nullptr};
  p.store(&g_target, std::memory_order_relaxed);
  int* q = p.load(std::memory_order_relaxed);
  LOCKSTEP_ASSERT(q != nullptr) << "read the initial null after its own store";
  LOCKSTEP_ASSERT(*q == 0);
}

}  // namespace

LOCKSTEP_UNIT_TEST(graph_replay_refuses_an_incoherent_read) {
  lockstep::model_test_options o;
  o.memory = lockstep::memory_model::c11;
  // The load's choice among the two stores executed: 1 (the thread's own) fits ...
  const auto ok = lockstep::replay("replay_coherence", own_store_then_load, o,
                                   "replay_coherence@1.graph.0.2000.1.1");
  LOCKSTEP_ASSERT(ok.verdict == "pass") << ok.verdict << "\n" << ok.report;
  // ... 0 (the initial null) does not.
  const auto bad = lockstep::replay("replay_coherence", own_store_then_load, o,
                                    "replay_coherence@1.graph.0.2000.1.0");
  LOCKSTEP_ASSERT(bad.verdict != "pass" && bad.verdict != "FAIL: assertion" &&
                  bad.report.find("overwritten store") != std::string::npos)
      << bad.verdict << "\n"
      << bad.report;
}
