// Contract tests of lockstep::Semaphore (semaphore.hpp), one per stated guarantee: release(n)
// from a thread that never acquired happens-before the acquisitions it enables (C11 mode: the
// orders are release / acquire) and wakes two sleeping acquirers; try_acquire() and the timed
// variants while another thread holds the only unit (false, and the timed one only once its
// deadline has passed on the virtual clock); a timed acquisition whose unit was released before
// it returns true; conservation with available() read concurrently; counts at 0, 1 and max().
// Each guarantee has a broken twin (TwinSemaphore: a copy of Semaphore with one line changed).
#include <lockstep/check.hpp>
#include <lockstep/semaphore.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;
using namespace std::chrono_literals;

namespace {

enum class sem_bug {
  relaxed_release,  // release's CAS is relaxed: it publishes nothing
  relaxed_take,     // the taking CAS is relaxed: an acquisition acquires nothing
  no_notify_many,   // release(n > 1) does not notify (the notify_all line dropped)
  off_by_one_take,  // take() needs two units (`c > kOne`): the last unit cannot be taken
  timed_gives_up,   // try_acquire_until tries once and returns false before the deadline
  unit_when_empty,  // take() accepts the mark bit as a unit (`c >= kMark`)
};

// A copy of Semaphore<P> (semaphore.hpp) with the bug B.
template <sem_bug B>
class TwinSemaphore {
 public:
  static constexpr std::int64_t max() noexcept { return 0x7fffffff; }
  explicit TwinSemaphore(std::int64_t initial = 0)
      : state_(static_cast<std::uint32_t>(initial) << 1) {}
  void acquire() {
    std::uint32_t c = state_.load(std::memory_order_relaxed);
    if (take(c)) return;
    bool woken = false;
    for (;;) {
      if (c >= kOne) {
        const bool more = c >= 2 * kOne;
        const std::uint32_t next =
            !woken ? c - kOne : (more ? (c - kOne) & ~kMark : (c - kOne) | kMark);
        if (state_.compare_exchange_weak(c, next, take_order(), std::memory_order_relaxed)) {
          if (more && woken) state_.notify_one();
          return;
        }
        continue;
      }
      if (!(c & kMark) && !state_.compare_exchange_weak(c, c | kMark, std::memory_order_relaxed,
                                                        std::memory_order_relaxed))
        continue;
      state_.wait(c | kMark, std::memory_order_relaxed);
      woken = true;
      c = state_.load(std::memory_order_relaxed);
    }
  }
  bool try_acquire() {
    std::uint32_t c = state_.load(std::memory_order_relaxed);
    return take(c);
  }
  template <class Rep, class Period>
  bool try_acquire_for(std::chrono::duration<Rep, Period> d) {
    return try_acquire_until(P::clock::now() + d);
  }
  bool try_acquire_until(P::clock::time_point deadline) {
    if constexpr (B == sem_bug::timed_gives_up) return try_acquire();
    return lockstep::detail::poll_until<P>(deadline, [this] { return try_acquire(); });
  }
  void release(std::int64_t n = 1) {
    if (n <= 0) return;
    const std::uint32_t add = static_cast<std::uint32_t>(n) << 1;
    std::uint32_t c = state_.load(std::memory_order_relaxed);
    while (!state_.compare_exchange_weak(
        c, (c + add) & ~kMark,
        B == sem_bug::relaxed_release ? std::memory_order_relaxed : std::memory_order_release,
        std::memory_order_relaxed)) {
    }
    if (!(c & kMark)) return;
    if (n == 1) {
      state_.notify_one();
    } else if constexpr (B != sem_bug::no_notify_many) {
      state_.notify_all();
    }
  }
  std::int64_t available() const { return state_.load(std::memory_order_relaxed) >> 1; }

 private:
  static constexpr std::uint32_t kMark = 1, kOne = 2;
  static constexpr std::memory_order take_order() {
    return B == sem_bug::relaxed_take ? std::memory_order_relaxed : std::memory_order_acquire;
  }
  bool take(std::uint32_t& c) {
    auto has_unit = [](std::uint32_t v) {
      if constexpr (B == sem_bug::off_by_one_take) return v > kOne;
      if constexpr (B == sem_bug::unit_when_empty) return v >= kMark;
      return v >= kOne;
    };
    while (has_unit(c)) {
      if (state_.compare_exchange_weak(c, c - kOne, take_order(), std::memory_order_relaxed))
        return true;
    }
    return false;
  }
  P::atomic<std::uint32_t> state_;
};

// A thread that never acquires writes a var and releases 2; two acquirers read it.
template <class S>
void release_n_happens_before_acquisitions() {
  S sem(0);
  P::var<int> data{0};
  auto acquirer = [&] {
    sem.acquire();
    LOCKSTEP_ASSERT(data.get() == 1) << "acquired before the release";
  };
  P::thread a(acquirer), b(acquirer);
  data = 1;
  sem.release(2);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(sem.available() == 0);
}

// try_acquire() after a release in another thread: a true answer sees the releaser's write.
template <class S>
void try_acquire_true_happens_after_release() {
  S sem(0);
  P::var<int> data{0};
  P::thread t([&] {
    data = 1;
    sem.release();
  });
  if (sem.try_acquire()) LOCKSTEP_ASSERT(data.get() == 1);
  t.join();
}

// Two acquirers asleep on an empty semaphore; one release(2) must let both through.
template <class S>
void release_two_wakes_two_sleepers() {
  S sem(0);
  auto acquirer = [&] { sem.acquire(); };
  P::thread a(acquirer), b(acquirer);
  sem.release(2);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(sem.available() == 0);
}

// While another thread holds the only unit: try_acquire() is false, and try_acquire_for
// returns false only once its deadline has passed on the virtual clock, taking nothing; once
// the holder has released (joined), a timed acquisition returns true.
template <class S>
void try_variants_while_held() {
  S sem(1);
  P::atomic<int> phase{0};  // 1: the unit is held; 2: the other thread has tried
  P::thread holder([&] {
    LOCKSTEP_ASSERT(sem.try_acquire()) << "the only unit was not taken";
    phase.store(1);
    phase.notify_one();
    while (phase.load() == 1) phase.wait(1);
    sem.release();
  });
  while (phase.load() == 0) phase.wait(0);
  LOCKSTEP_ASSERT(!sem.try_acquire()) << "took a unit another thread holds";
  const auto deadline = P::clock::now() + 20us;
  LOCKSTEP_ASSERT(!sem.try_acquire_until(deadline)) << "took a unit another thread holds";
  LOCKSTEP_ASSERT(P::clock::now() >= deadline) << "gave up before its deadline";
  LOCKSTEP_ASSERT(sem.available() == 0);
  phase.store(2);
  phase.notify_one();
  holder.join();
  LOCKSTEP_ASSERT(sem.try_acquire_for(20us)) << "the released unit was not taken";
  LOCKSTEP_ASSERT(sem.available() == 0);
}

// A timed acquisition racing with a release: it either took the unit, or gave up at its
// deadline leaving the unit there.
template <class S>
void timed_acquire_races_release() {
  S sem(0);
  P::thread t([&] { sem.release(); });
  const auto deadline = P::clock::now() + 20us;
  const bool got = sem.try_acquire_until(deadline);
  LOCKSTEP_ASSERT(got || P::clock::now() >= deadline) << "gave up before its deadline";
  t.join();
  LOCKSTEP_ASSERT(sem.available() == (got ? 0 : 1)) << "got=" << got;
}

// Counts at 0, 1 and max().
template <class S>
void count_boundaries() {
  S zero(0);
  LOCKSTEP_ASSERT(zero.available() == 0);
  LOCKSTEP_ASSERT(!zero.try_acquire()) << "took a unit from an empty semaphore";
  zero.release(0);
  zero.release(-1);
  LOCKSTEP_ASSERT(zero.available() == 0) << "release(n <= 0) added units";
  zero.release(1);
  LOCKSTEP_ASSERT(zero.available() == 1);
  LOCKSTEP_ASSERT(zero.try_acquire()) << "the last unit could not be taken";
  LOCKSTEP_ASSERT(!zero.try_acquire()) << "took more units than released";
  S top(S::max());
  LOCKSTEP_ASSERT(top.available() == S::max());
  LOCKSTEP_ASSERT(top.try_acquire());
  LOCKSTEP_ASSERT(top.available() == S::max() - 1);
  top.release();
  LOCKSTEP_ASSERT(top.available() == S::max());
}

bool ctor_throws(std::int64_t initial) {
  try {
    lockstep::Semaphore<P> s(initial);
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

LOCKSTEP_TEST(semaphore_release_n_happens_before_acquisitions_c11, {.memory = memory_model::c11}) {
  release_n_happens_before_acquisitions<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(semaphore_broken_relaxed_release_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  release_n_happens_before_acquisitions<TwinSemaphore<sem_bug::relaxed_release>>();
}
LOCKSTEP_TEST(semaphore_broken_relaxed_take_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  release_n_happens_before_acquisitions<TwinSemaphore<sem_bug::relaxed_take>>();
}

LOCKSTEP_TEST(semaphore_try_acquire_true_happens_after_release_c11, {.memory = memory_model::c11}) {
  try_acquire_true_happens_after_release<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(semaphore_broken_relaxed_try_acquire_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  try_acquire_true_happens_after_release<TwinSemaphore<sem_bug::relaxed_take>>();
}

LOCKSTEP_TEST(semaphore_release_two_wakes_two_sleepers) {
  release_two_wakes_two_sleepers<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(semaphore_broken_release_many_without_notify_is_caught,
              {.expect = failure_kind::deadlock}) {
  release_two_wakes_two_sleepers<TwinSemaphore<sem_bug::no_notify_many>>();
}

LOCKSTEP_TEST(semaphore_try_variants_while_held) {
  try_variants_while_held<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(semaphore_broken_timed_acquire_gives_up_early_is_caught,
              {.expect = failure_kind::assertion}) {
  try_variants_while_held<TwinSemaphore<sem_bug::timed_gives_up>>();
}

LOCKSTEP_TEST(semaphore_timed_acquire_races_release) {
  timed_acquire_races_release<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(semaphore_broken_timed_acquire_race_is_caught, {.expect = failure_kind::assertion}) {
  timed_acquire_races_release<TwinSemaphore<sem_bug::timed_gives_up>>();
}

LOCKSTEP_TEST(semaphore_count_boundaries) { count_boundaries<lockstep::Semaphore<P>>(); }
LOCKSTEP_TEST(semaphore_broken_off_by_one_take_is_caught, {.expect = failure_kind::assertion}) {
  count_boundaries<TwinSemaphore<sem_bug::off_by_one_take>>();
}

// Conservation with a sleeper's mark in the word: two threads share a semaphore of 1; the
// holder tries for a second unit while the other may be asleep in acquire() (its mark set in
// the word) and must be refused; available(), read concurrently, stays within [0, 1].
template <class S>
void conservation_with_sleeper() {
  S sem(1);
  P::atomic<int> inside{0};
  auto body = [&] {
    sem.acquire();
    LOCKSTEP_ASSERT(inside.fetch_add(1) == 0) << "two holders of one unit";
    LOCKSTEP_ASSERT(!sem.try_acquire()) << "took a second unit of one";
    const auto avail = sem.available();
    LOCKSTEP_ASSERT(avail >= 0 && avail <= 1) << "available() = " << avail;
    inside.fetch_sub(1);
    sem.release();
  };
  P::thread a(body);
  body();
  a.join();
  LOCKSTEP_ASSERT(sem.available() == 1) << "units lost or invented";
}

LOCKSTEP_TEST(semaphore_conservation_with_sleeper) {
  conservation_with_sleeper<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(semaphore_broken_mark_taken_as_unit_is_caught, {.expect = failure_kind::assertion}) {
  conservation_with_sleeper<TwinSemaphore<sem_bug::unit_when_empty>>();
}

// Two sleepers and two release(1) calls, the second before the woken acquirer runs (it
// needs no notify: the word has no mark then): the woken one must pass the wake on, or the
// other sleeps with a unit left.
LOCKSTEP_TEST(semaphore_two_single_releases_wake_two_sleepers) {
  lockstep::Semaphore<P> sem;  // the default count is 0
  LOCKSTEP_ASSERT(sem.available() == 0) << "a default semaphore has no unit";
  auto acquirer = [&] { sem.acquire(); };
  P::thread a(acquirer), b(acquirer);
  sem.release();
  sem.release();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(sem.available() == 0);
}

// The constructor's contract: [0, max()], both ends.
LOCKSTEP_TEST(semaphore_constructor_range) {
  LOCKSTEP_ASSERT(ctor_throws(-1));
  LOCKSTEP_ASSERT(ctor_throws(lockstep::Semaphore<P>::max() + 1));
  LOCKSTEP_ASSERT(!ctor_throws(0));
  LOCKSTEP_ASSERT(!ctor_throws(lockstep::Semaphore<P>::max()));
}
