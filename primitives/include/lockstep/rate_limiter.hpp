// lockstep/rate_limiter.hpp — token-bucket rate limiters: locked, per-thread and lock-free.
//
// Guarantees (all three)
//   * A bucket holds at most `capacity` tokens and refills at `rate` tokens per second of
//     P::clock time; try_acquire() takes one token if there is one and never blocks.
//   * Over any time window of length d, the tokens granted are at most
//     capacity + rate * d. Refill is computed in integer microseconds and rounds against the
//     caller (a fractional token is carried, never granted early), so the bound is exact.
//   * The limiter starts full.
//
// The variants
//   LockedRateLimiter    one bucket under a mutex: simple, exact, serialises callers.
//   ThreadLocalRateLimiter  one bucket per thread (P::thread_local_var), each with
//                        capacity/max_threads and rate/max_threads: no sharing at all on the
//                        fast path, but a thread cannot use another thread's idle share, and
//                        at most max_threads threads get a bucket (later threads are denied,
//                        which keeps the global bound). Shares are rounded down.
//   LockFreeRateLimiter  one bucket packed in a 64-bit atomic (44 bits: last refill time in
//                        microseconds since construction, ~203 days; 20 bits: tokens, so
//                        capacity < 2^20), updated by compare-exchange: lock-free.
//
// Usage
//   lockstep::LockFreeRateLimiter<> limiter(/*capacity=*/100, /*rate_per_sec=*/50);
//   if (limiter.try_acquire()) serve(); else reject();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "lockstep/std_platform.hpp"

namespace lockstep {

namespace rate_limiter_detail {

// One token bucket's arithmetic, shared by the three variants.
struct bucket_math {
  std::uint64_t capacity;
  std::uint64_t rate_per_sec;

  // Refills a bucket holding `tokens` last refilled at `last_us`, at time `now_us`. The
  // refill time advances only by the time the granted whole tokens took (rounded up), so
  // the remainder keeps accruing; a full bucket restarts the clock at now.
  void refill(std::uint64_t& tokens, std::uint64_t& last_us, std::uint64_t now_us) const {
    if (now_us <= last_us) return;
    if (tokens >= capacity || rate_per_sec == 0) {
      if (tokens >= capacity) last_us = now_us;
      return;
    }
    std::uint64_t elapsed = now_us - last_us;
    // Long idle: the bucket is full anyway; this also keeps elapsed * rate from overflowing.
    if (elapsed > capacity * 1'000'000 / rate_per_sec + 1) {
      tokens = capacity;
      last_us = now_us;
      return;
    }
    std::uint64_t add = elapsed * rate_per_sec / 1'000'000;
    if (add == 0) return;
    if (tokens + add >= capacity) {
      tokens = capacity;
      last_us = now_us;
      return;
    }
    tokens += add;
    last_us += (add * 1'000'000 + rate_per_sec - 1) / rate_per_sec;
  }
};

template <class P>
std::uint64_t micros_since(typename P::clock::time_point start) {
  auto d = P::clock::now() - start;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

}  // namespace rate_limiter_detail

template <class P = std_platform>
class LockedRateLimiter {
 public:
  LockedRateLimiter(std::uint64_t capacity, std::uint64_t rate_per_sec)
      : math_{capacity, rate_per_sec}, start_(P::clock::now()), state_(State{capacity, 0}) {}
  LockedRateLimiter(const LockedRateLimiter&) = delete;
  LockedRateLimiter& operator=(const LockedRateLimiter&) = delete;

  bool try_acquire() {
    std::uint64_t now = rate_limiter_detail::micros_since<P>(start_);
    std::lock_guard<typename P::mutex> g(mu_);
    State& s = state_.ref();
    math_.refill(s.tokens, s.last_us, now);
    if (s.tokens == 0) return false;
    --s.tokens;
    return true;
  }

  // The clock reading this limiter's times are measured from (its construction). Tests
  // that relate their own clock readings to the limiter's refill times measure from it too.
  typename P::clock::time_point start_time() const { return start_; }

 private:
  struct State {
    std::uint64_t tokens;
    std::uint64_t last_us;
  };
  const rate_limiter_detail::bucket_math math_;
  const typename P::clock::time_point start_;
  typename P::mutex mu_;
  typename P::template var<State> state_;
};

template <class P = std_platform>
class ThreadLocalRateLimiter {
 public:
  ThreadLocalRateLimiter(std::uint64_t capacity, std::uint64_t rate_per_sec,
                         std::uint32_t max_threads)
      : math_{capacity / (max_threads ? max_threads : 1),
              rate_per_sec / (max_threads ? max_threads : 1)},
        max_threads_(max_threads),
        start_(P::clock::now()) {
    if (max_threads == 0) throw std::invalid_argument("max_threads must be at least 1");
  }
  ThreadLocalRateLimiter(const ThreadLocalRateLimiter&) = delete;
  ThreadLocalRateLimiter& operator=(const ThreadLocalRateLimiter&) = delete;

  bool try_acquire() {
    std::uint64_t now = rate_limiter_detail::micros_since<P>(start_);
    Bucket& b = buckets_.get();
    if (b.state == Bucket::kNew) {
      // Claim one of the max_threads shares; relaxed is enough, the counter orders nothing.
      bool got = registered_.fetch_add(1, std::memory_order_relaxed) < max_threads_;
      b.state = got ? Bucket::kActive : Bucket::kDenied;
      b.tokens = math_.capacity;
      b.last_us = now;
    }
    if (b.state == Bucket::kDenied) return false;
    math_.refill(b.tokens, b.last_us, now);
    if (b.tokens == 0) return false;
    --b.tokens;
    return true;
  }

 private:
  struct Bucket {
    enum : std::uint8_t { kNew, kActive, kDenied };
    std::uint8_t state = kNew;
    std::uint64_t tokens = 0;
    std::uint64_t last_us = 0;
  };
  const rate_limiter_detail::bucket_math math_;
  const std::uint32_t max_threads_;
  const typename P::clock::time_point start_;
  typename P::template atomic<std::uint32_t> registered_{0};
  typename P::template thread_local_var<Bucket> buckets_;
};

template <class P = std_platform>
class LockFreeRateLimiter {
 public:
  static constexpr unsigned kTokenBits = 20;
  static constexpr std::uint64_t kTokenMask = (std::uint64_t{1} << kTokenBits) - 1;

  LockFreeRateLimiter(std::uint64_t capacity, std::uint64_t rate_per_sec)
      : math_{capacity, rate_per_sec}, start_(P::clock::now()), state_(pack(capacity, 0)) {
    if (capacity > kTokenMask) throw std::invalid_argument("capacity must be < 2^20");
  }
  LockFreeRateLimiter(const LockFreeRateLimiter&) = delete;
  LockFreeRateLimiter& operator=(const LockFreeRateLimiter&) = delete;

  bool try_acquire() {
    std::uint64_t now = rate_limiter_detail::micros_since<P>(start_);
    std::uint64_t cur = state_.load(std::memory_order_relaxed);
    for (;;) {
      std::uint64_t tokens = cur & kTokenMask;
      std::uint64_t last = cur >> kTokenBits;
      math_.refill(tokens, last, now);
      if (tokens == 0) return false;
      // The refill and the take are one CAS: if another thread changed the state since our
      // load, we recompute from what it wrote (cur is updated by the failed CAS). Relaxed is
      // enough: the state is the only shared datum and grants publish nothing.
      if (state_.compare_exchange_weak(cur, pack(tokens - 1, last), std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
        return true;
      }
      P::spin_pause();
    }
  }

  // The clock reading this limiter's times are measured from (its construction). Tests
  // that relate their own clock readings to the limiter's refill times measure from it too.
  typename P::clock::time_point start_time() const { return start_; }

 private:
  static std::uint64_t pack(std::uint64_t tokens, std::uint64_t last_us) {
    return (last_us << kTokenBits) | tokens;
  }
  const rate_limiter_detail::bucket_math math_;
  const typename P::clock::time_point start_;
  typename P::template atomic<std::uint64_t> state_;
};

}  // namespace lockstep
