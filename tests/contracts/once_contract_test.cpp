// Contract tests of OnceFlag / call_once / Lazy (once.hpp): f runs once to completion however
// two callers interleave, and its effects are visible to both callers and to is_done() ==
// true (C11 mode: the fast path is an acquire load of a release store); a throwing f leaves
// the flag unset and the next caller runs it again; Lazy builds its value once and both
// getters see it. Broken twins: the same classes instantiated with a relaxed fast path or a
// relaxed publishing store (the orders are template parameters for exactly this).
#include <lockstep/check.hpp>
#include <lockstep/once.hpp>

#include <atomic>
#include <stdexcept>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;
constexpr auto rlx = std::memory_order_relaxed, acq = std::memory_order_acquire,
               rel = std::memory_order_release;

namespace {

template <class Flag>
void runs_once_and_publishes() {
  Flag flag;
  P::var<int> payload{0};
  P::atomic<int> runs{0};
  auto caller = [&] {
    lockstep::call_once(flag, [&] {
      payload = 42;
      runs.fetch_add(1, std::memory_order_relaxed);
    });
    LOCKSTEP_ASSERT(payload.get() == 42) << "returned before a completed run";
  };
  P::thread t(caller);
  caller();
  t.join();
  LOCKSTEP_ASSERT(runs.load() == 1) << "f ran " << runs.load() << " times";
}

// is_done() == true in a thread that never called: the run's effects are visible.
template <class Flag>
void is_done_publishes() {
  Flag flag;
  P::var<int> payload{0};
  P::thread t([&] { flag.call_once([&] { payload = 1; }); });
  if (flag.is_done()) LOCKSTEP_ASSERT(payload.get() == 1);
  t.join();
  LOCKSTEP_ASSERT(flag.is_done());
}

template <class L>
void lazy_builds_once() {
  P::atomic<int> builds{0};
  L lazy([&] {
    builds.fetch_add(1, std::memory_order_relaxed);
    return 7;
  });
  LOCKSTEP_ASSERT(!lazy.is_initialised());
  P::thread t([&] { LOCKSTEP_ASSERT(lazy.get() == 7); });
  LOCKSTEP_ASSERT(lazy.get() == 7);
  t.join();
  LOCKSTEP_ASSERT(builds.load() == 1 && lazy.is_initialised());
}

}  // namespace

LOCKSTEP_TEST(once_runs_once_and_publishes_c11, {.memory = memory_model::c11}) {
  runs_once_and_publishes<lockstep::OnceFlag<P>>();
}
LOCKSTEP_TEST(once_broken_relaxed_fast_path_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  runs_once_and_publishes<lockstep::OnceFlag<P, rlx, rel>>();
}
LOCKSTEP_TEST(once_broken_relaxed_publish_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  runs_once_and_publishes<lockstep::OnceFlag<P, acq, rlx>>();
}

LOCKSTEP_TEST(once_is_done_publishes_c11, {.memory = memory_model::c11}) {
  is_done_publishes<lockstep::OnceFlag<P>>();
}
LOCKSTEP_TEST(once_broken_relaxed_is_done_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  is_done_publishes<lockstep::OnceFlag<P, rlx, rel>>();
}

LOCKSTEP_TEST(once_lazy_builds_once_c11, {.memory = memory_model::c11}) {
  lazy_builds_once<lockstep::Lazy<int, P>>();
}
LOCKSTEP_TEST(once_broken_lazy_relaxed_fast_path_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  lazy_builds_once<lockstep::Lazy<int, P, rlx, rel>>();
}

// A throwing f leaves the flag unset: the other caller (racing or later) runs f again, and
// exactly one run completes.
LOCKSTEP_TEST(once_throwing_run_is_retried) {
  lockstep::OnceFlag<P> flag;
  P::atomic<int> completed{0}, attempts{0};
  auto caller = [&] {
    try {
      flag.call_once([&] {
        if (attempts.fetch_add(1) == 0) throw std::runtime_error("first run fails");
        completed.fetch_add(1);
      });
    } catch (const std::runtime_error&) {
      flag.call_once([&] { completed.fetch_add(1); });  // retry: runs unless the other did
    }
  };
  P::thread t(caller);
  caller();
  t.join();
  LOCKSTEP_ASSERT(completed.load() == 1) << completed.load() << " completed runs";
  LOCKSTEP_ASSERT(flag.is_done());
}

LOCKSTEP_TEST(once_throwing_run_leaves_flag_unset) {
  lockstep::OnceFlag<P> flag;
  bool threw = false;
  try {
    flag.call_once([] { throw std::runtime_error("fails"); });
  } catch (const std::runtime_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw && !flag.is_done()) << "a throwing run set the flag";
  int runs = 0;
  flag.call_once([&] { ++runs; });
  flag.call_once([&] { ++runs; });
  LOCKSTEP_ASSERT(runs == 1 && flag.is_done());
}
