// Model tests of the lock family (issue 4, part A) and their broken twins: the correct
// primitives must pass in every explored interleaving; each twin must be caught (in
// exhaustive and random mode, with a token that replays the failure).
#include <lockstep/barrier.hpp>
#include <lockstep/check.hpp>
#include <lockstep/condition.hpp>
#include <lockstep/detail/turn_sleepers.hpp>
#include <lockstep/event.hpp>
#include <lockstep/fairness.hpp>
#include <lockstep/fifo_lock.hpp>
#include <lockstep/latch.hpp>
#include <lockstep/lock.hpp>
#include <lockstep/profiled_lock.hpp>
#include <lockstep/rlock.hpp>
#include <lockstep/semaphore.hpp>
#include <lockstep/spin_lock.hpp>
#include <lockstep/ticket_lock.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>

using P = lockstep::model_platform;
using namespace std::chrono_literals;

#include "../support/mutual_exclusion.hpp"

using lockstep_test::mutual_exclusion;

namespace {

// Three threads take a FIFO-claiming lock once each; the bypass monitor (k = 0) checks that
// the acquisition order equals the arrival order, and that everyone got the lock.
template <class Lock>
void fifo_order(int threads) {
  Lock lock;
  lockstep::BypassMonitor<P> fifo(0);
  P::var<int> counter{0};
  auto body = [&](int id) {
    lock.lock([&] { fifo.arrive(id); });
    fifo.enter(id);
    counter += 1;
    lock.unlock();
  };
  P::thread ts[3];
  for (int i = 0; i < threads; ++i) ts[i] = P::thread(body, i);
  for (int i = 0; i < threads; ++i) ts[i].join();
  fifo.expect_all_served(static_cast<std::uint64_t>(threads));
  LOCKSTEP_ASSERT(counter.get() == threads);
}

// ---- broken twins ------------------------------------------------------------------

// Twin of FifoLock: a plain "locked" flag under a mutex + cv. A newcomer that finds the
// flag clear takes the lock even though older waiters are queued (barging).
class BargingLock {
 public:
  template <class F>
  void lock(F&& on_arrival) {
    std::unique_lock<P::mutex> g(m_);
    on_arrival();
    while (locked_.get()) cv_.wait(g);
    locked_ = true;
  }
  void unlock() {
    {
      std::lock_guard<P::mutex> g(m_);
      locked_ = false;
    }
    cv_.notify_one();
  }

 private:
  P::mutex m_;
  P::condition_variable cv_;
  P::var<bool> locked_{false};
};

// Twin of RLock: the recursion count is not maintained (a reentry does not increment it),
// so the inner unlock() releases the lock while the outer section is still running.
class CountlessRLock {
 public:
  void lock() {
    const auto me = P::this_thread::get_id();
    std::unique_lock<P::mutex> g(m_);
    if (held_.get() && owner_.get() == me) return;  // BUG: no count
    while (held_.get()) cv_.wait(g);
    owner_ = me;
    held_ = true;
  }
  void unlock() {
    {
      std::lock_guard<P::mutex> g(m_);
      held_ = false;
      owner_ = P::thread_id{};
    }
    cv_.notify_one();
  }

 private:
  P::mutex m_;
  P::condition_variable cv_;
  P::var<P::thread_id> owner_{};
  P::var<bool> held_{false};
};

// Twins of Semaphore: `if` instead of `while` around the wait, and a release that does not
// notify.
template <bool kIfWait, bool kNotify>
class BrokenSemaphore {
 public:
  explicit BrokenSemaphore(int n) : count_(n) {}
  void acquire() {
    std::unique_lock<P::mutex> g(m_);
    if constexpr (kIfWait) {
      if (count_.get() == 0) cv_.wait(g);  // BUG: a spurious wake-up proceeds at 0
    } else {
      while (count_.get() == 0) cv_.wait(g);
    }
    count_ -= 1;
  }
  void release() {
    {
      std::lock_guard<P::mutex> g(m_);
      count_ += 1;
    }
    if constexpr (kNotify) cv_.notify_one();  // else BUG: a waiter sleeps forever
  }

 private:
  P::mutex m_;
  P::condition_variable cv_;
  P::var<int> count_;
};

// Twin of Lock: try_lock_for "succeeds" on timeout.
class TimeoutIgnoringLock {
 public:
  void lock() { m_.lock(); }
  bool try_lock_for(std::chrono::nanoseconds d) {
    if (!m_.try_lock_for(d)) {
      owned_elsewhere_ = true;  // BUG: proceeds as if it held the lock
    }
    return true;
  }
  void unlock() {
    if (owned_elsewhere_) {
      owned_elsewhere_ = false;
      return;
    }
    m_.unlock();
  }

 private:
  P::timed_mutex m_;
  bool owned_elsewhere_ = false;  // only ever touched by the thread using try_lock_for
};

// Twin of TTASLock: test, then set with a plain store (not an exchange).
class CheckThenSetLock {
 public:
  void lock() {
    for (;;) {
      while (locked_.load(std::memory_order_relaxed)) P::spin_pause();
      locked_.store(true, std::memory_order_acquire);  // BUG: not atomic with the test
      return;
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  P::atomic<bool> locked_{false};
};

template <class Sem>
void semaphore_bound(int permits, int threads) {
  Sem sem(permits);
  P::atomic<int> holders{0};
  auto body = [&] {
    sem.acquire();
    const int h = holders.fetch_add(1, std::memory_order_relaxed) + 1;
    LOCKSTEP_ASSERT(h <= permits) << h << " holders of a " << permits << "-permit semaphore";
    holders.fetch_sub(1, std::memory_order_relaxed);
    sem.release();
  };
  P::thread ts[3];
  for (int i = 0; i < threads; ++i) ts[i] = P::thread(body);
  for (int i = 0; i < threads; ++i) ts[i].join();
}

}  // namespace

// ---- SpinLock / TTASLock / TicketLock ------------------------------------------------

LOCKSTEP_TEST(locks_spin_lock_excludes_2x2) { mutual_exclusion<lockstep::SpinLock<P>>(2, 2); }
LOCKSTEP_TEST(locks_spin_lock_excludes_3x1) { mutual_exclusion<lockstep::SpinLock<P>>(3, 1); }
LOCKSTEP_TEST(locks_ttas_lock_excludes_2x2) { mutual_exclusion<lockstep::TTASLock<P>>(2, 2); }
LOCKSTEP_TEST(locks_ttas_lock_excludes_3x1) { mutual_exclusion<lockstep::TTASLock<P>>(3, 1); }
LOCKSTEP_TEST(locks_ticket_lock_excludes_3x1) { mutual_exclusion<lockstep::TicketLock<P>>(3, 1); }
LOCKSTEP_TEST(locks_ticket_lock_excludes_2x2) { mutual_exclusion<lockstep::TicketLock<P>>(2, 2); }

LOCKSTEP_TEST(locks_ttas_try_lock_excludes) {
  lockstep::TTASLock<P> lock;
  P::var<int> n{0};
  P::thread t([&] {
    std::lock_guard g(lock);
    n += 1;
  });
  if (lock.try_lock()) {
    n += 1;
    lock.unlock();
  } else {
    std::lock_guard g(lock);
    n += 1;
  }
  t.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}

// The ticket lock's acquisition order equals its ticket order (the bypass monitor with
// arrival = ticket: FIFO means each acquirer holds the next ticket in sequence).
LOCKSTEP_TEST(locks_ticket_lock_fifo_3) {
  lockstep::TicketLock<P> lock;
  P::var<std::uint32_t> expected{0};
  auto body = [&] {
    const std::uint32_t t = lock.lock();
    LOCKSTEP_ASSERT(t == expected.get()) << "ticket " << t << " before " << expected.get();
    expected = t + 1;
    lock.unlock();
  };
  P::thread a(body), b(body), c(body);
  a.join();
  b.join();
  c.join();
}

LOCKSTEP_TEST(locks_broken_ttas_check_then_set_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  mutual_exclusion<CheckThenSetLock>(2, 1, /*plain_data=*/false);
}

// ---- FifoLock -------------------------------------------------------------------------

LOCKSTEP_TEST(locks_fifo_lock_excludes_2x2) { mutual_exclusion<lockstep::FifoLock<P>>(2, 2); }
// ~1.3M executions (3.6 s): the futex FifoLock's arrival hook, slot marks and the wake of the
// next-in-line are all visible steps.
LOCKSTEP_TEST(locks_fifo_lock_is_fifo_3, {.max_executions = 4'000'000, .preemption_bound = 3}) {
  fifo_order<lockstep::FifoLock<P>>(3);
}
LOCKSTEP_TEST(locks_fifo_lock_is_fifo_2) { fifo_order<lockstep::FifoLock<P>>(2); }

// FifoLock's try_lock() never barges: fifo_lock_try_lock_never_barges (fifo_lock_contract_tests).

LOCKSTEP_TEST(locks_broken_barging_lock_is_caught,
              {.expect = lockstep::failure_kind::fairness, .preemption_bound = 3}) {
  fifo_order<BargingLock>(3);
}

// ---- RLock ----------------------------------------------------------------------------

LOCKSTEP_TEST(locks_rlock_reentrant_excludes) {
  lockstep::RLock<P> lock;
  P::atomic<int> inside{0};
  P::var<int> counter{0};
  auto body = [&] {
    std::lock_guard outer(lock);
    LOCKSTEP_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0);
    {
      std::lock_guard inner(lock);  // reentry must not block or release
      LOCKSTEP_ASSERT(lock.depth() == 2);
      counter += 1;
    }
    LOCKSTEP_ASSERT(lock.owned_by_me()) << "inner unlock released the lock";
    counter += 1;
    inside.fetch_sub(1, std::memory_order_relaxed);
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(counter.get() == 4);
  LOCKSTEP_ASSERT(!lock.owned_by_me() && lock.depth() == 0);
}

LOCKSTEP_TEST(locks_rlock_try_lock) {
  lockstep::RLock<P> lock;
  P::var<int> n{0};
  P::thread t([&] {
    std::lock_guard g(lock);
    n += 1;
  });
  if (lock.try_lock()) {
    LOCKSTEP_ASSERT(lock.try_lock()) << "owner's try_lock must reenter";
    n += 1;
    lock.unlock();
    lock.unlock();
  }
  t.join();
}

// The contract: unlocking a lock one does not own throws (an exception under the checker).
LOCKSTEP_TEST(locks_rlock_unlock_by_non_owner_is_reported,
              {.expect = lockstep::failure_kind::exception}) {
  lockstep::RLock<P> lock;
  P::thread t([&] { lock.lock(); });  // t exits holding it
  t.join();
  lock.unlock();
}

LOCKSTEP_TEST(locks_rlock_unlock_unheld_throws_logic_error) {
  lockstep::RLock<P> lock;
  bool threw = false;
  try {
    lock.unlock();
  } catch (const std::logic_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  lock.lock();  // and the lock is still usable
  lock.unlock();
}

LOCKSTEP_TEST(locks_broken_countless_rlock_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  CountlessRLock lock;
  P::atomic<int> inside{0};
  auto body = [&] {
    lock.lock();
    LOCKSTEP_ASSERT(inside.fetch_add(1) == 0) << "two threads inside";
    lock.lock();
    lock.unlock();  // releases everything: the other thread can now enter
    P::this_thread::yield();
    inside.fetch_sub(1);
    lock.unlock();
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
}

// ---- Semaphore ------------------------------------------------------------------------

LOCKSTEP_TEST(locks_semaphore_bounds_holders_2of3, {.preemption_bound = 3}) {
  semaphore_bound<lockstep::Semaphore<P>>(2, 3);
}
LOCKSTEP_TEST(locks_semaphore_bounds_holders_1of2) {
  semaphore_bound<lockstep::Semaphore<P>>(1, 2);
}

// release(n) from a thread that never acquired wakes n waiters.
LOCKSTEP_TEST(locks_semaphore_release_n_from_other_thread) {
  lockstep::Semaphore<P> sem(0);
  P::atomic<int> got{0};
  auto waiter = [&] {
    sem.acquire();
    got.fetch_add(1);
  };
  P::thread a(waiter), b(waiter);
  sem.release(2);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(got.load() == 2);
  LOCKSTEP_ASSERT(sem.available() == 0);
  LOCKSTEP_ASSERT(!sem.try_acquire());
}

LOCKSTEP_TEST(locks_semaphore_timed_acquire) {
  lockstep::Semaphore<P> sem(0);
  P::thread t([&] { sem.release(); });
  const bool got = sem.try_acquire_for(10ms);
  t.join();
  // Either it got the unit, or it timed out and the unit is still there.
  LOCKSTEP_ASSERT(sem.available() == (got ? 0 : 1)) << "got=" << got;
}

LOCKSTEP_TEST(locks_broken_if_wait_semaphore_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  semaphore_bound<BrokenSemaphore<true, true>>(1, 2);
}

LOCKSTEP_TEST(locks_broken_lost_notify_semaphore_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  BrokenSemaphore<false, false> sem(0);
  P::thread t([&] { sem.acquire(); });
  sem.release();
  t.join();
}

// ---- Lock -----------------------------------------------------------------------------

LOCKSTEP_TEST(locks_lock_excludes_2x2) { mutual_exclusion<lockstep::Lock<P>>(2, 2); }

LOCKSTEP_TEST(locks_lock_timed_try_lock) {
  lockstep::Lock<P> lock;
  P::atomic<int> inside{0};
  P::var<int> n{0};
  P::thread t([&] {
    std::lock_guard g(lock);
    LOCKSTEP_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0);
    n += 1;
    inside.fetch_sub(1, std::memory_order_relaxed);
  });
  if (lock.try_lock_for(5ms)) {
    LOCKSTEP_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0);
    n += 1;
    inside.fetch_sub(1, std::memory_order_relaxed);
    lock.unlock();
  }
  if (lock.try_lock_until(P::clock::now() + 5ms)) lock.unlock();
  t.join();
}

LOCKSTEP_TEST(locks_broken_timeout_ignoring_lock_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  TimeoutIgnoringLock lock;
  P::atomic<int> inside{0};
  P::thread t([&] {
    lock.lock();
    LOCKSTEP_ASSERT(inside.fetch_add(1) == 0) << "two threads inside";
    inside.fetch_sub(1);
    lock.unlock();
  });
  lock.try_lock_for(std::chrono::nanoseconds(5'000'000));
  LOCKSTEP_ASSERT(inside.fetch_add(1) == 0) << "two threads inside";
  inside.fetch_sub(1);
  lock.unlock();
  t.join();
}

// ---- ProfiledLock ---------------------------------------------------------------------

namespace {

// Twin of ProfiledLock: counts before acquiring, i.e. outside the lock.
class RacyProfiledLock {
 public:
  void lock() {
    acquisitions_ += 1;  // BUG: not yet holding the lock
    m_.lock();
  }
  void unlock() { m_.unlock(); }

 private:
  P::mutex m_;
  P::var<int> acquisitions_{0};
};

}  // namespace

LOCKSTEP_TEST(locks_profiled_lock_counts_exactly) {
  lockstep::ProfiledLock<P::mutex, P> lock;
  P::var<int> n{0};
  auto body = [&] {
    for (int i = 0; i < 2; ++i) {
      std::lock_guard g(lock);
      n += 1;
    }
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 4) << "acquisitions " << s.acquisitions;
  LOCKSTEP_ASSERT(s.contended <= s.acquisitions);
  LOCKSTEP_ASSERT(s.wait_time.count() >= 0);
  LOCKSTEP_ASSERT(n.get() == 4);
}

// Contention is counted when (and only when) the first try failed: with the lock held by
// the main thread while the other one tries, it must be contended.
LOCKSTEP_TEST(locks_profiled_lock_counts_contention) {
  lockstep::ProfiledLock<lockstep::FifoLock<P>, P> lock;
  lock.lock();
  P::atomic<bool> started{false};
  P::thread t([&] {
    started.store(true);
    lock.lock();
    lock.unlock();
  });
  while (!started.load()) P::spin_pause();
  P::this_thread::sleep_for(std::chrono::milliseconds(1));
  lock.unlock();
  t.join();
  const auto s = lock.stats();
  LOCKSTEP_ASSERT(s.acquisitions == 2) << s.acquisitions;
  LOCKSTEP_ASSERT(s.contended <= 1);
}

LOCKSTEP_TEST(locks_broken_racy_profiled_lock_is_caught,
              {.expect = lockstep::failure_kind::data_race}) {
  RacyProfiledLock lock;
  P::thread a([&] { std::lock_guard g(lock); }), b([&] { std::lock_guard g(lock); });
  a.join();
  b.join();
}

// ---- Event ----------------------------------------------------------------------------

namespace {

// Twin of Event: `if` instead of `while`: a spurious wake-up returns with the flag clear.
class IfWaitEvent {
 public:
  void set() {
    {
      std::lock_guard<P::mutex> g(m_);
      flag_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<P::mutex> g(m_);
    if (!flag_.get()) cv_.wait(g);
  }

 private:
  P::mutex m_;
  P::condition_variable cv_;
  P::var<bool> flag_{false};
};

template <class Ev>
void event_publishes() {
  Ev ev;
  P::atomic<int> data{0};
  P::thread waiter([&] {
    ev.wait();
    LOCKSTEP_ASSERT(data.load() == 42) << "wait() returned before set()";
  });
  data.store(42);
  ev.set();
  waiter.join();
}

}  // namespace

LOCKSTEP_TEST(locks_event_wait_sees_set) { event_publishes<lockstep::Event<P>>(); }

LOCKSTEP_TEST(locks_event_two_waiters_and_clear) {
  lockstep::Event<P> ev;
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
  LOCKSTEP_ASSERT(ev.is_set());
  ev.clear();
  LOCKSTEP_ASSERT(!ev.is_set());
  LOCKSTEP_ASSERT(!ev.wait_for(std::chrono::milliseconds(1)));
}

LOCKSTEP_TEST(locks_event_wait_for_times_out_or_sees_set) {
  lockstep::Event<P> ev;
  P::thread t([&] { ev.set(); });
  const auto deadline = P::clock::now() + std::chrono::milliseconds(3);
  const bool got = ev.wait_until(deadline);
  LOCKSTEP_ASSERT(got || P::clock::now() >= deadline) << "returned false before the deadline";
  t.join();
  LOCKSTEP_ASSERT(ev.wait_for(std::chrono::milliseconds(1)));
}

LOCKSTEP_TEST(locks_broken_if_wait_event_is_caught, {.expect = lockstep::failure_kind::assertion}) {
  event_publishes<IfWaitEvent>();
}

// ---- Barrier --------------------------------------------------------------------------

namespace {

// Twin of Barrier: no generation counter; waiters wait for the count to return to zero,
// which a fast thread re-arriving for the next phase prevents.
class GenerationlessBarrier {
 public:
  explicit GenerationlessBarrier(unsigned n) : n_(n) {}
  bool arrive_and_wait() {
    std::unique_lock<P::mutex> g(m_);
    arrived_ += 1;
    if (arrived_.get() == n_) {
      arrived_ = 0;
      cv_.notify_all();
      return true;
    }
    while (arrived_.get() != 0) cv_.wait(g);  // BUG: the next phase's arrivals look alike
    return false;
  }

 private:
  const unsigned n_;
  P::mutex m_;
  P::condition_variable cv_;
  P::var<unsigned> arrived_{0u};
};

// n threads run `phases` phases; before phase k's barrier each bumps arrived[k]; after it,
// all n must have arrived. Exactly one serial thread per phase.
template <class B>
void barrier_phases(int n, int phases) {
  B barrier(static_cast<unsigned>(n));
  P::atomic<int> arrived[3] = {P::atomic<int>{0}, P::atomic<int>{0}, P::atomic<int>{0}};
  P::atomic<int> serial[3] = {P::atomic<int>{0}, P::atomic<int>{0}, P::atomic<int>{0}};
  auto body = [&] {
    for (int k = 0; k < phases; ++k) {
      arrived[k].fetch_add(1, std::memory_order_relaxed);
      if (barrier.arrive_and_wait()) serial[k].fetch_add(1, std::memory_order_relaxed);
      LOCKSTEP_ASSERT(arrived[k].load(std::memory_order_relaxed) == n)
          << "passed phase " << k << " before all arrived";
    }
  };
  P::thread ts[3];
  for (int i = 0; i < n; ++i) ts[i] = P::thread(body);
  for (int i = 0; i < n; ++i) ts[i].join();
  for (int k = 0; k < phases; ++k) LOCKSTEP_ASSERT(serial[k].load() == 1);
}

}  // namespace

// Bounded: every step of the futex-word barrier touches one word (and waits may return
// spuriously), so the unbounded search of three phases exceeds 10^6 executions.
LOCKSTEP_TEST(locks_barrier_2_threads_3_phases, {.preemption_bound = 3}) {
  barrier_phases<lockstep::Barrier<P>>(2, 3);
}
LOCKSTEP_TEST(locks_barrier_3_threads_2_phases, {.preemption_bound = 2}) {
  barrier_phases<lockstep::Barrier<P>>(3, 2);
}
// The barrier's phases also order plain data: writes before phase k's barrier are visible
// (race-free) after it.
LOCKSTEP_TEST(locks_barrier_orders_plain_data) {
  lockstep::Barrier<P> b(2);
  P::var<int> x{0}, y{0};
  P::thread t([&] {
    x = 1;
    b.arrive_and_wait();
    LOCKSTEP_ASSERT(y.get() == 2);
  });
  y = 2;
  b.arrive_and_wait();
  LOCKSTEP_ASSERT(x.get() == 1);
  t.join();
}
LOCKSTEP_TEST(locks_broken_generationless_barrier_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  barrier_phases<GenerationlessBarrier>(2, 2);
}

// ---- Latch ----------------------------------------------------------------------------

namespace {

// Twin of Latch: count_down never notifies.
class SilentLatch {
 public:
  explicit SilentLatch(int n) : count_(n) {}
  void count_down() {
    std::lock_guard<P::mutex> g(m_);
    count_ -= 1;  // BUG: no notify when reaching zero
  }
  void wait() {
    std::unique_lock<P::mutex> g(m_);
    while (count_.get() != 0) cv_.wait(g);
  }

 private:
  P::mutex m_;
  P::condition_variable cv_;
  P::var<int> count_;
};

template <class L>
void latch_waits_for_all() {
  L latch(2);
  P::var<int> a{0}, b{0};
  P::thread t1([&] {
    a = 1;
    latch.count_down();
  });
  P::thread t2([&] {
    b = 1;
    latch.count_down();
  });
  latch.wait();
  LOCKSTEP_ASSERT(a.get() == 1 && b.get() == 1);
  t1.join();
  t2.join();
}

}  // namespace

LOCKSTEP_TEST(locks_latch_waits_for_all) { latch_waits_for_all<lockstep::Latch<P>>(); }
LOCKSTEP_TEST(locks_latch_arrive_and_wait) {
  lockstep::Latch<P> latch(2);
  P::var<int> x{0}, y{0};
  P::thread t([&] {
    x = 1;
    latch.arrive_and_wait();
    LOCKSTEP_ASSERT(y.get() == 1);
  });
  y = 1;
  latch.arrive_and_wait();
  LOCKSTEP_ASSERT(x.get() == 1 && latch.try_wait());
  t.join();
}
LOCKSTEP_TEST(locks_latch_count_down_past_zero_throws,
              {.expect = lockstep::failure_kind::exception}) {
  lockstep::Latch<P> latch(1);
  P::thread t([&] { latch.count_down(); });
  latch.count_down();
  t.join();
}
LOCKSTEP_TEST(locks_broken_silent_latch_is_caught, {.expect = lockstep::failure_kind::deadlock}) {
  latch_waits_for_all<SilentLatch>();
}

// ---- Condition / wait_until_pred ------------------------------------------------------

namespace {

// Twin of wait_until_pred: waits once (`if`), so a spurious wake-up returns false before
// the deadline although the predicate may still become true in time.
template <class Lock, class Pred>
bool once_wait_until(P::condition_variable& cv, Lock& lock, P::clock::time_point deadline,
                     Pred pred) {
  if (!pred()) cv.wait_until(lock, deadline);
  return pred();
}

template <bool kBroken>
void condition_deadline() {
  P::mutex m;
  P::condition_variable cv;
  P::var<bool> ready{false};
  P::thread t([&] {
    {
      std::lock_guard g(m);
      ready = true;
    }
    cv.notify_one();
  });
  std::unique_lock g(m);
  const auto deadline = P::clock::now() + std::chrono::milliseconds(5);
  bool ok = false;
  if constexpr (kBroken) {
    ok = once_wait_until(cv, g, deadline, [&] { return ready.get(); });
  } else {
    ok = lockstep::wait_until_pred<P>(cv, g, deadline, [&] { return ready.get(); });
  }
  LOCKSTEP_ASSERT(ok || P::clock::now() >= deadline) << "gave up before the deadline";
  LOCKSTEP_ASSERT(ok == ready.get());
  g.unlock();
  t.join();
}

}  // namespace

LOCKSTEP_TEST(locks_wait_until_pred_honours_deadline) { condition_deadline<false>(); }
LOCKSTEP_TEST(locks_broken_once_wait_until_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  condition_deadline<true>();
}

LOCKSTEP_TEST(locks_condition_producer_consumer) {
  lockstep::Condition<P> cond;
  P::var<int> items{0};
  P::var<int> consumed{0};
  P::thread consumer([&] {
    for (int i = 0; i < 2; ++i) {
      std::unique_lock g(cond);
      cond.wait([&] { return items.get() > 0; });
      items -= 1;
      consumed += 1;
    }
  });
  for (int i = 0; i < 2; ++i) {
    std::lock_guard g(cond);
    items += 1;
    cond.notify();
  }
  consumer.join();
  std::lock_guard g(cond);
  LOCKSTEP_ASSERT(consumed.get() == 2 && items.get() == 0);
  LOCKSTEP_ASSERT(cond.wait_for(std::chrono::milliseconds(1), [&] { return true; }));
}

// ---- Starvation (the eventual-acquisition half of lockstep/fairness.hpp) -------------

namespace {

// Thread 0 re-acquires the lock in a loop until thread 1 has had it once; it yields while
// holding the lock (so the fair scheduler must let thread 1 try in between). A starvation-
// free lock lets thread 1 in; an unfair one admits an infinite schedule in which thread 0
// always wins, which the checker reports as a livelock (step bound).
template <class Lock>
void greedy_neighbour() {
  Lock lock;
  lockstep::BypassMonitor<P> served(/*max_bypass=*/1'000'000);  // only counts entries here
  P::atomic<bool> done{false};
  P::thread greedy([&] {
    while (!done.load()) {
      lock.lock();
      served.enter(0);
      P::this_thread::yield();
      lock.unlock();
    }
  });
  P::thread once([&] {
    lock.lock();
    served.enter(1);
    done.store(true);
    lock.unlock();
  });
  greedy.join();
  once.join();
  LOCKSTEP_ASSERT(served.entries_of(1) == 1);
}

}  // namespace

LOCKSTEP_TEST(locks_ticket_lock_does_not_starve, {.max_steps = 400, .preemption_bound = 2}) {
  greedy_neighbour<lockstep::TicketLock<P>>();
}
LOCKSTEP_TEST(locks_fifo_lock_does_not_starve, {.max_steps = 400, .preemption_bound = 2}) {
  greedy_neighbour<lockstep::FifoLock<P>>();
}
// Starvation by an unfair schedule (thread 0 wins every round): every round has a way out,
// which a random scheduler takes with probability 1, so only strict liveness calls it a
// livelock (checker/rt/src/liveness.hpp). Exhaustive only: random mode cannot be expected to
// pick the one infinite unfair schedule for 400 steps by chance. The bounded-bypass twin
// below is the variant that both modes catch, strict or not.
LOCKSTEP_TEST(locks_spin_lock_can_starve_is_caught, {.expect = lockstep::failure_kind::livelock,
                                                     .random = false,
                                                     .max_steps = 400,
                                                     .strict_liveness = true}) {
  greedy_neighbour<lockstep::SpinLock<P>>();
}

namespace {

// The same greedy neighbour, stated as bounded bypass: thread 1 arrives when it calls
// lock() (these locks have no doorway hook; a ticket is taken by lock()'s first operation),
// and may be overtaken at most `k` times.
template <class Lock>
void greedy_bypass(int k) {
  Lock lock;
  lockstep::BypassMonitor<P> bypass(k);
  P::atomic<bool> done{false};
  P::thread greedy([&] {
    while (!done.load()) {
      bypass.arrive(0);
      lock.lock();
      bypass.enter(0);
      P::this_thread::yield();
      lock.unlock();
    }
  });
  P::thread once([&] {
    bypass.arrive(1);
    lock.lock();
    bypass.enter(1);
    done.store(true);
    lock.unlock();
  });
  greedy.join();
  once.join();
}

}  // namespace

// arrive(1) is recorded just before thread 1's ticket fetch_add, so thread 0 can take one
// ticket in between and overtake once; never twice (k = 1 is tight: with k = 0 this is
// caught).
LOCKSTEP_TEST(locks_ticket_lock_bypass_at_most_1, {.max_steps = 400}) {
  greedy_bypass<lockstep::TicketLock<P>>(1);
}
LOCKSTEP_TEST(locks_spin_lock_unbounded_bypass_is_caught,
              {.expect = lockstep::failure_kind::fairness, .max_steps = 400}) {
  greedy_bypass<lockstep::SpinLock<P>>(2);
}

// ---- futex-word primitives (issue 17): twins of the sleeper mark and the release path ----

namespace {

// Lock<P> with one of two bugs:
//   kEarlyClear: a woken waiter re-acquires with CAS 0 -> 1, clearing the "a waiter may
//     sleep" mark while another waiter still sleeps; the next unlock does not notify.
//   kCheckFirst: unlock() reads the mark, then stores 0: a waiter that marks the word in
//     between and sleeps is never notified.
enum class lock_bug { kEarlyClear, kCheckFirst };
template <lock_bug Bug>
class BrokenFutexLock {
 public:
  void lock() {
    if constexpr (Bug == lock_bug::kEarlyClear) {
      // Drepper's mutex2 with cmpxchg(0, 1) where it needs cmpxchg(0, 2) after a sleep.
      for (;;) {
        std::uint32_t c = 0;
        if (s_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;  // BUG
        if (c == 1 && !s_.compare_exchange_strong(c, 2, std::memory_order_relaxed) && c == 0)
          continue;
        s_.wait(2, std::memory_order_relaxed);
      }
    } else {
      std::uint32_t c = 0;
      if (s_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
      if (c != 2) c = s_.exchange(2, std::memory_order_acquire);
      while (c != 0) {
        s_.wait(2, std::memory_order_relaxed);
        c = s_.exchange(2, std::memory_order_acquire);
      }
    }
  }
  void unlock() {
    if constexpr (Bug == lock_bug::kCheckFirst) {
      const bool sleepers = s_.load(std::memory_order_relaxed) == 2;
      s_.store(0, std::memory_order_release);
      if (sleepers) s_.notify_one();
    } else {
      if (s_.exchange(0, std::memory_order_release) == 2) s_.notify_one();
    }
  }

 private:
  P::atomic<std::uint32_t> s_{0};
};

// Semaphore<P> whose release() reads the waiter count before adding the unit: an acquirer
// that registers in between and sleeps is never notified.
class CheckFirstSemaphore {
 public:
  void acquire() {
    waiters_.fetch_add(1);
    for (;;) {
      std::uint32_t c = count_.load();
      while (c != 0)
        if (count_.compare_exchange_weak(c, c - 1)) {
          waiters_.fetch_sub(1);
          return;
        }
      count_.wait(0);
    }
  }
  void release() {
    const bool sleepers = waiters_.load() != 0;  // BUG: before the fetch_add
    count_.fetch_add(1);
    if (sleepers) count_.notify_one();
  }

 private:
  P::atomic<std::uint32_t> count_{0};
  P::atomic<std::uint32_t> waiters_{0};
};

// Event<P> whose clear() stores 0, wiping the sleeper mark (2) of a thread asleep in wait():
// the next set() sees no mark and does not notify.
class MarkClearingEvent {
 public:
  void set() {
    if (s_.exchange(1, std::memory_order_release) == 2) s_.notify_all();
  }
  void clear() { s_.store(0, std::memory_order_relaxed); }  // BUG: also clears the mark
  void wait() {
    std::uint32_t s = s_.load(std::memory_order_acquire);
    while (s != 1) {
      if (s == 0 && !s_.compare_exchange_strong(s, 2, std::memory_order_acquire)) continue;
      s_.wait(2, std::memory_order_acquire);
      s = s_.load(std::memory_order_acquire);
    }
  }

 private:
  P::atomic<std::uint32_t> s_{0};
};

// Three threads take the lock once each: enough for two sleepers.
template <class L>
void three_lockers() {
  L lock;
  P::var<int> n{0};
  auto body = [&] {
    lock.lock();
    n += 1;
    lock.unlock();
  };
  P::thread a(body), b(body), c(body);
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(n.get() == 3);
}

}  // namespace

LOCKSTEP_TEST(locks_lock_three_lockers, {.preemption_bound = 3}) {
  three_lockers<lockstep::Lock<P>>();
}
LOCKSTEP_TEST(locks_broken_lock_early_clear_of_sleeper_mark_is_caught,
              {.expect = lockstep::failure_kind::deadlock, .preemption_bound = 3}) {
  three_lockers<BrokenFutexLock<lock_bug::kEarlyClear>>();
}
LOCKSTEP_TEST(locks_broken_lock_unlock_checks_mark_first_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  mutual_exclusion<BrokenFutexLock<lock_bug::kCheckFirst>>(2, 1);
}
LOCKSTEP_TEST(locks_broken_semaphore_release_checks_waiters_first_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  CheckFirstSemaphore sem;
  P::thread t([&] { sem.acquire(); });
  sem.release();
  t.join();
}
// A waiter sleeps through clear(); set() must still wake it.
template <class Ev>
void event_clear_then_set() {
  Ev ev;
  P::atomic<int> phase{0};
  P::thread t([&] {
    ev.wait();
    phase.store(1);
  });
  ev.clear();
  ev.set();
  t.join();
  LOCKSTEP_ASSERT(phase.load() == 1);
}
LOCKSTEP_TEST(locks_event_clear_keeps_sleeper) { event_clear_then_set<lockstep::Event<P>>(); }
LOCKSTEP_TEST(locks_broken_event_clear_wipes_sleeper_mark_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  event_clear_then_set<MarkClearingEvent>();
}

namespace {

// FifoLock<P> whose unlock() reads the next waiter's slot mark before publishing its turn: a
// waiter that marks the slot and checks serving_ in between sleeps through its turn.
class CheckFirstFifoLock {
 public:
  void lock() {
    const std::uint32_t my = next_.fetch_add(1);
    auto& slot = slots_[my % 2];
    while (serving_.load() != my) {
      const std::uint32_t v = slot.fetch_or(1) | 1;
      if (serving_.load() == my) break;
      slot.wait(v);
    }
  }
  void unlock() {
    const std::uint32_t t = serving_.load(std::memory_order_relaxed) + 1;
    auto& slot = slots_[t % 2];
    const bool sleepers = slot.load() & 1;  // BUG: before the store of serving_
    serving_.store(t);
    if (sleepers) {
      slot.fetch_add(1);
      slot.notify_all();
    }
  }

 private:
  P::atomic<std::uint32_t> next_{0}, serving_{0};
  P::atomic<std::uint32_t> slots_[2] = {};
};

}  // namespace

LOCKSTEP_TEST(locks_broken_fifo_lock_unlock_checks_slot_first_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  mutual_exclusion<CheckFirstFifoLock>(2, 1);
}

namespace {

// TicketLock<P> whose next-in-line waiter sleeps too (it sleeps whenever it is not served),
// while unlock() wakes only the new next in line, as TicketLock's does: the waiter whose
// turn comes sleeps through it (the unlock() that served it woke the ticket after it).
class SleepingHeadTicketLock {
 public:
  void lock() {
    const std::uint32_t my = next_.fetch_add(1);
    std::uint32_t s = serving_.load(std::memory_order_acquire);
    while (s != my) s = sleepers_.sleep(serving_, my, 0);  // BUG: TicketLock passes lead 1
  }
  void unlock() {
    const std::uint32_t t = serving_.load(std::memory_order_relaxed) + 1;
    serving_.store(t);
    sleepers_.wake(t + 1);
  }

 private:
  P::atomic<std::uint32_t> next_{0}, serving_{0};
  lockstep::detail::TurnSleepers<P> sleepers_;
};

}  // namespace

LOCKSTEP_TEST(locks_broken_ticket_lock_head_sleeps_unwoken_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  mutual_exclusion<SleepingHeadTicketLock>(2, 1);
}
// The correct TicketLock: locks_ticket_lock_excludes_3x1 / _2x2 and locks_ticket_lock_fifo_3
// above, in which the third thread waits two tickets back and sleeps.

namespace {

// Semaphore<P> whose woken acquirer does not pass the wake on when units are left: a release
// cleared the mark of every sleeper but woke one, so the other sleeps through its unit.
class NoPassOnSemaphore {
 public:
  void acquire() {
    std::uint32_t c = s_.load();
    for (;;) {
      if (c >= 2) {
        if (s_.compare_exchange_weak(c, (c - 2) | 1)) return;  // BUG: no pass-on if c >= 4
        continue;
      }
      if (!(c & 1) && !s_.compare_exchange_weak(c, c | 1)) continue;
      s_.wait(c | 1);
      c = s_.load();
    }
  }
  void release() {
    std::uint32_t c = s_.load();
    while (!s_.compare_exchange_weak(c, (c + 2) & ~1u)) {
    }
    if (c & 1) s_.notify_one();
  }

 private:
  P::atomic<std::uint32_t> s_{0};
};

// Two sleepers, two single releases: the second release may find the mark already cleared by
// the first, so the first thread woken must wake the second.
template <class Sem>
void two_single_releases() {
  Sem sem(0);
  auto waiter = [&] { sem.acquire(); };
  P::thread a(waiter), b(waiter);
  sem.release();
  sem.release();
  a.join();
  b.join();
}
struct NoPassOnSemaphoreN : NoPassOnSemaphore {
  explicit NoPassOnSemaphoreN(int) {}
};

}  // namespace

// Bounded: unbounded, the search is ~10^8 executions (two sleepers, each wake a visible step).
LOCKSTEP_TEST(locks_semaphore_two_single_releases_wake_two, {.preemption_bound = 3}) {
  two_single_releases<lockstep::Semaphore<P>>();
}
LOCKSTEP_TEST(locks_broken_semaphore_woken_without_pass_on_is_caught,
              {.expect = lockstep::failure_kind::deadlock, .preemption_bound = 3}) {
  two_single_releases<NoPassOnSemaphoreN>();
}

namespace {

// Latch<P> whose waiter sets the sleeper bit with a plain store of the value it read: a
// count_down in between is overwritten, the count never reaches zero.
class StoreMarkLatch {
 public:
  explicit StoreMarkLatch(int n) : s_(static_cast<std::uint32_t>(n) << 1) {}
  void count_down() {
    std::uint32_t s = s_.load();
    while (!s_.compare_exchange_weak(s, s - 2)) {
    }
    if (s - 2 == 1) s_.notify_all();
  }
  void wait() {
    std::uint32_t s = s_.load(std::memory_order_acquire);
    while ((s >> 1) != 0) {
      s_.store(s | 1);  // BUG: not an RMW
      s_.wait(s | 1, std::memory_order_acquire);
      s = s_.load(std::memory_order_acquire);
    }
  }

 private:
  P::atomic<std::uint32_t> s_;
};

// Barrier<P> whose last arrival publishes the next generation with a store and decides on the
// notify from the word its arrival read: a waiter that set the sleeper mark in between is
// never woken.
class StaleMarkBarrier {
 public:
  explicit StaleMarkBarrier(unsigned n) : n_(n) {}
  bool arrive_and_wait() {
    std::uint32_t w = s_.fetch_add(2, std::memory_order_acq_rel);
    const std::uint32_t gen = w & 0xffff0000u;
    if (((w & 0xfffe) >> 1) + 1 == n_) {
      s_.store(gen + 0x10000, std::memory_order_release);
      if (w & 1) s_.notify_all();  // BUG: the mark may have been set after our fetch_add
      return true;
    }
    w = s_.fetch_or(1, std::memory_order_acquire) | 1;
    while ((w & 0xffff0000u) == gen) {
      s_.wait(w, std::memory_order_acquire);
      w = s_.load(std::memory_order_acquire);
    }
    return false;
  }

 private:
  const unsigned n_;
  P::atomic<std::uint32_t> s_{0};
};

}  // namespace

LOCKSTEP_TEST(locks_broken_latch_store_sets_mark_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  latch_waits_for_all<StoreMarkLatch>();
}
LOCKSTEP_TEST(locks_broken_barrier_stale_mark_is_caught,
              {.expect = lockstep::failure_kind::deadlock}) {
  StaleMarkBarrier b(2);
  P::thread t([&] { b.arrive_and_wait(); });
  b.arrive_and_wait();
  t.join();
}
