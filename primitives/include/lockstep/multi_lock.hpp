// lockstep/multi_lock.hpp — deadlock-free acquisition of several locks.
//
// Two strategies, with different trade-offs:
//
//   1. Global order (OrderedLockGuard, lock_ordered): every thread takes the locks it needs
//      in one global order — by rank for RankedMutex, by address otherwise. No cycle can form
//      in the wait-for graph, so there is no deadlock and no livelock; each lock is a plain
//      blocking acquisition (no retries, no wasted work). The cost: the whole set must be
//      known up front (you cannot discover the second lock while holding the first unless it
//      sorts after it), and it relies on every code path following the same order.
//      RankedMutex turns "every code path" into a checked rule: each thread records the ranks
//      it holds, and acquiring a rank that is not above all of them throws
//      lock_order_error before blocking — a would-be deadlock becomes a deterministic error
//      on the first out-of-order acquisition, in any schedule (like Linux lockdep/ranks in
//      Abseil's deadlock detector, but cheaper and stricter).
//
//   2. Try-and-back-off (lock_backoff): the std::lock algorithm. Block on one lock, try_lock
//      the others; on a failure release everything, yield, and start again by blocking on the
//      lock that failed. Needs no global order (works for locks of unrelated types, discovered
//      in any order), and never holds a lock while blocking on another, so it cannot deadlock.
//      The cost: it may livelock — two threads can keep taking one lock each and backing off
//      in lock step. Real schedulers make that unlikely and the yield makes it rarer, but it
//      is a probabilistic guarantee only (the model checker's adversarial schedules exhibit
//      it: tests/multilock/livelock_model_test.cpp). Wasted work under contention.
//
// Usage
//   lockstep::OrderedLockGuard<std::mutex> g({&accounts[i].m, &accounts[j].m});  // i == j ok
//   lockstep::lock_ordered(a, b, c);  ...  a.unlock(); b.unlock(); c.unlock();
//
//   lockstep::RankedMutex<> config_mu{10}, cache_mu{20};
//   std::scoped_lock g(config_mu); cache_mu.lock();   // fine: 10 then 20
//   // cache_mu held, then config_mu.lock() throws lockstep::lock_order_error
//
//   lockstep::lock_backoff(file_mu, net_mu);  // any lockables; then unlock each
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "lockstep/std_platform.hpp"

namespace lockstep {

// Thrown by RankedMutex::lock() when the calling thread already holds a lock of an equal or
// higher rank: that acquisition order can deadlock against the documented one.
class lock_order_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// A mutex with a rank: a thread may only block on it (lock()) while every RankedMutex<P> it
// holds has a strictly lower rank. Violations throw lock_order_error (nothing is acquired),
// whether or not the schedule would have deadlocked. Locks held together need distinct
// ranks (equal ranks are rejected: their order would be unspecified). Ranks are per platform type
// P: all RankedMutex<P> of a program share one order. Lockable: works with std::lock_guard /
// std::unique_lock.
template <class P = std_platform>
class RankedMutex {
 public:
  explicit RankedMutex(std::uint32_t rank) : rank_(rank) {}
  RankedMutex(const RankedMutex&) = delete;
  RankedMutex& operator=(const RankedMutex&) = delete;

  std::uint32_t rank() const noexcept { return rank_; }

  void lock() {
    check_order();
    m_.lock();
    held().push_back(rank_);
  }
  bool try_lock() {
    // Not checked: a try_lock never waits, so it adds no wait-for edge. The rule stays sound
    // because every blocking lock() checks against all held ranks, try-locked ones included:
    // a blocked thread waits only for a rank above all it holds, so wait-for chains strictly
    // increase in rank and cannot close a cycle. (This also lets lock_backoff use ranks.)
    if (!m_.try_lock()) return false;
    held().push_back(rank_);
    return true;
  }
  void unlock() {
    // Unlocking in any order is allowed: remove this rank's most recent entry.
    auto& h = held();
    auto it = std::find(h.rbegin(), h.rend(), rank_);
    if (it != h.rend()) h.erase(std::next(it).base());
    m_.unlock();
  }

 private:
  // The ranks held by the calling thread, over all RankedMutex<P> objects. A vector: a
  // thread holds a handful of locks at most, and unlocks need not be LIFO.
  static std::vector<std::uint32_t>& held() { return held_.get(); }
  void check_order() const {
    for (std::uint32_t r : held())
      if (r >= rank_)
        throw lock_order_error("lock order violation: acquiring rank " + std::to_string(rank_) +
                               " while holding rank " + std::to_string(r));
  }

  // Per thread, shared by all RankedMutex<P>. With std_platform a lookup in a per-thread
  // hash table on every lock/unlock: the price of the check (tens of ns).
  static inline typename P::template thread_local_var<std::vector<std::uint32_t>> held_;
  typename P::mutex m_;
  const std::uint32_t rank_;
};

namespace multi_lock_detail {

template <class L>
concept has_rank = requires(const L& l) {
  { l.rank() } -> std::convertible_to<std::uint32_t>;
};

// The global order: by rank when the type has one (ties by address), else by address.
// std::less gives a total order on pointers even where `<` would not.
template <class L>
bool before(const L* a, const L* b) {
  if constexpr (has_rank<L>) {
    if (a->rank() != b->rank()) return a->rank() < b->rank();
  }
  return std::less<const L*>{}(a, b);
}

}  // namespace multi_lock_detail

// Locks a runtime set of lockables of one type in the global order and unlocks them (in
// reverse) on destruction. Duplicates are locked once, so a transfer from an account to
// itself needs no special case. If a lock() throws, the locks already taken are released.
// Up to kInline locks are kept in the guard itself (no allocation for the common pair).
template <class L>
class OrderedLockGuard {
 public:
  static constexpr std::size_t kInline = 4;

  explicit OrderedLockGuard(std::span<L* const> locks) { acquire(locks); }
  OrderedLockGuard(std::initializer_list<L*> locks) {
    acquire(std::span<L* const>(locks.begin(), locks.size()));
  }
  OrderedLockGuard(const OrderedLockGuard&) = delete;
  OrderedLockGuard& operator=(const OrderedLockGuard&) = delete;
  ~OrderedLockGuard() { release(n_); }

 private:
  void acquire(std::span<L* const> locks) {
    if (locks.size() > kInline) {
      heap_.assign(locks.begin(), locks.end());
      ls_ = heap_.data();
    } else {
      std::copy(locks.begin(), locks.end(), inline_.begin());
      ls_ = inline_.data();
    }
    std::sort(ls_, ls_ + locks.size(), multi_lock_detail::before<L>);
    const std::size_t n = static_cast<std::size_t>(std::unique(ls_, ls_ + locks.size()) - ls_);
    std::size_t taken = 0;
    try {
      for (; taken < n; ++taken) ls_[taken]->lock();
    } catch (...) {
      release(taken);
      throw;
    }
    n_ = n;
  }
  void release(std::size_t n) {
    while (n > 0) ls_[--n]->unlock();
  }
  std::array<L*, kInline> inline_{};
  std::vector<L*> heap_;
  L** ls_ = nullptr;
  std::size_t n_ = 0;
};

// Locks every argument (all of type L) in the global order; the caller unlocks each distinct
// lock once (an argument named twice is locked once). No allocation.
template <class L, class... Ls>
requires(std::same_as<L, Ls>&&...) void lock_ordered(L& first, Ls&... rest) {
  std::array<L*, 1 + sizeof...(Ls)> ls{&first, &rest...};
  std::sort(ls.begin(), ls.end(), multi_lock_detail::before<L>);
  std::size_t taken = 0;
  try {
    for (; taken < ls.size(); ++taken)
      if (taken == 0 || ls[taken] != ls[taken - 1]) ls[taken]->lock();
  } catch (...) {
    while (taken > 0) {
      --taken;
      if (taken == 0 || ls[taken] != ls[taken - 1]) ls[taken]->unlock();
    }
    throw;
  }
}

namespace multi_lock_detail {
// Type-erased reference to a lockable, so lock_backoff can index locks of different types.
struct lockable_ref {
  void* p;
  void (*lock)(void*);
  bool (*try_lock)(void*);
  void (*unlock)(void*);
};
template <class L>
lockable_ref make_ref(L& l) {
  return {&l, [](void* p) { static_cast<L*>(p)->lock(); },
          [](void* p) { return static_cast<L*>(p)->try_lock(); },
          [](void* p) { static_cast<L*>(p)->unlock(); }};
}
}  // namespace multi_lock_detail

// Locks every argument (any Lockable types, distinct objects) without a global order: block
// on one, try the rest, on failure release all, yield (P::this_thread::yield) and restart
// by blocking on the one that failed — waiting where the contention is instead of spinning.
// Returns the number of rounds that had to back off (0: no contention), for diagnostics.
// Deadlock-free; livelock-free only probabilistically (see the header comment).
template <class P = std_platform, class... L>
requires(sizeof...(L) >= 1) int lock_backoff(L&... locks) {
  std::array<multi_lock_detail::lockable_ref, sizeof...(L)> ls{
      multi_lock_detail::make_ref(locks)...};
  constexpr std::size_t n = sizeof...(L);
  std::size_t first = 0;
  for (int rounds = 0;; ++rounds) {
    ls[first].lock(ls[first].p);
    std::size_t failed = n;
    for (std::size_t k = 1; k < n; ++k) {
      std::size_t i = (first + k) % n;
      if (!ls[i].try_lock(ls[i].p)) {
        failed = i;
        // Release what this round took: `first` and the ones tried before `i`.
        for (std::size_t j = 0; j < k; ++j) {
          std::size_t u = (first + j) % n;
          ls[u].unlock(ls[u].p);
        }
        break;
      }
    }
    if (failed == n) return rounds;
    first = failed;
    P::this_thread::yield();
  }
}

}  // namespace lockstep
