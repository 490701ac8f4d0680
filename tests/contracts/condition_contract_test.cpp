// Contract tests of lockstep::Condition and wait_until_pred (condition.hpp), written from the
// header's guarantees only (the implementation may change beneath them): try_lock() while
// another thread holds it; wait() releases the lock while it blocks and holds it again when it
// returns; wait(pred) returns only with pred() true; notify(n) and notify_all() wake two
// sleeping waiters; the timed waits return false only once the deadline has passed on the
// virtual clock with pred() false, true when pred() held before the call, and pred()'s final
// value (evaluated under the lock) when the deadline passes. Each guarantee has a broken twin
// (TwinCondition: a copy of the current Condition with one line changed).
#include <lockstep/check.hpp>
#include <lockstep/condition.hpp>

#include <chrono>
#include <cstddef>
#include <mutex>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

enum class cond_bug {
  notify_n_wakes_one,  // notify(n) notifies once whatever n
  notify_all_one,      // notify_all() notifies one waiter
  wait_pred_if,        // wait(pred) waits once (`if`) and returns with pred() false
  timeout_false,       // a timed wait returns false at its deadline without asking pred()
  timed_if,            // a timed wait waits once (`if`): a stray wake-up returns early
};

// A copy of Condition<P> and wait_until_pred (condition.hpp) with the bug B.
template <cond_bug B>
class TwinCondition {
 public:
  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  void unlock() { m_.unlock(); }
  void wait() {
    std::unique_lock<P::mutex> g(m_, std::adopt_lock);
    cv_.wait(g);
    g.release();
  }
  template <class Pred>
  void wait(Pred pred) {
    if constexpr (B == cond_bug::wait_pred_if) {
      if (!pred()) wait();
    } else {
      while (!pred()) wait();
    }
  }
  template <class Pred>
  bool wait_until(P::clock::time_point deadline, Pred pred) {
    std::unique_lock<P::mutex> g(m_, std::adopt_lock);
    bool ok = true;
    while (!pred()) {
      if (cv_.wait_until(g, deadline) == std::cv_status::timeout) {
        ok = B == cond_bug::timeout_false ? false : pred();
        break;
      }
      if constexpr (B == cond_bug::timed_if) {
        ok = pred();
        break;
      }
    }
    g.release();
    return ok;
  }
  template <class Rep, class Period, class Pred>
  bool wait_for(std::chrono::duration<Rep, Period> d, Pred pred) {
    return wait_until(P::clock::now() + d, std::move(pred));
  }
  void notify(std::size_t n = 1) {
    const std::size_t times = B == cond_bug::notify_n_wakes_one ? 1 : n;
    for (std::size_t i = 0; i < times; ++i) cv_.notify_one();
  }
  void notify_all() {
    if constexpr (B == cond_bug::notify_all_one)
      cv_.notify_one();
    else
      cv_.notify_all();
  }

 private:
  P::mutex m_;
  P::condition_variable cv_;
};

// Two waiters go to sleep in wait(); once both are asleep (counted under the lock, which
// wait() releases), the notifier wakes them with notify(2) or notify_all(). Each waiter writes
// `woke` when wait() has returned, and the notifier reads it under the lock before joining: a
// wait() that returned without the lock would race with that read.
template <class C, bool kAll>
void notify_wakes_two_sleepers() {
  C cond;
  P::var<int> waiting{0}, woke{0};
  auto waiter = [&] {
    std::unique_lock g(cond);
    waiting += 1;
    cond.wait();
    woke += 1;
  };
  P::thread a(waiter), b(waiter);
  {
    std::unique_lock g(cond);
    while (waiting.get() < 2) {
      g.unlock();
      P::this_thread::yield();
      g.lock();
    }
    if constexpr (kAll)
      cond.notify_all();
    else
      cond.notify(2);
  }
  {
    std::lock_guard g(cond);
    LOCKSTEP_ASSERT(woke.get() <= 2);
  }
  a.join();
  b.join();
  LOCKSTEP_ASSERT(woke.get() == 2);
}

// wait(pred) returns only with pred() true: the notifier first notifies with the predicate
// still false, then makes it true and notifies again.
template <class C>
void wait_pred_returns_only_with_pred() {
  C cond;
  P::var<bool> ready{false};
  P::thread waiter([&] {
    std::unique_lock g(cond);
    cond.wait([&] { return ready.get(); });
    LOCKSTEP_ASSERT(ready.get()) << "wait(pred) returned with pred() false";
  });
  {
    std::lock_guard g(cond);
    cond.notify();
  }
  {
    std::lock_guard g(cond);
    ready = true;
    cond.notify();
  }
  waiter.join();
}

// The timed waits on the virtual clock.
//  * nobody makes pred() true: false, and only once the deadline has passed;
//  * pred() true before the call: true;
//  * a stray notify with pred() false, then pred() made true and notified: true, or false
//    only once the deadline has passed;
//  * pred() made true under the lock without a notify: the waiter times out, and must return
//    pred()'s final value, true.
template <class C>
void timed_waits() {
  C cond;
  P::var<bool> ready{false};
  auto pred = [&] { return ready.get(); };
  {
    std::unique_lock g(cond);
    const auto start = P::clock::now();
    LOCKSTEP_ASSERT(!cond.wait_for(20us, pred)) << "pred() was never true";
    LOCKSTEP_ASSERT(P::clock::now() >= start + 20us) << "wait_for gave up before its deadline";
  }
  P::thread t([&] {
    {
      std::lock_guard g(cond);
      cond.notify();
    }
    std::lock_guard g(cond);
    ready = true;
    cond.notify();
  });
  {
    std::unique_lock g(cond);
    const auto deadline = P::clock::now() + 20us;
    const bool ok = cond.wait_until(deadline, pred);
    LOCKSTEP_ASSERT(ok || P::clock::now() >= deadline) << "gave up before the deadline";
    LOCKSTEP_ASSERT(ok == ready.get()) << "returned " << ok << " with pred() " << ready.get();
  }
  t.join();
  std::unique_lock g(cond);
  LOCKSTEP_ASSERT(cond.wait_for(20us, pred)) << "pred() held before the call";
}

template <class C>
void timeout_returns_final_pred() {
  C cond;
  P::var<bool> ready{false};
  P::thread t([&] {
    std::lock_guard g(cond);
    ready = true;  // no notify: only the deadline ends the wait
  });
  {
    std::unique_lock g(cond);
    const bool ok = cond.wait_for(20us, [&] { return ready.get(); });
    LOCKSTEP_ASSERT(ok == ready.get()) << "returned " << ok << " with pred() " << ready.get();
  }
  t.join();
}

}  // namespace

LOCKSTEP_TEST(condition_notify_n_wakes_two_sleepers) {
  notify_wakes_two_sleepers<lockstep::Condition<P>, false>();
}
// The twins run without spurious wake-ups: one would let the waiter left asleep go on (random
// mode takes it whenever it is the only way forward).
LOCKSTEP_TEST(condition_broken_notify_n_wakes_one_is_caught,
              {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  notify_wakes_two_sleepers<TwinCondition<cond_bug::notify_n_wakes_one>, false>();
}
LOCKSTEP_TEST(condition_notify_all_wakes_two_sleepers) {
  notify_wakes_two_sleepers<lockstep::Condition<P>, true>();
}
LOCKSTEP_TEST(condition_broken_notify_all_wakes_one_is_caught,
              {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  notify_wakes_two_sleepers<TwinCondition<cond_bug::notify_all_one>, true>();
}

LOCKSTEP_TEST(condition_wait_pred_returns_only_with_pred) {
  wait_pred_returns_only_with_pred<lockstep::Condition<P>>();
}
LOCKSTEP_TEST(condition_broken_wait_pred_if_is_caught, {.expect = failure_kind::assertion}) {
  wait_pred_returns_only_with_pred<TwinCondition<cond_bug::wait_pred_if>>();
}

LOCKSTEP_TEST(condition_timed_waits) { timed_waits<lockstep::Condition<P>>(); }
LOCKSTEP_TEST(condition_broken_timed_if_is_caught, {.expect = failure_kind::assertion}) {
  timed_waits<TwinCondition<cond_bug::timed_if>>();
}

LOCKSTEP_TEST(condition_timeout_returns_final_pred) {
  timeout_returns_final_pred<lockstep::Condition<P>>();
}
LOCKSTEP_TEST(condition_broken_timeout_false_is_caught, {.expect = failure_kind::assertion}) {
  timeout_returns_final_pred<TwinCondition<cond_bug::timeout_false>>();
}

// try_lock() while another thread holds the Condition: false; once released: true.
LOCKSTEP_TEST(condition_try_lock_while_held) {
  lockstep::Condition<P> cond;
  P::atomic<int> phase{0};  // 1: held by the other thread; 2: tried
  P::thread holder([&] {
    cond.lock();
    phase.store(1);
    phase.notify_one();
    while (phase.load() == 1) phase.wait(1);
    cond.unlock();
  });
  while (phase.load() == 0) phase.wait(0);
  LOCKSTEP_ASSERT(!cond.try_lock()) << "try_lock() took a Condition another thread holds";
  phase.store(2);
  phase.notify_one();
  holder.join();
  LOCKSTEP_ASSERT(cond.try_lock()) << "try_lock() failed on a free Condition";
  cond.unlock();
}

// wait_until_pred on a plain P::condition_variable: pred() made true without a notify is
// the final value at the deadline; a stray notify keeps it waiting.
LOCKSTEP_TEST(wait_until_pred_returns_final_pred_at_deadline) {
  P::mutex m;
  P::condition_variable cv;
  P::var<bool> ready{false};
  P::thread t([&] {
    {
      std::lock_guard g(m);
      cv.notify_one();
    }
    std::lock_guard g(m);
    ready = true;
  });
  std::unique_lock g(m);
  const auto deadline = P::clock::now() + 20us;
  const bool ok = lockstep::wait_until_pred<P>(cv, g, deadline, [&] { return ready.get(); });
  LOCKSTEP_ASSERT(ok || P::clock::now() >= deadline) << "gave up before the deadline";
  LOCKSTEP_ASSERT(ok == ready.get()) << "returned " << ok << " with pred() " << ready.get();
  g.unlock();
  t.join();
}
