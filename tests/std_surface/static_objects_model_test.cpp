// Model objects at namespace scope (rt::object: static objects; and P::var). They used to
// abort the binary at start-up, before main (and so `--list`, which CTest discovery runs
// after every build of this executable); now each one joins every execution on first use,
// starting from the state it was constructed with.
#include <lockstep/check.hpp>

#include <array>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;

constinit P::atomic<int> g_counter{0};
constinit P::atomic_flag g_flag;
P::mutex g_mutex;  // dynamically initialised, outside any execution
P::atomic<int> g_racy{0};
P::var<int> g_plain{0};
P::var<int> g_plain_racy{0};

}  // namespace

// Every execution starts with g_counter == 0 and the flag clear, whatever the previous
// execution left (two increments, a set flag).
LOCKSTEP_TEST_BOTH_ENGINES(static_atomic_starts_every_execution_fresh) {
  LOCKSTEP_ASSERT(g_counter.load() == 0) << "left over from another execution";
  LOCKSTEP_ASSERT(!g_flag.test()) << "left over from another execution";
  P::thread a([] { g_counter.fetch_add(1); }), b([] { g_counter.fetch_add(1); });
  g_flag.test_and_set();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(g_counter.load() == 2);
}

// A namespace-scope mutex starts every execution unlocked: executions cut while it is held
// (assume) would otherwise leave it locked for the next one, which would deadlock.
LOCKSTEP_TEST_BOTH_ENGINES(static_mutex_starts_every_execution_unlocked) {
  P::var<int> n{0};
  auto body = [&] {
    g_mutex.lock();
    n += 1;
    lockstep::assume(lockstep::choose(2) == 0);  // cut half the executions, mutex held
    g_mutex.unlock();
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}

// BUG: a load-then-store increment of a static atomic loses updates; static objects are
// interleaved like any other.
LOCKSTEP_TEST_BOTH_ENGINES(static_atomic_broken_load_store_increment_is_caught,
                           {.expect = failure_kind::assertion}) {
  auto inc = [] { g_racy.store(g_racy.load() + 1); };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(g_racy.load() == 2) << "lost update";
}

// A namespace-scope var starts every execution with its initial value, and is checked for
// races like any other.
LOCKSTEP_TEST_BOTH_ENGINES(static_var_starts_every_execution_fresh) {
  LOCKSTEP_ASSERT(g_plain.get() == 0) << "left over from another execution";
  P::thread t([] { g_plain += 1; });
  t.join();
  g_plain += 1;
  LOCKSTEP_ASSERT(g_plain.get() == 2);
}

// BUG: two threads write a namespace-scope var without synchronisation.
LOCKSTEP_TEST_BOTH_ENGINES(static_var_broken_unsynchronised_writes_are_caught,
                           {.expect = failure_kind::data_race}) {
  P::thread t([] { g_plain_racy += 1; });
  g_plain_racy += 1;
  t.join();
}

// std::array<P::var<T>, N> a{} value-initialises every element (the default constructor is
// not explicit); each element is its own location for the race detector.
LOCKSTEP_TEST(var_array_value_initialised_elements_are_distinct) {
  std::array<P::var<int>, 3> a{};
  LOCKSTEP_ASSERT(a[0].get() == 0 && a[1].get() == 0 && a[2].get() == 0);
  P::thread t([&] { a[1] = 5; });
  a[0] = 4;  // another element: no race
  t.join();
  LOCKSTEP_ASSERT(a[0].get() + a[1].get() == 9);
}

// BUG: the same element written by two threads without synchronisation.
LOCKSTEP_TEST(var_array_broken_same_element_is_caught, {.expect = failure_kind::data_race}) {
  std::array<P::var<int>, 2> a{};
  P::thread t([&] { a[1] = 5; });
  a[1] = 4;
  t.join();
}
