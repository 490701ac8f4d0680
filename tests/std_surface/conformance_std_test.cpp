// The conformance bodies (conformance.hpp) on lockstep::std_platform: the std:: types on real
// threads, each body repeated so that its threads overlap. Also run under ThreadSanitizer.
#include <lockstep/std_platform.hpp>
#include <lockstep/test.hpp>

#include "conformance.hpp"

namespace {

using S = lockstep::std_platform;
namespace c = lockstep_conformance;

#if defined(__SANITIZE_THREAD__)
constexpr int kRepeat = 20;
#else
constexpr int kRepeat = 200;
#endif

template <class F>
void repeat(F f) {
  for (int i = 0; i < kRepeat; ++i) f();
}

}  // namespace

LOCKSTEP_UNIT_TEST(std_atomic_flag_lock) { repeat(c::atomic_flag_lock<S>); }
LOCKSTEP_UNIT_TEST(std_latch_publishes) { repeat(c::latch_publishes<S>); }
LOCKSTEP_UNIT_TEST(std_barrier_phases) { repeat(c::barrier_phases<S>); }
// ThreadSanitizer's pthread_once interceptor does not reset the flag when the callable
// throws (the next call_once then waits forever): no throwing first call under TSan.
LOCKSTEP_UNIT_TEST(std_call_once_runs_once) {
#if defined(__SANITIZE_THREAD__)
  repeat([] { c::call_once_runs_once<S>(false); });
#else
  repeat([] { c::call_once_runs_once<S>(); });
#endif
}
// ThreadSanitizer (GCC 12) does not intercept pthread_rwlock_clockrdlock, which the timed
// shared attempts use: it would report the reader's access as a race. Untimed under TSan.
LOCKSTEP_UNIT_TEST(std_shared_timed_mutex_excludes) {
#if defined(__SANITIZE_THREAD__)
  repeat([] { c::shared_timed_mutex_excludes<S>(false); });
#else
  repeat([] { c::shared_timed_mutex_excludes<S>(); });
#endif
}
LOCKSTEP_UNIT_TEST(std_jthread_stops) { repeat(c::jthread_stops<S>); }
LOCKSTEP_UNIT_TEST(std_cv_any_wait_stops) { repeat(c::cv_any_wait_stops<S>); }
LOCKSTEP_UNIT_TEST(std_detached_thread_finishes) { repeat(c::detached_thread_finishes<S>); }
LOCKSTEP_UNIT_TEST(std_float_fetch_add) { repeat(c::float_fetch_add<S>); }
LOCKSTEP_UNIT_TEST(std_atomic_ref_counts) { repeat(c::atomic_ref_counts<S>); }
LOCKSTEP_UNIT_TEST(std_static_atomic_counts) {
  repeat([] { c::static_atomic_counts<S>(c::static_counter<S>); });
}
LOCKSTEP_UNIT_TEST(std_heap_handoff) { repeat(c::heap_handoff<S>); }
