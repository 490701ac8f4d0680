// Model tests of P::atomic<T>::wait / notify_one / notify_all (issue 17): the modelled futex.
// Correct uses pass in every explored interleaving; each broken twin must be caught (in
// exhaustive and random mode) with a token that replays the failure.
#include <lockstep/check.hpp>

#include <atomic>
#include <cstdint>

using P = lockstep::model_platform;

namespace {

// The canonical use: publish, store, notify; the waiter re-checks in a loop.
void publish_and_wait(std::memory_order store_mo, std::memory_order wait_mo) {
  P::atomic<std::uint32_t> flag{0};
  P::var<int> data{0};
  P::thread t([&] {
    data = 42;
    flag.store(1, store_mo);
    flag.notify_one();
  });
  while (flag.load(wait_mo) == 0) flag.wait(0, wait_mo);
  LOCKSTEP_ASSERT(data.get() == 42) << "the store happens-before the wait's return";
  t.join();
}

}  // namespace

LOCKSTEP_TEST(atomic_wait_store_then_notify_wakes) {
  publish_and_wait(std::memory_order_release, std::memory_order_acquire);
}
LOCKSTEP_TEST(atomic_wait_store_then_notify_wakes_c11, {.memory = lockstep::memory_model::c11}) {
  publish_and_wait(std::memory_order_release, std::memory_order_acquire);
}

// A wait whose value already differs returns at once (without a notify).
LOCKSTEP_TEST(atomic_wait_returns_at_once_when_value_differs) {
  P::atomic<int> a{1};
  a.wait(0);
  P::atomic<int> b{0};
  P::thread t([&] { b.store(5); });  // no notify: the wait must see 5 in its comparison
  t.join();
  b.wait(0);
  LOCKSTEP_ASSERT(b.load() == 5);
}

// notify_all wakes every waiter; each re-checks and returns.
LOCKSTEP_TEST(atomic_wait_notify_all_wakes_every_waiter) {
  P::atomic<int> gen{0};
  auto waiter = [&] {
    while (gen.load(std::memory_order_acquire) == 0) gen.wait(0, std::memory_order_acquire);
  };
  P::thread a(waiter), b(waiter);
  gen.store(1, std::memory_order_release);
  gen.notify_all();
  a.join();
  b.join();
}

// A notify that comes while the value is unchanged puts the woken waiter back to sleep (it
// compares again); only the change + notify lets it return. No spurious returns here, so
// returning means the value changed.
LOCKSTEP_TEST(atomic_wait_rechecks_after_notify, {.spurious_wakeups = 0}) {
  P::atomic<int> v{0};
  P::thread t([&] {
    v.wait(0);
    LOCKSTEP_ASSERT(v.load() == 1) << "wait returned on a notify with the value unchanged";
  });
  v.notify_one();  // value still 0
  v.store(1);
  v.notify_one();
  t.join();
}

// notify_one wakes one waiter per call: two notifies for two waiters.
LOCKSTEP_TEST(atomic_wait_notify_one_per_waiter) {
  P::atomic<int> v{0};
  auto waiter = [&] {
    while (v.load() == 0) v.wait(0);
  };
  P::thread a(waiter), b(waiter);
  v.store(1);
  v.notify_one();
  v.notify_one();
  a.join();
  b.join();
}

// ---- broken twins ----------------------------------------------------------------------

// Lost notify: the value changes but nobody notifies; a waiter that registered before the
// store sleeps forever.
LOCKSTEP_TEST(atomic_wait_broken_store_without_notify_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  P::atomic<int> v{0};
  P::thread t([&] { v.store(1); });
  while (v.load() == 0) v.wait(0);
  t.join();
}

// Lost notify: notify before the store. A waiter that registers between them misses it.
LOCKSTEP_TEST(atomic_wait_broken_notify_before_store_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  P::atomic<int> v{0};
  P::thread t([&] {
    v.notify_one();  // BUG: the waiter may not be registered yet, and the value is unchanged
    v.store(1);
  });
  while (v.load() == 0) v.wait(0);
  t.join();
}

// notify_one with two waiters wakes only one: the other sleeps forever.
LOCKSTEP_TEST(atomic_wait_broken_one_notify_for_two_waiters_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  P::atomic<int> v{0};
  P::atomic<int> registered{0};
  auto waiter = [&] {
    registered.fetch_add(1);
    while (v.load() == 0) v.wait(0);
  };
  P::thread a(waiter), b(waiter);
  while (registered.load() != 2) P::this_thread::yield();
  v.store(1);
  v.notify_one();  // BUG: notify_all (or one per waiter) needed
  a.join();
  b.join();
}

// A wait may return with the value unchanged (spuriously, or after an ABA change): code that
// treats the return as "the value changed" is caught.
LOCKSTEP_TEST(atomic_wait_broken_no_recheck_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  P::atomic<int> v{0};
  P::thread t([&] {
    v.store(1);
    v.notify_one();
  });
  v.wait(0);  // BUG: no loop around the wait
  LOCKSTEP_ASSERT(v.load() == 1) << "wait returned with the value unchanged";
  t.join();
}

// The same code is never caught with no spurious wake-up allowed (the ABA case needs a
// second change): the spurious return is what the twin above found.
LOCKSTEP_TEST(atomic_wait_no_spurious_return_without_budget, {.spurious_wakeups = 0}) {
  P::atomic<int> v{0};
  P::thread t([&] {
    v.store(1);
    v.notify_one();
  });
  v.wait(0);
  LOCKSTEP_ASSERT(v.load() == 1) << "wait returned with the value unchanged";
  t.join();
}

// Without acquire on the wait, the data published before the store is a race.
LOCKSTEP_TEST(atomic_wait_broken_relaxed_wait_is_caught,
              {.expect = lockstep::failure_kind::data_race}) {
  publish_and_wait(std::memory_order_release, std::memory_order_relaxed);
}
