// Contract tests of lockstep::Event (event.hpp), one per stated guarantee: set() wakes every
// waiter (two sleepers) and happens-before the return of every wait() and is_set() == true
// that observes it (C11 mode: the orders are release / acquire); wait() returns only when the
// flag is set (never on a spurious wake-up); wait_for/wait_until return false only once the
// deadline has passed on the virtual clock, and true when the flag was set before the call;
// the flag stays set until clear(); clear() keeps a sleeper's mark, so the next set() wakes it.
// Each guarantee has a broken twin (TwinEvent: a copy of Event with one line changed).
#include <lockstep/check.hpp>
#include <lockstep/event.hpp>

#include <chrono>
#include <cstdint>

#include "spinning_platform.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;
using namespace std::chrono_literals;

namespace {

enum class event_bug {
  notify_one,        // set() wakes one sleeper, not all
  relaxed_set,       // set()'s exchange is relaxed: it publishes nothing
  relaxed_is_set,    // is_set()'s load is relaxed: a true answer acquires nothing
  if_wait,           // wait() sleeps once (`if`): a spurious wake-up returns early
  clear_wipes_mark,  // clear() stores 0, wiping the mark of a thread asleep in wait()
  timed_gives_up,    // wait_until looks once and returns false before the deadline
};

// A copy of Event<P> (event.hpp) with the bug B.
template <event_bug B>
class TwinEvent {
 public:
  void set() {
    if (state_.exchange(kSet, B == event_bug::relaxed_set
                                  ? std::memory_order_relaxed
                                  : std::memory_order_release) == kSleepers) {
      if constexpr (B == event_bug::notify_one)
        state_.notify_one();
      else
        state_.notify_all();
    }
  }
  void clear() {
    if constexpr (B == event_bug::clear_wipes_mark) {
      state_.store(kClear, std::memory_order_relaxed);
    } else {
      std::uint32_t s = kSet;
      state_.compare_exchange_strong(s, kClear, std::memory_order_relaxed,
                                     std::memory_order_relaxed);
    }
  }
  bool is_set() const {
    return state_.load(B == event_bug::relaxed_is_set ? std::memory_order_relaxed
                                                      : std::memory_order_acquire) == kSet;
  }
  void wait() {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    while (s != kSet) {
      if (s == kClear && !state_.compare_exchange_strong(s, kSleepers, std::memory_order_acquire,
                                                         std::memory_order_acquire))
        continue;
      state_.wait(kSleepers, std::memory_order_acquire);
      s = state_.load(std::memory_order_acquire);
      if constexpr (B == event_bug::if_wait) return;
    }
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    return wait_until(P::clock::now() + d);
  }
  bool wait_until(P::clock::time_point deadline) {
    if constexpr (B == event_bug::timed_gives_up) return is_set();
    return lockstep::detail::poll_until<P>(deadline, [this] { return is_set(); });
  }

 private:
  static constexpr std::uint32_t kClear = 0, kSet = 1, kSleepers = 2;
  P::atomic<std::uint32_t> state_{kClear};
};

// Two waiters (possibly asleep); one set() must wake both.
template <class E>
void set_wakes_two_sleepers() {
  E ev;
  auto waiter = [&] { ev.wait(); };
  P::thread a(waiter), b(waiter);
  ev.set();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(ev.is_set()) << "set() does not stay set";
}

// The setter writes a var before set(); both waiters read it after wait().
template <class E>
void set_happens_before_wait() {
  E ev;
  P::var<int> data{0};
  auto waiter = [&] {
    ev.wait();
    LOCKSTEP_ASSERT(data.get() == 1);
  };
  P::thread a(waiter), b(waiter);
  data = 1;
  ev.set();
  a.join();
  b.join();
}

// is_set() == true acquires the set(): the var written before it is visible.
template <class E>
void is_set_true_happens_after_set() {
  E ev;
  P::var<int> data{0};
  P::thread t([&] {
    data = 1;
    ev.set();
  });
  if (ev.is_set()) LOCKSTEP_ASSERT(data.get() == 1);
  t.join();
}

// wait() returns only once the flag is set, whatever wake-ups come before.
template <class E>
void wait_returns_only_when_set() {
  E ev;
  P::atomic<int> was_set{0};
  P::thread t([&] {
    was_set.store(1);
    ev.set();
  });
  ev.wait();
  LOCKSTEP_ASSERT(was_set.load() == 1 && ev.is_set()) << "wait() returned while clear";
  t.join();
}

// Timed waits on the virtual clock: a flag nobody sets times out, and only at the deadline; a
// flag set before the call (the setter joined) is seen; one set concurrently is seen or the
// deadline has passed.
template <class E>
void timed_waits() {
  E ev;
  const auto deadline = P::clock::now() + 20us;
  LOCKSTEP_ASSERT(!ev.wait_until(deadline)) << "a flag nobody set";
  LOCKSTEP_ASSERT(P::clock::now() >= deadline) << "wait_until gave up before its deadline";
  const auto start = P::clock::now();
  LOCKSTEP_ASSERT(!ev.wait_for(20us));
  LOCKSTEP_ASSERT(P::clock::now() >= start + 20us) << "wait_for gave up before its deadline";
  P::thread t([&] { ev.set(); });
  const auto racing = P::clock::now() + 20us;
  const bool got = ev.wait_until(racing);
  LOCKSTEP_ASSERT(got || P::clock::now() >= racing) << "gave up before the deadline";
  t.join();
  LOCKSTEP_ASSERT(ev.wait_for(20us)) << "the flag was set before the call";
}

// clear() while a thread sleeps in wait(): the next set() must still wake it.
template <class E>
void clear_keeps_sleeper() {
  E ev;
  P::thread waiter([&] { ev.wait(); });
  ev.clear();
  ev.set();
  waiter.join();
}

}  // namespace

LOCKSTEP_TEST(event_set_wakes_two_sleepers) { set_wakes_two_sleepers<lockstep::Event<P>>(); }
// Both waiters registered on the word before set(), one notify: the other sleeps forever.
LOCKSTEP_TEST(event_broken_notify_one_is_caught,
              {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  set_wakes_two_sleepers<TwinEvent<event_bug::notify_one>>();
}

LOCKSTEP_TEST(event_set_happens_before_wait_c11, {.memory = memory_model::c11}) {
  set_happens_before_wait<lockstep::Event<P>>();
}
LOCKSTEP_TEST(event_broken_relaxed_set_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  set_happens_before_wait<TwinEvent<event_bug::relaxed_set>>();
}

LOCKSTEP_TEST(event_is_set_true_happens_after_set_c11, {.memory = memory_model::c11}) {
  is_set_true_happens_after_set<lockstep::Event<P>>();
}
LOCKSTEP_TEST(event_broken_relaxed_is_set_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  is_set_true_happens_after_set<TwinEvent<event_bug::relaxed_is_set>>();
}

LOCKSTEP_TEST(event_wait_returns_only_when_set) {
  wait_returns_only_when_set<lockstep::Event<P>>();
}
LOCKSTEP_TEST(event_broken_if_wait_is_caught, {.expect = failure_kind::assertion}) {
  wait_returns_only_when_set<TwinEvent<event_bug::if_wait>>();
}

LOCKSTEP_TEST(event_timed_waits) { timed_waits<lockstep::Event<P>>(); }
LOCKSTEP_TEST(event_broken_timed_wait_gives_up_early_is_caught,
              {.expect = failure_kind::assertion}) {
  timed_waits<TwinEvent<event_bug::timed_gives_up>>();
}

LOCKSTEP_TEST(event_clear_keeps_sleeper) { clear_keeps_sleeper<lockstep::Event<P>>(); }
LOCKSTEP_TEST(event_broken_clear_wipes_mark_is_caught, {.expect = failure_kind::deadlock}) {
  clear_keeps_sleeper<TwinEvent<event_bug::clear_wipes_mark>>();
}

// The flag stays set until clear(): repeated waits return at once; clear() of a clear flag
// keeps it clear; set() after clear() sets it again.
LOCKSTEP_TEST(event_stays_set_until_clear) {
  lockstep::Event<P> ev;
  LOCKSTEP_ASSERT(!ev.is_set()) << "starts clear";
  ev.clear();
  LOCKSTEP_ASSERT(!ev.is_set());
  ev.set();
  ev.set();
  ev.wait();
  ev.wait();
  LOCKSTEP_ASSERT(ev.is_set());
  LOCKSTEP_ASSERT(ev.wait_for(0us)) << "a set flag with a deadline already due";
  ev.clear();
  LOCKSTEP_ASSERT(!ev.is_set()) << "clear() did not reset the flag";
  LOCKSTEP_ASSERT(!ev.wait_for(0us));
  ev.set();
  LOCKSTEP_ASSERT(ev.is_set());
}

// The spin phase (on the spinning platform): a wait() that sees the flag set while spinning
// acquires the set() too.
LOCKSTEP_TEST(event_spinning_wait_happens_after_set_c11, {.memory = memory_model::c11}) {
  lockstep::Event<contract_tests::spinning_platform> ev;
  P::var<int> data{0};
  P::thread t([&] {
    data = 1;
    ev.set();
  });
  ev.wait();
  LOCKSTEP_ASSERT(data.get() == 1);
  t.join();
}
