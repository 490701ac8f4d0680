// Model tests of lockstep/once.hpp under the C++11 memory model: the double-checked
// locking in OnceFlag/Lazy publishes the value (acquire/release), runs the initializer
// exactly once, and retries after an exception. The broken twins are the same templates
// instantiated with a relaxed fast-path load or a relaxed publishing store.
#include <lockstep/check.hpp>
#include <lockstep/once.hpp>

#include <atomic>
#include <stdexcept>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

// `threads` threads (the test body is one of them) call get() once each; every one must
// see the value, and the initializer must have run exactly once.
template <std::memory_order FastLoad, std::memory_order Publish>
void lazy_get(int threads) {
  P::atomic<int> calls{0};
  lockstep::Lazy<int, P, FastLoad, Publish> lazy([&] {
    calls.fetch_add(1, std::memory_order_relaxed);
    return 42;
  });
  auto body = [&] { LOCKSTEP_ASSERT(lazy.get() == 42) << "read an unpublished value"; };
  P::thread a(body);
  P::thread b;
  if (threads > 2) b = P::thread(body);
  body();
  a.join();
  if (b.joinable()) b.join();
  LOCKSTEP_ASSERT(calls.load(std::memory_order_relaxed) == 1)
      << "initializer ran " << calls.load() << " times";
}

constexpr auto acq = std::memory_order_acquire;
constexpr auto rel = std::memory_order_release;
constexpr auto rlx = std::memory_order_relaxed;

}  // namespace

LOCKSTEP_TEST(lazy_two_threads_c11, {.memory = memory_model::c11}) { lazy_get<acq, rel>(2); }

LOCKSTEP_TEST(lazy_three_threads_c11, {.memory = memory_model::c11}) { lazy_get<acq, rel>(3); }

// Relaxed fast-path load: a thread can read `done == true` without synchronising with the
// initializer, and then read the payload: a data race (stale data on ARM/POWER).
LOCKSTEP_TEST(lazy_relaxed_fast_load_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  lazy_get<rlx, rel>(2);
}

// Relaxed publishing store: the acquire load has no release to synchronise with.
LOCKSTEP_TEST(lazy_relaxed_publish_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  lazy_get<acq, rlx>(2);
}

// call_once: the effects of the initializer (a plain var written inside it) are visible to
// every caller after call_once returns, including callers that took the fast path.
LOCKSTEP_TEST(call_once_publishes_effects_c11, {.memory = memory_model::c11}) {
  lockstep::OnceFlag<P> flag;
  P::var<int> table{0};
  P::atomic<int> calls{0};
  auto body = [&] {
    lockstep::call_once(
        flag,
        [&](int v) {
          calls.fetch_add(1, std::memory_order_relaxed);
          table = v;
        },
        7);
    LOCKSTEP_ASSERT(table.get() == 7);
    LOCKSTEP_ASSERT(flag.is_done());
  };
  P::thread a(body), b(body);
  body();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(calls.load() == 1);
}

// An initializer that throws on its first run: the caller that ran it gets the exception,
// the flag stays unset, and the next attempt (by anyone) runs the initializer again. Each
// thread retries until it has the value; in total the initializer runs exactly twice.
LOCKSTEP_TEST(lazy_retries_after_exception_c11, {.memory = memory_model::c11}) {
  P::atomic<int> calls{0};
  lockstep::Lazy<int, P> lazy([&]() -> int {
    if (calls.fetch_add(1, std::memory_order_relaxed) == 0) throw std::runtime_error("transient");
    return 42;
  });
  P::atomic<int> failures{0};
  auto body = [&] {
    for (;;) {
      try {
        LOCKSTEP_ASSERT(lazy.get() == 42);
        return;
      } catch (const std::runtime_error&) {
        failures.fetch_add(1, std::memory_order_relaxed);
      }
    }
  };
  P::thread a(body);
  body();
  a.join();
  LOCKSTEP_ASSERT(calls.load() == 2) << "initializer ran " << calls.load() << " times";
  LOCKSTEP_ASSERT(failures.load() == 1) << "exactly one caller sees the failed run";
  LOCKSTEP_ASSERT(lazy.is_initialised());
}
