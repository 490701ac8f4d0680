// Unit tests of models::executor_model (the thread-pool spec): its lazily applied internal
// steps (a task starts or finishes only when an output needs it), exactly-once bodies, cancel
// only while pending, submission-order start with one worker, done-callbacks, shutdown, and
// whole histories.
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/executor.hpp>
#include <lockstep/test.hpp>

#include <optional>
#include <sstream>

using namespace lockstep;

namespace {

using E = models::executor_model;
using O = E::outcome;

// Applies steps to a state, remembering whether every one was accepted.
struct stepper {
  E m;
  E::state_type s = m.init();
  bool ok = true;
  stepper& run(E::op k, int t, O what, int value = 0, bool throws = false) {
    if (!ok) return *this;
    auto n = m.step(s, E::input_type{k, t, throws}, E::output_type{what, value});
    ok = n.has_value();
    if (n) s = *n;
    return *this;
  }
};

stepper with_two_tasks(int workers) {
  stepper st{E{workers}};
  st.run(E::op::submit, 0, O::ok).run(E::op::submit, 1, O::ok, 0, /*throws=*/true);
  return st;
}

}  // namespace

LOCKSTEP_UNIT_TEST(executor_model_bodies_run_once_and_never_when_cancelled) {
  LOCKSTEP_ASSERT(with_two_tasks(1).run(E::op::body, 0, O::ok).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::body, 0, O::ok).run(E::op::body, 0, O::ok).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::cancel, 0, O::yes).run(E::op::body, 0, O::ok).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::body, 7, O::ok).ok);  // never submitted
  // cancel() is idempotent, and false once the task started.
  LOCKSTEP_ASSERT(with_two_tasks(1).run(E::op::cancel, 0, O::yes).run(E::op::cancel, 0, O::yes).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::body, 0, O::ok).run(E::op::cancel, 0, O::yes).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::cancel, 0, O::yes).run(E::op::cancel, 0, O::no).ok);
}

LOCKSTEP_UNIT_TEST(executor_model_results_need_the_body) {
  // done()/result() of a task whose body has not run cannot be "finished".
  LOCKSTEP_ASSERT(!with_two_tasks(2).run(E::op::done, 0, O::yes).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(2).run(E::op::result, 0, O::value, 0).ok);
  auto st = with_two_tasks(2).run(E::op::body, 0, O::ok).run(E::op::body, 1, O::ok);
  LOCKSTEP_ASSERT(stepper(st).run(E::op::result, 0, O::value, 0).ok);
  LOCKSTEP_ASSERT(!stepper(st).run(E::op::result, 0, O::value, 5).ok);  // value is 10 * id
  LOCKSTEP_ASSERT(!stepper(st).run(E::op::result, 0, O::error).ok);
  LOCKSTEP_ASSERT(stepper(st).run(E::op::result, 1, O::error).ok);  // task 1 throws
  // The task may still be running after its body returned (the result is published later).
  LOCKSTEP_ASSERT(stepper(st).run(E::op::done, 0, O::no).run(E::op::running, 0, O::yes).ok);
  // Once done, never running or undone again; result_for timed out only before.
  auto done = stepper(st).run(E::op::done, 0, O::yes);
  LOCKSTEP_ASSERT(done.ok);
  LOCKSTEP_ASSERT(!stepper(done).run(E::op::done, 0, O::no).ok);
  LOCKSTEP_ASSERT(!stepper(done).run(E::op::running, 0, O::yes).ok);
  LOCKSTEP_ASSERT(!stepper(done).run(E::op::result_for, 0, O::timeout).ok);
  LOCKSTEP_ASSERT(with_two_tasks(1).run(E::op::result_for, 0, O::timeout).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::result, 0, O::timeout).ok);  // result() waits
  // A cancelled task's result is "cancelled" and nothing else.
  auto c = with_two_tasks(1).run(E::op::cancel, 1, O::yes);
  LOCKSTEP_ASSERT(stepper(c).run(E::op::result, 1, O::cancelled).run(E::op::done, 1, O::yes).ok);
  LOCKSTEP_ASSERT(!stepper(c).run(E::op::result, 1, O::error).ok);
}

LOCKSTEP_UNIT_TEST(executor_model_one_worker_starts_in_submission_order) {
  // Task 1 cannot start while task 0 (submitted first) is still queued...
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::body, 1, O::ok).ok);
  LOCKSTEP_ASSERT(!with_two_tasks(1).run(E::op::running, 1, O::yes).ok);
  // ...but can once 0 was cancelled, or ran (starting 1 then finishes 0).
  LOCKSTEP_ASSERT(with_two_tasks(1).run(E::op::cancel, 0, O::yes).run(E::op::body, 1, O::ok).ok);
  auto st = with_two_tasks(1).run(E::op::body, 0, O::ok).run(E::op::body, 1, O::ok);
  LOCKSTEP_ASSERT(st.ok);
  LOCKSTEP_ASSERT(!stepper(st).run(E::op::running, 0, O::yes).ok);
  // Two workers: no order (a popped task may start after a later one).
  LOCKSTEP_ASSERT(with_two_tasks(2).run(E::op::body, 1, O::ok).run(E::op::running, 0, O::no).ok);
}

LOCKSTEP_UNIT_TEST(executor_model_shutdown_finishes_every_task) {
  LOCKSTEP_ASSERT(!with_two_tasks(2).run(E::op::body, 0, O::ok).run(E::op::shutdown, 0, O::ok).ok)
      << "task 1 never ran";
  LOCKSTEP_ASSERT(with_two_tasks(2)
                      .run(E::op::body, 0, O::ok)
                      .run(E::op::cancel, 1, O::yes)
                      .run(E::op::shutdown, 0, O::ok)
                      .run(E::op::done, 0, O::yes)
                      .ok);
  std::ostringstream os;
  os << E::input_type{E::op::submit, 3, true} << ' ' << E::output_type{O::value, 30};
  LOCKSTEP_ASSERT(os.str() == "submit(3, throws) value 30") << os.str();
}

LOCKSTEP_UNIT_TEST(executor_model_histories) {
  using H = lin::history<E>;
  using I = E::input_type;
  using Out = E::output_type;
  // A cancel overlapping the task's body may take effect first only if it failed: here it
  // succeeded and the body ran anyway (the check-then-act bug) -> not linearizable.
  H racy{{{2, I{E::op::submit, 0}, Out{}, 0, 1},
          {0, I{E::op::cancel, 0}, Out{O::yes}, 2, 5},
          {3, I{E::op::body, 0}, Out{}, 3, 4},
          {2, I{E::op::shutdown, 0}, Out{}, 6, 7}}};
  LOCKSTEP_ASSERT(!lin::check(E{1}, racy).linearizable());
  H fine = racy;
  fine.ops[1].output = Out{O::no};
  auto r = lin::check(E{1}, fine);
  LOCKSTEP_ASSERT(r.linearizable()) << lin::describe(r, fine);
  // A result observed before the body was even invoked.
  H early{{{2, I{E::op::submit, 0}, Out{}, 0, 1},
           {0, I{E::op::result, 0}, Out{O::value, 0}, 2, 3},
           {3, I{E::op::body, 0}, Out{}, 4, 5},
           {2, I{E::op::shutdown, 0}, Out{}, 6, 7}}};
  LOCKSTEP_ASSERT(!lin::check(E{2}, early).linearizable());
}

LOCKSTEP_UNIT_TEST(executor_model_callbacks_run_once_after_completion) {
  auto cb = [](stepper st, E::op k, int t, int slot) {
    auto n = st.m.step(st.s, E::input_type{k, t, false, slot}, E::output_type{});
    st.ok = st.ok && n.has_value();
    if (n) st.s = *n;
    return st;
  };
  auto reg = cb(with_two_tasks(2), E::op::add_callback, 0, 3);
  LOCKSTEP_ASSERT(reg.ok);
  LOCKSTEP_ASSERT(!cb(reg, E::op::add_callback, 0, 3).ok);                // slot taken
  LOCKSTEP_ASSERT(!cb(with_two_tasks(2), E::op::callback, 0, 3).ok);      // never registered
  LOCKSTEP_ASSERT(!cb(reg, E::op::callback, 0, 3).ok);                    // task not done
  LOCKSTEP_ASSERT(!cb(with_two_tasks(2), E::op::add_callback, 9, 0).ok);  // no such task
  auto ran = cb(stepper(reg).run(E::op::body, 0, O::ok), E::op::callback, 0, 3);
  LOCKSTEP_ASSERT(ran.ok);
  LOCKSTEP_ASSERT(!stepper(ran).run(E::op::done, 0, O::no).ok);  // the callback saw it done
  LOCKSTEP_ASSERT(!cb(ran, E::op::callback, 0, 3).ok);           // twice
  // A cancelled task's callbacks run too; shutdown needs every registered callback to have run.
  auto c = cb(stepper(with_two_tasks(2)).run(E::op::cancel, 1, O::yes), E::op::add_callback, 1, 0);
  LOCKSTEP_ASSERT(!stepper(c).run(E::op::body, 0, O::ok).run(E::op::shutdown, 0, O::ok).ok);
  LOCKSTEP_ASSERT(stepper(cb(c, E::op::callback, 1, 0))
                      .run(E::op::body, 0, O::ok)
                      .run(E::op::shutdown, 0, O::ok)
                      .ok);
}
