// Model tests of lockstep/multi_lock.hpp: ordered acquisition (OrderedLockGuard,
// lock_ordered, RankedMutex) and try-and-back-off (lock_backoff), with broken twins.
#include <lockstep/check.hpp>
#include <lockstep/multi_lock.hpp>

#include <mutex>

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

// Two counters that must only change together: each thread locks both (in the order it
// names them) and moves one unit; the sum is checked under both locks by a third thread.
struct Pair {
  P::mutex ma, mb;
  P::var<int> a{10}, b{10};
};

}  // namespace

// Threads name the locks in opposite orders; the guard sorts them: no deadlock, and the
// guard's locks do protect the data (no race, invariant holds).
LOCKSTEP_TEST(ordered_guard_opposite_requests_do_not_deadlock) {
  Pair p;
  P::thread t1([&] {
    lockstep::OrderedLockGuard<P::mutex> g({&p.ma, &p.mb});
    p.a -= 1;
    p.b += 1;
  });
  P::thread t2([&] {
    lockstep::OrderedLockGuard<P::mutex> g({&p.mb, &p.ma});
    p.b -= 2;
    p.a += 2;
  });
  P::thread t3([&] {
    lockstep::OrderedLockGuard<P::mutex> g({&p.mb, &p.ma, &p.mb});  // duplicate: locked once
    LOCKSTEP_ASSERT(p.a.get() + p.b.get() == 20) << "saw a half-done move";
  });
  t1.join();
  t2.join();
  t3.join();
  LOCKSTEP_ASSERT(p.a.get() == 11 && p.b.get() == 9);
}

LOCKSTEP_TEST(lock_ordered_opposite_arguments_do_not_deadlock) {
  Pair p;
  P::thread t1([&] {
    lockstep::lock_ordered(p.ma, p.mb);
    p.a -= 1;
    p.b += 1;
    p.ma.unlock();
    p.mb.unlock();
  });
  P::thread t2([&] {
    lockstep::lock_ordered(p.mb, p.ma);
    p.b -= 1;
    p.a += 1;
    p.mb.unlock();
    p.ma.unlock();
  });
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(p.a.get() == 10 && p.b.get() == 10);
}

// The broken twin of the guard: locking in the order the caller names the locks (what the
// guard exists to avoid) deadlocks when two callers name them in opposite orders.
LOCKSTEP_TEST(caller_order_instead_of_global_order_deadlocks, {.expect = failure_kind::deadlock}) {
  Pair p;
  auto move = [](P::mutex& first, P::mutex& second, P::var<int>& from, P::var<int>& to) {
    std::lock_guard<P::mutex> g1(first);
    std::lock_guard<P::mutex> g2(second);
    from -= 1;
    to += 1;
  };
  P::thread t1([&] { move(p.ma, p.mb, p.a, p.b); });
  P::thread t2([&] { move(p.mb, p.ma, p.b, p.a); });
  t1.join();
  t2.join();
}

// ---- RankedMutex: the order is checked at every blocking acquisition.
LOCKSTEP_TEST(ranked_mutexes_in_rank_order) {
  lockstep::RankedMutex<P> low(1), high(2);
  P::var<int> x{0};
  auto body = [&] {
    std::lock_guard<lockstep::RankedMutex<P>> g1(low);
    std::lock_guard<lockstep::RankedMutex<P>> g2(high);
    x += 1;
  };
  P::thread t1(body), t2(body);
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(x.get() == 2);
}

// OrderedLockGuard sorts RankedMutexes by rank (not address): declared in the "wrong"
// address order, they are still acquired low rank first and no violation is raised.
LOCKSTEP_TEST(ordered_guard_uses_ranks) {
  lockstep::RankedMutex<P> high(7), low(3);
  P::thread t([&] { lockstep::OrderedLockGuard<lockstep::RankedMutex<P>> g({&high, &low}); });
  { lockstep::OrderedLockGuard<lockstep::RankedMutex<P>> g({&low, &high}); }
  t.join();
}

// Out-of-order blocking acquisition is rejected before it can block — in every schedule,
// also those where the two threads do not overlap at all — and nothing is acquired.
LOCKSTEP_TEST(ranked_mutex_rejects_out_of_order_lock) {
  lockstep::RankedMutex<P> low(1), high(2);
  P::thread t([&] {
    std::lock_guard<lockstep::RankedMutex<P>> g(high);
    bool threw = false;
    try {
      low.lock();
    } catch (const lockstep::lock_order_error&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw) << "out-of-order lock() was accepted";
  });
  {
    std::lock_guard<lockstep::RankedMutex<P>> g1(low);  // in order: accepted
    std::lock_guard<lockstep::RankedMutex<P>> g2(high);
  }
  t.join();
  // The rejected lock() acquired nothing: low is free (a held low would be reported as a
  // locked mutex destroyed at the end of the test).
  LOCKSTEP_ASSERT(low.try_lock());
  low.unlock();
}

// The broken twin: code that takes ranked locks in opposite orders. Unchecked this is the
// classic deadlock; with ranks the out-of-order thread throws lock_order_error, which
// escapes it and the checker reports it (failure kind: exception) in every schedule.
LOCKSTEP_TEST(ranked_mutex_opposite_orders_are_caught, {.expect = failure_kind::exception}) {
  lockstep::RankedMutex<P> a(1), b(2);
  P::thread t1([&] {
    std::lock_guard<lockstep::RankedMutex<P>> g1(a);
    std::lock_guard<lockstep::RankedMutex<P>> g2(b);
  });
  P::thread t2([&] {
    std::lock_guard<lockstep::RankedMutex<P>> g2(b);
    std::lock_guard<lockstep::RankedMutex<P>> g1(a);
  });
  t1.join();
  t2.join();
}

// Out-of-order try_lock is allowed (it never waits); a later blocking lock is still checked
// against the try-locked rank.
LOCKSTEP_TEST(ranked_try_lock_is_unchecked_but_counts) {
  lockstep::RankedMutex<P> low(1), mid(2), high(3);
  std::lock_guard<lockstep::RankedMutex<P>> g(mid);
  LOCKSTEP_ASSERT(low.try_lock()) << "out-of-order try_lock must be allowed";
  bool threw = false;
  try {
    high.lock();  // 3 > 2 and 3 > 1: in order
    high.unlock();
    low.unlock();
    low.lock();  // 1 < 2 (mid held): rejected
  } catch (const lockstep::lock_order_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
}

// ---- lock_backoff: no global order needed, no deadlock. Its loop is unbounded (a livelock
// exists under adversarial schedules that preempt both threads in every round, see
// livelock_model_test.cpp), so exhaustive mode is preemption-bounded here: every schedule
// with at most 2 preemptions, plus random schedules.
LOCKSTEP_TEST(lock_backoff_opposite_orders_do_not_deadlock, {.preemption_bound = 2}) {
  Pair p;
  P::thread t1([&] {
    lockstep::lock_backoff<P>(p.ma, p.mb);
    p.a -= 1;
    p.b += 1;
    p.ma.unlock();
    p.mb.unlock();
  });
  P::thread t2([&] {
    lockstep::lock_backoff<P>(p.mb, p.ma);
    p.b -= 1;
    p.a += 1;
    p.ma.unlock();
    p.mb.unlock();
  });
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(p.a.get() == 10 && p.b.get() == 10);
}

// Three locks, three threads, three rotations of the argument order; the lock-order graph
// must stay acyclic (only try_lock is used while holding a lock).
LOCKSTEP_TEST(lock_backoff_three_locks_rotated, {.preemption_bound = 1}) {
  P::mutex m0, m1, m2;
  P::var<int> x{0};
  P::thread t1([&] {
    lockstep::lock_backoff<P>(m0, m1, m2);
    x += 1;
    m0.unlock(), m1.unlock(), m2.unlock();
  });
  P::thread t2([&] {
    lockstep::lock_backoff<P>(m1, m2, m0);
    x += 1;
    m0.unlock(), m1.unlock(), m2.unlock();
  });
  lockstep::lock_backoff<P>(m2, m0, m1);
  x += 1;
  m0.unlock(), m1.unlock(), m2.unlock();
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(x.get() == 3);
}
