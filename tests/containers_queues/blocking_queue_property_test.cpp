// Property tests of the blocking queues (issue 5 verification (1)): rapidcheck generates
// scenarios (2-3 threads x 1-4 operations: try_put/try_get/size/close with small values, and
// also put_for/get_for in the timed properties) on a capacity-2 queue; lockstep::lin_property
// explores each scenario with the model checker and checks every execution's history against the
// sequential model (models/queue.hpp). Generated operations never block unboundedly (timed or try
// variants; close), so no generated scenario can deadlock; blocking put/get/close/join are covered
// by the hand-written scenarios in blocking_queue_model_test.cpp.
//
// Broken twin: a LIFO queue checked against the FIFO model must be caught (the shrunk
// scenario, replay token and trace go to stderr).
//
// Real-thread histories (lockstep::stress_history) are checked in blocking_queue_stress_test.cpp.
#include <lockstep/blocking_queue.hpp>
#include <lockstep/lin_scenario.hpp>
#include <lockstep/models/queue.hpp>
#include <lockstep/test.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "queue_apply.hpp"

namespace {
// Deterministic by default (as lin_scenario_tests.cpp); set RC_PARAMS to try other seeds.
// 40 scenarios per property (rapidcheck's default is 100) keep each CTest test at ~2 s of CPU.
const bool fixed_seed = [] {
  return ::setenv("RC_PARAMS", "seed=1 max_success=40", /*overwrite=*/0) == 0;
}();

using lockstep::models::queue_input;
using lockstep::models::queue_op;
using lockstep::models::queue_output;
using namespace std::chrono_literals;

constexpr std::size_t kCapacity = 2;

// timed = false: try_put/try_get/size/close only. timed = true: also put_for/get_for.
// Timed waits multiply the search (every point where a timeout may fire, plus spurious
// wake-ups, is a choice): 3 timed ops in a 3-thread scenario already exceed 200k executions,
// so such scenarios are sampled (see property()).
rc::Gen<queue_input> gen_op(bool timed) {
  // Values 1..3: duplicates happen (priority ties), and a wrong value is still visible.
  auto make = [](queue_op k, std::int64_t v) { return queue_input{k, v}; };
  auto puts = timed ? rc::gen::element(queue_op::put_for, queue_op::try_put)
                    : rc::gen::just(queue_op::try_put);
  auto others =
      timed
          ? rc::gen::element(queue_op::try_get, queue_op::get_for, queue_op::size, queue_op::close)
          : rc::gen::element(queue_op::try_get, queue_op::try_get, queue_op::size, queue_op::close);
  return rc::gen::oneOf(rc::gen::apply(make, puts, rc::gen::inRange<std::int64_t>(1, 4)),
                        rc::gen::apply(make, others, rc::gen::just<std::int64_t>(0)));
}

template <class Q>
queue_output apply(Q& q, const queue_input& in) {
  return apply_queue_op(q, in, 1ms);
}

template <class M, class Q>
bool property(const std::string& name, bool timed = false) {
  lockstep::lin_property_options o{.max_threads = 3, .max_ops = 4, .preemption_bound = 2};
  // Timed waits (timeouts and spurious wake-ups are choices) multiply the schedules: a timed
  // scenario beyond 10k executions is sampled with 1000 random executions instead.
  if (timed)
    o = {.max_threads = 3, .max_ops = 4, .max_executions = 10'000, .fallback_iterations = 1'000};
  return lockstep::lin_property<M>(
      name, gen_op(timed), [] { return std::make_unique<Q>(kCapacity); },
      [](Q& q, const queue_input& in) { return apply(q, in); }, o);
}

using P = lockstep::model_platform;

}  // namespace

LOCKSTEP_UNIT_TEST(queue_fifo_generated_scenarios_are_linearizable) {
  LOCKSTEP_ASSERT(
      (property<lockstep::models::fifo_queue_model<kCapacity>, lockstep::BlockingQueue<int, P>>(
          "BlockingQueue is a linearizable FIFO")));
}

LOCKSTEP_UNIT_TEST(queue_fifo_generated_timed_scenarios_are_linearizable) {
  LOCKSTEP_ASSERT(
      (property<lockstep::models::fifo_queue_model<kCapacity>, lockstep::BlockingQueue<int, P>>(
          "BlockingQueue with put_for/get_for is a linearizable FIFO", /*timed=*/true)));
}

LOCKSTEP_UNIT_TEST(queue_lifo_generated_scenarios_are_linearizable) {
  LOCKSTEP_ASSERT(
      (property<lockstep::models::lifo_queue_model<kCapacity>, lockstep::LifoQueue<int, P>>(
          "LifoQueue is a linearizable LIFO")));
}

LOCKSTEP_UNIT_TEST(queue_priority_generated_scenarios_are_linearizable) {
  LOCKSTEP_ASSERT(
      (property<lockstep::models::priority_queue_model<kCapacity>, lockstep::PriorityQueue<int, P>>(
          "PriorityQueue is a linearizable priority queue")));
}

// Broken twin: LIFO pops in what should be a FIFO queue. Caught (property returns false)
// within the first round for seed 1; rounds with their own stable descriptions guard against
// a lucky seed.
LOCKSTEP_UNIT_TEST(queue_broken_lifo_pop_in_fifo_is_caught) {
  LOCKSTEP_ASSERT(lockstep::caught_within(
      "LIFO pop checked as FIFO is caught", 5,
      [](const std::string& name) {
        return property<lockstep::models::fifo_queue_model<kCapacity>, lockstep::LifoQueue<int, P>>(
            name);
      }))
      << "a LIFO queue passed as a linearizable FIFO queue";
}
