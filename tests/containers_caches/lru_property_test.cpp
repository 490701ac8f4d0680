// Property test of LruCache (issue 5 verification (1)): rapidcheck generates scenarios (2-3
// threads x 1-4 operations with random keys and values on a capacity-2 cache), each scenario
// is explored exhaustively by the model checker (lockstep/lin_scenario.hpp), and every
// execution's history is checked by lin::check against the sequential LRU model
// models::lru_cache<2> (values returned by get and put's "evicted" flag included). On failure
// rapidcheck shrinks the scenario and the message shows the scenario, replay token and trace.
#include <rapidcheck.h>
#include <lockstep/lin_scenario.hpp>
#include <lockstep/lru_cache.hpp>
#include <lockstep/models/lru_cache.hpp>
#include <lockstep/test.hpp>

#include <memory>

namespace {

using P = lockstep::model_platform;
using M = lockstep::models::lru_cache<2>;
using Cache = lockstep::LruCache<int, int, P>;

// Three keys on a capacity-2 cache, so puts evict and gets miss.
rc::Gen<M::input_type> gen_op() {
  return rc::gen::oneOf(rc::gen::map(rc::gen::inRange(0, 3), [](int k) { return M::get(k); }),
                        rc::gen::apply([](int k, int v) { return M::put(k, v); },
                                       rc::gen::inRange(0, 3), rc::gen::inRange(1, 100)));
}

M::output_type apply(Cache& c, const M::input_type& in) {
  if (in.kind == M::op::get) return {c.get(in.key), false};
  return {std::nullopt, c.put(in.key, in.value)};
}

}  // namespace

LOCKSTEP_UNIT_TEST(lru_cache_generated_scenarios_are_linearizable) {
  bool ok = lockstep::lin_property<M>(
      "LruCache histories are linearizable", gen_op(), [] { return std::make_unique<Cache>(2); },
      apply, {.min_threads = 2, .max_threads = 3, .max_ops = 4, .preemption_bound = -1});
  LOCKSTEP_ASSERT(ok) << "rapidcheck found a non-linearizable LruCache history (see above)";
}
