// Property test of LruCache (issue 5 verification (1)): rapidcheck generates scenarios (2
// threads x 1-3 operations with random keys and values on a capacity-2 cache), each scenario
// is explored exhaustively by the model checker, and every execution's history is checked
// for linearizability against the sequential LRU model (lru_history.hpp). On failure
// rapidcheck shrinks the scenario and the message shows the scenario, replay token and trace.
//
// Written directly on rapidcheck + lockstep::explore because the shared harness
// (lockstep/lin_scenario.hpp) and an LRU model in models/ did not exist yet at 14:50 UTC.
#include <rapidcheck.h>
#include <lockstep/check.hpp>
#include <lockstep/lru_cache.hpp>
#include <lockstep/test.hpp>

#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "lru_history.hpp"

using P = lockstep::model_platform;
using lru_history::op;
using lru_history::op_kind;

namespace {

struct planned_op {
  bool is_put;
  int key;
  int value;
};

// Lets rapidcheck print generated operations in counterexamples.
void showValue(const planned_op& o, std::ostream& os) {
  if (o.is_put) {
    os << "put(" << o.key << "," << o.value << ")";
  } else {
    os << "get(" << o.key << ")";
  }
}

std::string describe(const std::vector<std::vector<planned_op>>& plan) {
  std::ostringstream s;
  for (std::size_t t = 0; t < plan.size(); ++t) {
    s << "thread " << t << ":";
    for (auto& o : plan[t]) {
      if (o.is_put) {
        s << " put(" << o.key << "," << o.value << ")";
      } else {
        s << " get(" << o.key << ")";
      }
    }
    s << "\n";
  }
  return s.str();
}

rc::Gen<planned_op> gen_op() {
  return rc::gen::build<planned_op>(rc::gen::set(&planned_op::is_put, rc::gen::arbitrary<bool>()),
                                    rc::gen::set(&planned_op::key, rc::gen::inRange(0, 3)),
                                    rc::gen::set(&planned_op::value, rc::gen::inRange(1, 100)));
}

// Runs one scenario on one execution; reports a linearizability failure to the checker.
void run_plan(const std::vector<std::vector<planned_op>>& plan) {
  lockstep::LruCache<int, int, P> cache(2);
  std::int64_t clk = 0;  // fibers share one OS thread: exact call/return order
  std::vector<std::vector<op>> hist(plan.size());
  auto run_thread = [&](std::size_t t) {
    for (const planned_op& p : plan[t]) {
      op o{p.is_put ? op_kind::put : op_kind::get, p.key, p.value, false, ++clk, 0};
      if (p.is_put) {
        o.result = cache.put(p.key, p.value);
      } else {
        auto v = cache.get(p.key);
        o.result = v.has_value();
        o.value = v.value_or(0);
      }
      o.ret = ++clk;
      hist[t].push_back(o);
    }
  };
  P::thread a([&] { run_thread(0); });
  P::thread b([&] { run_thread(1); });
  a.join();
  b.join();
  if (!lru_history::linearizable(hist, lru_history::model(2))) {
    lockstep::report_failure(lockstep::failure_kind::linearizability,
                             "not linearizable:\n" + lru_history::describe(hist));
  }
}

}  // namespace

LOCKSTEP_UNIT_TEST(lru_cache_generated_scenarios_are_linearizable) {
  bool ok = rc::check("LruCache histories are linearizable", [] {
    auto gen_thread = rc::gen::container<std::vector<planned_op>>(
        static_cast<std::size_t>(*rc::gen::inRange(1, 4)), gen_op());
    std::vector<std::vector<planned_op>> plan{*gen_thread, *gen_thread};
    auto r = lockstep::explore(
        "lru_cache_generated_scenarios_are_linearizable", [&] { run_plan(plan); },
        lockstep::model_test_options{});
    if (!r.passed) RC_FAIL("scenario:\n" + describe(plan) + r.report);
  });
  LOCKSTEP_ASSERT(ok) << "rapidcheck found a non-linearizable LruCache history (see above)";
}
