// The conformance bodies (conformance.hpp) on lockstep::model_platform: the same source as
// conformance_std_test.cpp, explored under the checker by both engines.
#include <lockstep/check.hpp>

#include "both_engines.hpp"
#include "conformance.hpp"

namespace {
using P = lockstep::model_platform;
namespace c = lockstep_conformance;
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(model_atomic_flag_lock) { c::atomic_flag_lock<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_atomic_flag_lock_c11, {.memory = lockstep::memory_model::c11}) {
  c::atomic_flag_lock<P>();
}
LOCKSTEP_TEST_BOTH_ENGINES(model_latch_publishes) { c::latch_publishes<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_barrier_phases) { c::barrier_phases<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_barrier_phases_c11, {.memory = lockstep::memory_model::c11}) {
  c::barrier_phases<P>();
}
LOCKSTEP_TEST_BOTH_ENGINES(model_call_once_runs_once) { c::call_once_runs_once<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_shared_timed_mutex_excludes) {
  c::shared_timed_mutex_excludes<P>();
}
LOCKSTEP_TEST_BOTH_ENGINES(model_jthread_stops) { c::jthread_stops<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_cv_any_wait_stops, {.spurious_wakeups = 0}) {
  c::cv_any_wait_stops<P>();
}
LOCKSTEP_TEST_BOTH_ENGINES(model_detached_thread_finishes) { c::detached_thread_finishes<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_float_fetch_add) { c::float_fetch_add<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_atomic_ref_counts) { c::atomic_ref_counts<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_atomic_ref_counts_c11, {.memory = lockstep::memory_model::c11}) {
  c::atomic_ref_counts<P>();
}
LOCKSTEP_TEST_BOTH_ENGINES(model_static_atomic_counts) {
  c::static_atomic_counts<P>(c::static_counter<P>);
}
LOCKSTEP_TEST_BOTH_ENGINES(model_heap_handoff) { c::heap_handoff<P>(); }
LOCKSTEP_TEST_BOTH_ENGINES(model_heap_handoff_c11, {.memory = lockstep::memory_model::c11}) {
  c::heap_handoff<P>();
}
