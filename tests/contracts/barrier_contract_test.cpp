// Contract tests of lockstep::Barrier (barrier.hpp): everything a thread did before arriving
// happens-before every thread's return from the phase (C11 mode: the orders are acq_rel /
// release / acquire), over two phases, so a fast thread re-arriving does not confuse the
// phase before; exactly one serial thread per phase; the last arrival wakes two sleepers;
// generation() read concurrently never runs ahead of the phases; a barrier of 1 and the
// constructor's range. Broken twin: a copy of Barrier with one line changed.
#include <lockstep/barrier.hpp>
#include <lockstep/check.hpp>

#include <array>
#include <cstdint>
#include <stdexcept>

#include "spinning_platform.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

enum class barrier_bug {
  notify_one,        // the last arrival wakes one sleeper
  release_arrival,   // arriving is a release fetch_add: the last arrival acquires nothing
  count_off_by_one,  // the phase ends one arrival early
};

// A copy of Barrier<P> (barrier.hpp) with the bug B.
template <barrier_bug B>
class TwinBarrier {
 public:
  explicit TwinBarrier(std::uint32_t n) : n_(n) {}
  bool arrive_and_wait() {
    std::uint32_t w = state_.fetch_add(kOneArrival, B == barrier_bug::release_arrival
                                                        ? std::memory_order_release
                                                        : std::memory_order_acq_rel);
    const std::uint32_t gen = w & kGenMask;
    const std::uint32_t last = B == barrier_bug::count_off_by_one ? n_ - 1 : n_;
    if (((w & kCountMask) >> 1) + 1 == last) {
      generation_.fetch_add(1, std::memory_order_relaxed);
      if (state_.exchange(gen + kOneGen, std::memory_order_release) & kSleeperBit) {
        if constexpr (B == barrier_bug::notify_one)
          state_.notify_one();
        else
          state_.notify_all();
      }
      return true;
    }
    w = state_.fetch_or(kSleeperBit, std::memory_order_acquire) | kSleeperBit;
    while ((w & kGenMask) == gen) {
      state_.wait(w, std::memory_order_acquire);
      w = state_.load(std::memory_order_acquire);
    }
    return false;
  }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  static constexpr std::uint32_t kSleeperBit = 1, kOneArrival = 2, kCountMask = 0xfffe;
  static constexpr std::uint32_t kOneGen = 0x10000, kGenMask = 0xffff0000u;
  const std::uint32_t n_;
  P::atomic<std::uint32_t> state_{0u};
  P::atomic<std::uint64_t> generation_{0u};
};

// Two threads, two phases: in each phase both write their own var of the phase before
// arriving and read the other's after; one serial thread per phase. A thread that races
// ahead into phase 1 must not release the other from phase 0 early (its own arrival counts
// for phase 1).
template <class B>
void two_phases_publish() {
  B bar(2);
  std::array<std::array<P::var<int>, 2>, 2> wrote{};
  P::atomic<int> serial[2] = {0, 0};
  auto body = [&](int me) {
    for (int phase = 0; phase < 2; ++phase) {
      wrote[phase][me] = 1;
      if (bar.arrive_and_wait()) serial[phase].fetch_add(1, std::memory_order_relaxed);
      LOCKSTEP_ASSERT(wrote[phase][1 - me].get() == 1) << "returned before the other arrived";
    }
  };
  P::thread t(body, 1);
  body(0);
  t.join();
  LOCKSTEP_ASSERT(serial[0].load() == 1 && serial[1].load() == 1)
      << "serial threads per phase: " << serial[0].load() << ", " << serial[1].load();
  LOCKSTEP_ASSERT(bar.generation() == 2);
}

// `n` threads, one phase: exactly one serial thread. With three, the two that arrive first
// may both sleep; the last must wake both.
template <class B>
void one_serial_thread(int n) {
  B bar(static_cast<std::uint32_t>(n));
  P::atomic<int> serial{0};
  auto body = [&] {
    if (bar.arrive_and_wait()) serial.fetch_add(1);
  };
  P::thread a(body), b;
  if (n == 3) b = P::thread(body);
  body();
  a.join();
  if (b.joinable()) b.join();
  LOCKSTEP_ASSERT(serial.load() == 1) << serial.load() << " serial threads";
}

}  // namespace

LOCKSTEP_TEST(barrier_two_phases_publish_c11, {.memory = memory_model::c11}) {
  two_phases_publish<lockstep::Barrier<P>>();
}
LOCKSTEP_TEST(barrier_broken_release_arrival_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  two_phases_publish<TwinBarrier<barrier_bug::release_arrival>>();
}
// A barrier of 2 that ends its phase at every arrival: two serial threads.
LOCKSTEP_TEST(barrier_broken_count_off_by_one_is_caught, {.expect = failure_kind::assertion}) {
  one_serial_thread<TwinBarrier<barrier_bug::count_off_by_one>>(2);
}

LOCKSTEP_TEST(barrier_last_arrival_wakes_two_sleepers) {
  one_serial_thread<lockstep::Barrier<P>>(3);
}
LOCKSTEP_TEST(barrier_broken_notify_one_is_caught,
              {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  one_serial_thread<TwinBarrier<barrier_bug::notify_one>>(3);
}

// generation() read by a thread between its own phases: never ahead of the phases it has
// finished plus the one in progress, and exact once both threads are done.
LOCKSTEP_TEST(barrier_generation_read_concurrently_c11, {.memory = memory_model::c11}) {
  lockstep::Barrier<P> bar(2);
  auto body = [&] {
    for (std::uint64_t phase = 0; phase < 2; ++phase) {
      const std::uint64_t before = bar.generation();
      LOCKSTEP_ASSERT(before == phase) << "generation " << before << " before phase " << phase;
      bar.arrive_and_wait();
      const std::uint64_t after = bar.generation();
      LOCKSTEP_ASSERT(after >= phase + 1 && after <= phase + 2) << "generation " << after;
    }
  };
  P::thread t(body);
  body();
  t.join();
  LOCKSTEP_ASSERT(bar.generation() == 2);
}

// A barrier of one: every arrival is the serial one and ends a phase at once.
LOCKSTEP_TEST(barrier_of_one_and_constructor_range) {
  lockstep::Barrier<P> one(1);
  LOCKSTEP_ASSERT(one.arrive_and_wait() && one.arrive_and_wait());
  LOCKSTEP_ASSERT(one.generation() == 2);
  auto throws = [](std::uint32_t n) {
    try {
      lockstep::Barrier<P> b(n);
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  LOCKSTEP_ASSERT(throws(0));
  LOCKSTEP_ASSERT(!throws(32767));
  LOCKSTEP_ASSERT(throws(32768));
}

// The spin phase (on the spinning platform): a waiter that sees the next generation while
// spinning acquires the other thread's arrival too.
LOCKSTEP_TEST(barrier_spinning_wait_publishes_c11, {.memory = memory_model::c11}) {
  lockstep::Barrier<contract_tests::spinning_platform> bar(2);
  P::var<int> a{0}, b{0};
  P::thread t([&] {
    a = 1;
    bar.arrive_and_wait();
    LOCKSTEP_ASSERT(b.get() == 1);
  });
  b = 1;
  bar.arrive_and_wait();
  LOCKSTEP_ASSERT(a.get() == 1);
  t.join();
}
