// lockstep/counters.hpp — three linearizable 64-bit counters with different contention costs.
//
// Guarantees (all three are linearizable against models::counter)
//   * LockedCounter: every operation runs under one mutex. The baseline: simple, and every
//     operation (add, get, add_if_below) is a single critical section.
//   * ShardedCounter: add() touches only the calling thread's shard (shards are padded to a
//     cache line, so threads on different shards never share a line); total() is a CONSISTENT
//     snapshot: it locks every shard in index order, sums, then unlocks. While total() holds
//     all shard locks no add can take effect, so the sum equals the counter's value at one
//     instant (the moment the last shard lock was taken) — summing shard by shard under
//     separate short locks would not be linearizable (an add on a shard already read plus
//     an add on a shard not yet read can produce a sum that never existed). The lock order is
//     the same for every total(), so concurrent totals cannot deadlock. Adds are cheap and
//     scale; total() is O(shards) and briefly blocks adds.
//   * AtomicCounter: lock-free. add() and add_if_below() are compare-and-swap loops on one
//     atomic word; add_if_below(d, limit) adds d only if the result stays below `limit` — the
//     check and the add are one CAS, so two threads can never both pass the check against the
//     same old value (a load + store would let them overshoot the limit).
//
// Usage
//   lockstep::ShardedCounter<> hits;           // one shard per hardware thread (at least 1)
//   hits.add(1);                               // from many threads
//   std::int64_t n = hits.total();             // consistent snapshot
//   lockstep::AtomicCounter<> slots;
//   if (slots.add_if_below(1, 10)) { ... at most 10 holders ... }
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

#include "lockstep/std_platform.hpp"

namespace lockstep {

// One critical section per operation.
template <class P = std_platform>
class LockedCounter {
 public:
  void add(std::int64_t delta) {
    std::lock_guard<typename P::mutex> g(mu_);
    value_ += delta;
  }
  // Adds `delta` iff value + delta < limit; returns whether it did.
  bool add_if_below(std::int64_t delta, std::int64_t limit) {
    std::lock_guard<typename P::mutex> g(mu_);
    if (value_.get() + delta >= limit) return false;
    value_ += delta;
    return true;
  }
  std::int64_t get() const {
    std::lock_guard<typename P::mutex> g(mu_);
    return value_.get();
  }

 private:
  mutable typename P::mutex mu_;
  typename P::template var<std::int64_t> value_{0};  // guarded by mu_
};

namespace detail {
// A stable small number for the calling thread, used to pick its shard. The model's thread
// ids are already small integers (0 = the test body, 1.. = spawned threads). On real threads
// the hash of the thread id is computed once per thread (hashing std::thread::id costs more
// than the add itself); a model thread is a fiber and must not use C++ thread_local storage.
template <class P>
std::size_t counter_thread_hint() {
  if constexpr (P::is_model) {
    return static_cast<std::size_t>(P::this_thread::get_id().value);
  } else {
    static thread_local const std::size_t hint =
        std::hash<typename P::thread_id>{}(P::this_thread::get_id());
    return hint;
  }
}
}  // namespace detail

// Per-thread shards, consistent total (see the header comment).
template <class P = std_platform>
class ShardedCounter {
 public:
  // `shards` = 0 picks one per hardware thread; the count is rounded up to a power of two
  // (a mask, not a division, picks the shard on every add).
  explicit ShardedCounter(std::size_t shards = 0)
      : n_(std::bit_ceil(shards ? shards
                                : std::max<std::size_t>(1, std::thread::hardware_concurrency()))),
        shards_(std::make_unique<Shard[]>(n_)) {}

  void add(std::int64_t delta) {
    Shard& s = shards_[detail::counter_thread_hint<P>() & (n_ - 1)];
    std::lock_guard<typename P::mutex> g(s.mu);
    s.value += delta;
  }

  // The counter's value at one instant: all shard locks are held while summing.
  std::int64_t total() const {
    for (std::size_t i = 0; i < n_; ++i) shards_[i].mu.lock();  // ascending: no deadlock
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < n_; ++i) sum += shards_[i].value.get();
    for (std::size_t i = n_; i-- > 0;) shards_[i].mu.unlock();
    return sum;
  }

  std::size_t shards() const noexcept { return n_; }

 private:
  // A cache line per shard, so adds on different shards never contend on one line.
  struct alignas(64) Shard {
    mutable typename P::mutex mu;
    typename P::template var<std::int64_t> value{0};  // guarded by mu
  };

  const std::size_t n_;
  std::unique_ptr<Shard[]> shards_;
};

// Lock-free counter built on compare-and-swap.
template <class P = std_platform>
class AtomicCounter {
 public:
  void add(std::int64_t delta) {
    std::int64_t cur = v_.load(std::memory_order_relaxed);
    // On failure `cur` is reloaded; retry until our delta lands on the value we read.
    while (!v_.compare_exchange_weak(cur, cur + delta, std::memory_order_acq_rel,
                                     std::memory_order_relaxed)) {
    }
  }
  // Adds `delta` iff value + delta < limit, atomically; returns whether it did.
  bool add_if_below(std::int64_t delta, std::int64_t limit) {
    std::int64_t cur = v_.load(std::memory_order_relaxed);
    while (cur + delta < limit) {
      if (v_.compare_exchange_weak(cur, cur + delta, std::memory_order_acq_rel,
                                   std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  std::int64_t get() const { return v_.load(std::memory_order_acquire); }

 private:
  typename P::template atomic<std::int64_t> v_{0};
};

}  // namespace lockstep
