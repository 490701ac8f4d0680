// P::atomic_ref<T> under the checker, on both engines: atomic_refs to one plain object share
// its modification order and memory orders; relaxed publication through one is a data race
// the C++11 model finds; misuse is reported. (tests/graph/graph_atomic_ref_test.cpp
// cross-checks the graph engine's litmus outcomes through atomic_refs against the full
// search.)
#include <lockstep/check.hpp>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

// Message passing through a plain int accessed with atomic_refs.
void publish(std::memory_order store_mo, std::memory_order load_mo) {
  int flag = 0;
  P::var<int> data{0};
  P::thread t([&] {
    data = 42;
    P::atomic_ref<int>(flag).store(1, store_mo);
  });
  P::atomic_ref<int> f(flag);
  while (f.load(load_mo) == 0) P::spin_pause();
  LOCKSTEP_ASSERT(data.get() == 42);
  t.join();
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_release_acquire_publishes, {.memory = memory_model::c11}) {
  publish(std::memory_order_release, std::memory_order_acquire);
}

// BUG: relaxed orders publish nothing: the data accesses race.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_broken_relaxed_publication_is_caught,
                           {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  publish(std::memory_order_relaxed, std::memory_order_relaxed);
}

// BUG: load, then store, through atomic_refs: one of two increments is lost.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_broken_load_store_increment_is_caught,
                           {.expect = failure_kind::assertion}) {
  int x = 0;
  auto inc = [&] {
    P::atomic_ref<int> r(x);
    r.store(r.load() + 1);
  };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x == 2) << "lost update: x = " << x;
}

// The correct twin: fetch_add through atomic_refs made by two threads (the first of them
// creates the shared location, whichever it is) loses nothing.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_fetch_add_increment_passes) {
  int x = 0;
  auto inc = [&] { P::atomic_ref<int>(x).fetch_add(1); };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x == 2) << "lost update: x = " << x;
}

// A plain write between atomic_refs (none alive) is what the next atomic_ref sees.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_sees_plain_write_between_refs) {
  int x = 0;
  P::atomic_ref<int>(x).store(3);
  x = 7;
  LOCKSTEP_ASSERT(P::atomic_ref<int>(x).load() == 7);
  LOCKSTEP_ASSERT(P::atomic_ref<int>(x).fetch_add(1) == 7);
  LOCKSTEP_ASSERT(x == 8);
}

// wait / notify through atomic_refs to the same object.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_wait_notify) {
  int x = 0;
  P::thread t([&] {
    P::atomic_ref<int> r(x);
    r.store(1);
    r.notify_one();
  });
  P::atomic_ref<int> r(x);
  while (r.load() == 0) r.wait(0);
  t.join();
  LOCKSTEP_ASSERT(x == 1);
}

// BUG: one object referred to as int and as unsigned at once.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_ref_broken_two_types_is_caught,
                           {.expect = failure_kind::misuse}) {
  int x = 0;
  P::atomic_ref<int> a(x);
  P::atomic_ref<unsigned> b(reinterpret_cast<unsigned&>(x));
}
