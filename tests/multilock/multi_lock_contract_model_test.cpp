// Contract tests of lockstep/multi_lock.hpp, one per stated guarantee (issue 18 item 5):
// RankedMutex (exclusion; lock() throws lock_order_error when an equal or higher rank is held,
// acquiring nothing; try_lock() unchecked but counted; unlock in any order; ranks per thread),
// OrderedLockGuard and lock_ordered (global order by rank then address, duplicates locked once,
// reverse release, release of the taken locks when a lock() throws, the heap path beyond
// kInline), and lock_backoff (all locks taken, no deadlock against the opposite order, 0 rounds
// without contention, a failed round releases what it took).
#include <lockstep/check.hpp>
#include <lockstep/multi_lock.hpp>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "../support/lock_contract.hpp"
#include "../support/mutual_exclusion.hpp"

using P = lockstep::model_platform;
using RM = lockstep::RankedMutex<P>;
using lockstep::lock_order_error;
using namespace lockstep_test;

namespace {

// A lockable that logs lock and unlock calls (id, + for lock, - for unlock) and can be armed
// to throw from lock(). Used by one thread at a time in these tests.
struct Logged {
  int id = 0;
  bool throws = false;
  std::vector<int>* log = nullptr;
  P::mutex m;
  void lock() {
    if (throws) throw std::runtime_error("lock failed");
    m.lock();
    log->push_back(id);
  }
  bool try_lock() {
    if (!m.try_lock()) return false;
    log->push_back(id);
    return true;
  }
  void unlock() {
    log->push_back(-id);
    m.unlock();
  }
};

struct RankedPair {
  RM low{10}, high{20};
};

template <class F>
bool throws_order_error(F f) {
  try {
    f();
  } catch (const lock_order_error&) {
    return true;
  }
  return false;
}

}  // namespace

// ---- RankedMutex ----------------------------------------------------------------------

LOCKSTEP_TEST(ranked_mutex_excludes_2x2) {
  struct R10 : RM {
    R10() : RM(10) {}
  };
  mutual_exclusion<R10>(2, 2);
}

LOCKSTEP_TEST(ranked_mutex_try_lock_fails_while_held) {
  struct R10 : RM {
    R10() : RM(10) {}
  };
  try_lock_fails_while_held<R10>();
}

// Ascending ranks are fine; a lower or equal rank while holding a higher one throws before
// blocking, and acquires nothing (another thread can take that lock at once).
LOCKSTEP_TEST(ranked_mutex_rejects_equal_or_lower_rank) {
  RankedPair p;
  RM same{20};
  LOCKSTEP_ASSERT(p.low.rank() == 10 && p.high.rank() == 20);
  p.low.lock();
  p.high.lock();  // 10 then 20: fine
  p.high.unlock();
  p.low.unlock();
  p.high.lock();
  LOCKSTEP_ASSERT(throws_order_error([&] { p.low.lock(); })) << "10 after 20 must throw";
  LOCKSTEP_ASSERT(throws_order_error([&] { same.lock(); })) << "20 after 20 must throw";
  P::thread t([&] {
    // Nothing was acquired by the rejected calls, and this thread holds nothing: both free.
    LOCKSTEP_ASSERT(p.low.try_lock()) << "a rejected lock() acquired the mutex";
    LOCKSTEP_ASSERT(same.try_lock()) << "a rejected lock() acquired the mutex";
    p.low.unlock();
    same.unlock();
  });
  t.join();
  p.high.unlock();
  // With nothing held, any rank may be taken again.
  p.low.lock();
  p.low.unlock();
}

// try_lock() is not checked (a lower rank may be try-locked while a higher one is held), but
// what it holds counts: a later blocking lock() of a rank at or below it throws.
LOCKSTEP_TEST(ranked_mutex_try_lock_unchecked_but_counted) {
  RankedPair p;
  RM top{30};
  p.high.lock();
  LOCKSTEP_ASSERT(p.low.try_lock()) << "try_lock() of a lower rank is allowed";
  p.high.unlock();
  // Holding only 10 (try-locked): 20 is above it.
  p.high.lock();
  p.high.unlock();
  LOCKSTEP_ASSERT(top.try_lock());
  LOCKSTEP_ASSERT(throws_order_error([&] { p.high.lock(); })) << "20 while holding 30";
  top.unlock();
  p.low.unlock();
  LOCKSTEP_ASSERT(!throws_order_error([&] {
    p.high.lock();
    p.high.unlock();
  }));
}

// Unlocking out of order removes that rank only: after unlocking the lower of two held
// ranks, a rank between them is still rejected; after unlocking the higher one it is allowed.
LOCKSTEP_TEST(ranked_mutex_unlock_in_any_order) {
  RM a{10}, b{20}, mid{15}, c{30};
  a.lock();
  c.lock();
  a.unlock();  // not LIFO
  LOCKSTEP_ASSERT(throws_order_error([&] { mid.lock(); })) << "15 while holding 30";
  c.unlock();
  mid.lock();  // nothing held
  b.lock();
  mid.unlock();
  b.unlock();
  // An unlock by a thread that holds several entries of the same rank is not possible (equal
  // ranks are rejected), so each unlock removes exactly one entry: all free now.
  LOCKSTEP_ASSERT(!throws_order_error([&] {
    a.lock();
    a.unlock();
  }));
}

// Held ranks are per thread: a thread holding 20 does not stop another from taking 10.
LOCKSTEP_TEST(ranked_mutex_ranks_are_per_thread) {
  RankedPair p;
  p.high.lock();
  P::thread t([&] {
    p.low.lock();
    p.low.unlock();
  });
  t.join();
  p.high.unlock();
}

// Two threads take {10, 20} with OrderedLockGuard in opposite request orders and lock_ordered:
// ranks sort them, so no lock_order_error, no deadlock, and the data is protected.
LOCKSTEP_TEST(ranked_mutex_guard_and_lock_ordered_sort_by_rank) {
  RankedPair p;
  P::var<int> n{0};
  P::thread t1([&] {
    lockstep::OrderedLockGuard<RM> g({&p.high, &p.low});
    n += 1;
  });
  P::thread t2([&] {
    lockstep::lock_ordered(p.high, p.low);
    n += 1;
    p.low.unlock();
    p.high.unlock();
  });
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}

// ---- OrderedLockGuard / lock_ordered --------------------------------------------------

// The order is by address for unranked locks; duplicates are locked once; the guard releases
// in reverse.
LOCKSTEP_TEST(ordered_guard_sorts_dedups_and_releases_in_reverse) {
  std::vector<int> log;
  Logged l[3];
  for (int i = 0; i < 3; ++i) {
    l[i].id = i + 1;
    l[i].log = &log;
  }
  {
    lockstep::OrderedLockGuard<Logged> g({&l[2], &l[0], &l[2], &l[1]});
    LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, 3})) << "locked out of order or twice";
  }
  LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, 3, -3, -2, -1})) << "not released in reverse";
}

// More locks than kInline: the heap path, same rules.
LOCKSTEP_TEST(ordered_guard_beyond_inline_capacity) {
  std::vector<int> log;
  Logged l[6];
  std::vector<Logged*> ptrs;
  for (int i = 0; i < 6; ++i) {
    l[i].id = i + 1;
    l[i].log = &log;
  }
  for (int i = 5; i >= 0; --i) ptrs.push_back(&l[i]);
  ptrs.push_back(&l[3]);  // a duplicate
  {
    lockstep::OrderedLockGuard<Logged> g(std::span<Logged* const>(ptrs.data(), ptrs.size()));
    LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, 3, 4, 5, 6})) << "heap path order";
    P::thread t([&] { LOCKSTEP_ASSERT(!l[5].m.try_lock()) << "the last lock is not held"; });
    t.join();
  }
  LOCKSTEP_ASSERT(log.size() == 12 && log.back() == -1);
}

// A lock() that throws: the guard and lock_ordered release what they took, and rethrow.
LOCKSTEP_TEST(ordered_guard_and_lock_ordered_release_on_throw) {
  std::vector<int> log;
  Logged l[3];
  for (int i = 0; i < 3; ++i) {
    l[i].id = i + 1;
    l[i].log = &log;
  }
  l[2].throws = true;  // the last in address order
  bool threw = false;
  try {
    lockstep::OrderedLockGuard<Logged> g({&l[0], &l[1], &l[2]});
  } catch (const std::runtime_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, -2, -1})) << "guard did not release on throw";
  log.clear();
  threw = false;
  try {
    lockstep::lock_ordered(l[2], l[1], l[0], l[1]);
  } catch (const std::runtime_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, -2, -1})) << "lock_ordered did not release";
  l[2].throws = false;
  log.clear();
  lockstep::lock_ordered(l[2], l[1], l[0], l[1]);  // the duplicate is locked once
  LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, 3})) << "lock_ordered order";
  l[0].unlock();
  l[1].unlock();
  l[2].unlock();
}

// ---- lock_backoff ---------------------------------------------------------------------

// Without contention: every lock taken in the first round (0 rounds backed off).
LOCKSTEP_TEST(lock_backoff_uncontended_takes_all_in_round_0) {
  std::vector<int> log;
  Logged l[3];
  for (int i = 0; i < 3; ++i) {
    l[i].id = i + 1;
    l[i].log = &log;
  }
  LOCKSTEP_ASSERT(lockstep::lock_backoff<P>(l[0], l[1], l[2]) == 0);
  std::sort(log.begin(), log.end());  // which lock it blocks on first is unspecified
  LOCKSTEP_ASSERT((log == std::vector<int>{1, 2, 3})) << "not all taken, or one taken twice";
  l[0].unlock();
  l[1].unlock();
  l[2].unlock();
}

// A failed try releases what the round took (first and the ones tried before the failure),
// then blocks on the one that failed: with l[2] held by the main thread, which then needs
// l[0], a round that kept l[0] while blocking on l[2] would deadlock.
LOCKSTEP_TEST(lock_backoff_failed_round_releases_what_it_took) {
  std::vector<int> log;
  Logged l[3];
  for (int i = 0; i < 3; ++i) {
    l[i].id = i + 1;
    l[i].log = &log;
  }
  l[2].m.lock();
  P::thread t([&] {
    lockstep::lock_backoff<P>(l[0], l[1], l[2]);
    l[0].unlock();
    l[1].unlock();
    l[2].unlock();
  });
  l[0].m.lock();
  l[1].m.lock();
  l[1].m.unlock();
  l[0].m.unlock();
  l[2].m.unlock();
  t.join();
}

// Two threads name the same three locks in different orders: both finish (no deadlock), each
// holds all three at once (the counters are protected by any one of them, checked by all).
LOCKSTEP_TEST(lock_backoff_opposite_orders_do_not_deadlock, {.preemption_bound = 2}) {
  P::mutex a, b, c;
  P::var<int> n{0};
  P::thread t1([&] {
    lockstep::lock_backoff<P>(a, b, c);
    n += 1;
    a.unlock();
    b.unlock();
    c.unlock();
  });
  P::thread t2([&] {
    lockstep::lock_backoff<P>(c, b, a);
    n += 1;
    c.unlock();
    b.unlock();
    a.unlock();
  });
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}
