// Contract tests of lockstep::Latch (latch.hpp), one per stated guarantee: every count_down()
// happens-before the return of every wait() and try_wait() == true (C11 mode: the orders are
// acq_rel / acquire), wait() returns only at zero (never on a spurious wake-up), the count-down
// that reaches zero wakes every sleeper (two of them), counting down past zero throws and
// leaves the count as it was, single use, and the constructor's range [0, 2^31 - 1] at both
// ends. Each guarantee has a broken twin (TwinLatch: a copy of Latch with one line changed)
// that the checker must catch with a replay token.
#include <lockstep/check.hpp>
#include <lockstep/latch.hpp>

#include <cstdint>
#include <stdexcept>

#include "spinning_platform.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

// Which line of Latch the twin gets wrong.
enum class latch_bug {
  notify_one,          // the last count-down wakes one sleeper, not all
  relaxed_count_down,  // count_down's CAS is relaxed: it publishes nothing
  relaxed_try_wait,    // try_wait's load is relaxed: a true answer acquires nothing
  if_wait,             // wait() sleeps once (`if`): a spurious wake-up returns early
  past_zero,           // the underflow check is off by one: count_down(count + 1) passes
};

// A copy of Latch<P> (latch.hpp) with the bug B.
template <latch_bug B>
class TwinLatch {
 public:
  explicit TwinLatch(std::int64_t count) : state_(static_cast<std::uint32_t>(count) << 1) {}
  void count_down(std::int64_t n = 1) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    std::uint32_t next;
    const std::int64_t slack = B == latch_bug::past_zero ? 1 : 0;
    do {
      if (n < 0 || n > static_cast<std::int64_t>(s >> 1) + slack)
        throw std::logic_error("Latch counted down past zero");
      next = s - (static_cast<std::uint32_t>(n) << 1);
    } while (!state_.compare_exchange_weak(
        s, next,
        B == latch_bug::relaxed_count_down ? std::memory_order_relaxed : std::memory_order_acq_rel,
        std::memory_order_relaxed));
    if (next == kSleeperBit) {
      if constexpr (B == latch_bug::notify_one)
        state_.notify_one();
      else
        state_.notify_all();
    }
  }
  bool try_wait() const {
    return (state_.load(B == latch_bug::relaxed_try_wait ? std::memory_order_relaxed
                                                         : std::memory_order_acquire) >>
            1) == 0;
  }
  void wait() {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    while ((s >> 1) != 0) {
      if (!(s & kSleeperBit) &&
          !state_.compare_exchange_strong(s, s | kSleeperBit, std::memory_order_acquire,
                                          std::memory_order_acquire))
        continue;
      state_.wait(s | kSleeperBit, std::memory_order_acquire);
      s = state_.load(std::memory_order_acquire);
      if constexpr (B == latch_bug::if_wait) return;
    }
  }

 private:
  static constexpr std::uint32_t kSleeperBit = 1;
  P::atomic<std::uint32_t> state_;
};

// Two workers write their own var and count down a latch of 2; the waiter reads both: a
// count-down that does not release (or a wait that does not acquire) is a data race.
template <class L>
void count_downs_happen_before_wait() {
  L done(2);
  P::var<int> a{0}, b{0};
  P::thread ta([&] {
    a = 1;
    done.count_down();
  });
  P::thread tb([&] {
    b = 1;
    done.count_down();
  });
  done.wait();
  LOCKSTEP_ASSERT(a.get() == 1 && b.get() == 1) << "wait() returned before the count-downs";
  ta.join();
  tb.join();
}

// try_wait() == true acquires the count-down: the var written before it is visible.
template <class L>
void try_wait_true_happens_after_count_down() {
  L done(1);
  P::var<int> x{0};
  P::thread t([&] {
    x = 1;
    done.count_down();
  });
  if (done.try_wait()) LOCKSTEP_ASSERT(x.get() == 1);
  t.join();
  LOCKSTEP_ASSERT(done.try_wait()) << "zero after the last count-down";
}

// Two waiters (possibly asleep) and one count-down to zero: both must return.
template <class L>
void last_count_down_wakes_two_sleepers() {
  L done(1);
  P::atomic<int> passed{0};
  auto waiter = [&] {
    done.wait();
    passed.fetch_add(1);
  };
  P::thread w1(waiter), w2(waiter);
  done.count_down();
  w1.join();
  w2.join();
  LOCKSTEP_ASSERT(passed.load() == 2);
}

// wait() returns only at zero, whatever wake-ups (spurious ones included) come before.
template <class L>
void wait_returns_only_at_zero() {
  L done(1);
  P::atomic<int> counted{0};
  P::thread t([&] {
    counted.store(1);
    done.count_down();
  });
  done.wait();
  LOCKSTEP_ASSERT(counted.load() == 1 && done.try_wait()) << "wait() returned before zero";
  t.join();
}

// Counting down past zero throws std::logic_error and leaves the count unchanged: a latch of
// 1 refuses count_down(2), is still closed, and opens with count_down(1).
template <class L>
void past_zero_throws_and_keeps_count() {
  L l(1);
  bool threw = false;
  try {
    l.count_down(2);
  } catch (const std::logic_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "count_down(2) on a latch of 1 did not throw";
  LOCKSTEP_ASSERT(!l.try_wait()) << "the refused count-down changed the count";
  l.count_down(1);
  LOCKSTEP_ASSERT(l.try_wait());
}

bool throws_logic_error(lockstep::Latch<P>& l, std::int64_t n) {
  try {
    l.count_down(n);
  } catch (const std::logic_error&) {
    return true;
  }
  return false;
}

bool ctor_throws(std::int64_t count) {
  try {
    lockstep::Latch<P> l(count);
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

LOCKSTEP_TEST(latch_count_downs_happen_before_wait_c11, {.memory = memory_model::c11}) {
  count_downs_happen_before_wait<lockstep::Latch<P>>();
}
LOCKSTEP_TEST(latch_broken_relaxed_count_down_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  count_downs_happen_before_wait<TwinLatch<latch_bug::relaxed_count_down>>();
}

LOCKSTEP_TEST(latch_try_wait_true_happens_after_count_down_c11, {.memory = memory_model::c11}) {
  try_wait_true_happens_after_count_down<lockstep::Latch<P>>();
}
LOCKSTEP_TEST(latch_broken_relaxed_try_wait_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  try_wait_true_happens_after_count_down<TwinLatch<latch_bug::relaxed_try_wait>>();
}

LOCKSTEP_TEST(latch_last_count_down_wakes_two_sleepers) {
  last_count_down_wakes_two_sleepers<lockstep::Latch<P>>();
}
LOCKSTEP_TEST(latch_broken_notify_one_is_caught, {.expect = failure_kind::deadlock}) {
  last_count_down_wakes_two_sleepers<TwinLatch<latch_bug::notify_one>>();
}

LOCKSTEP_TEST(latch_wait_returns_only_at_zero) { wait_returns_only_at_zero<lockstep::Latch<P>>(); }
LOCKSTEP_TEST(latch_broken_if_wait_is_caught, {.expect = failure_kind::assertion}) {
  wait_returns_only_at_zero<TwinLatch<latch_bug::if_wait>>();
}

LOCKSTEP_TEST(latch_past_zero_throws_and_keeps_count) {
  past_zero_throws_and_keeps_count<lockstep::Latch<P>>();
}
LOCKSTEP_TEST(latch_broken_past_zero_check_is_caught, {.expect = failure_kind::assertion}) {
  past_zero_throws_and_keeps_count<TwinLatch<latch_bug::past_zero>>();
}

// count_down(n) at the boundaries: n == count reaches zero, 0 is a no-op (also at zero:
// single use, it stays open), a negative n throws; arrive_and_wait(n) with n == count passes.
LOCKSTEP_TEST(latch_count_down_boundaries) {
  lockstep::Latch<P> l(3);
  l.count_down(0);
  LOCKSTEP_ASSERT(!l.try_wait());
  LOCKSTEP_ASSERT(throws_logic_error(l, -1)) << "a negative count-down was accepted";
  LOCKSTEP_ASSERT(throws_logic_error(l, 4)) << "count + 1 was accepted";
  LOCKSTEP_ASSERT(!l.try_wait());
  l.count_down(3);
  LOCKSTEP_ASSERT(l.try_wait()) << "count_down(count) did not reach zero";
  l.count_down(0);
  LOCKSTEP_ASSERT(l.try_wait()) << "single use: zero stays zero";
  LOCKSTEP_ASSERT(throws_logic_error(l, 1)) << "counted down below zero";
  l.wait();  // returns at once
  lockstep::Latch<P> m(2);
  m.arrive_and_wait(2);
  LOCKSTEP_ASSERT(m.try_wait());
}

// The constructor's contract at both ends of [0, 2^31 - 1].
LOCKSTEP_TEST(latch_constructor_range) {
  LOCKSTEP_ASSERT(ctor_throws(-1));
  LOCKSTEP_ASSERT(ctor_throws(std::int64_t{0x80000000}));
  LOCKSTEP_ASSERT(!ctor_throws(0));
  lockstep::Latch<P> zero(0);
  LOCKSTEP_ASSERT(zero.try_wait()) << "a latch of 0 starts open";
  zero.wait();
  lockstep::Latch<P> top(0x7fffffff);
  LOCKSTEP_ASSERT(!top.try_wait());
  LOCKSTEP_ASSERT(throws_logic_error(top, std::int64_t{0x80000000}));
  top.count_down(0x7ffffffe);
  LOCKSTEP_ASSERT(!top.try_wait()) << "one left";
  top.count_down();
  LOCKSTEP_ASSERT(top.try_wait());
}

// Two threads each arrive_and_wait() on a latch of 2: each sees the other's write.
LOCKSTEP_TEST(latch_arrive_and_wait_two_threads_c11, {.memory = memory_model::c11}) {
  lockstep::Latch<P> l(2);
  P::var<int> x{0}, y{0};
  P::thread t([&] {
    x = 1;
    l.arrive_and_wait();
    LOCKSTEP_ASSERT(y.get() == 1);
  });
  y = 1;
  l.arrive_and_wait();
  LOCKSTEP_ASSERT(x.get() == 1);
  t.join();
}

// The spin phase (on the spinning platform): a wait() that sees zero while spinning acquires
// the count-down too.
LOCKSTEP_TEST(latch_spinning_wait_happens_after_count_down_c11, {.memory = memory_model::c11}) {
  lockstep::Latch<contract_tests::spinning_platform> done(1);
  P::var<int> x{0};
  P::thread t([&] {
    x = 1;
    done.count_down();
  });
  done.wait();
  LOCKSTEP_ASSERT(x.get() == 1);
  t.join();
}
