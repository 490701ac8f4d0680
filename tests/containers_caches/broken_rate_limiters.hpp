// Deliberately broken token-bucket limiters (the checker's targets in the rate-limiter model
// and property tests). Same interface as lockstep::LockedRateLimiter, including start_time().
#pragma once

#include <lockstep/rate_limiter.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace broken_rate_limiters {

// The packed 64-bit state of LockFreeRateLimiter (20 bits of tokens, the refill time above),
// for the two broken lock-free twins below.
template <class P>
class packed_bucket {
 public:
  packed_bucket(std::uint64_t capacity, std::uint64_t rate)
      : math_{capacity, rate}, start_(P::clock::now()), state_(capacity) {}
  typename P::clock::time_point start_time() const { return start_; }

 protected:
  // One attempt: loads the state, refills it for this call's time and, if a token is there,
  // returns commit(loaded, next) — next being the state with that token taken — where the
  // twins differ in how they publish it; no token: false.
  template <class Commit>
  bool try_take(Commit commit) {
    const std::uint64_t now = lockstep::rate_limiter_detail::micros_since<P>(start_);
    std::uint64_t cur = state_.load(std::memory_order_relaxed);
    std::uint64_t tokens = cur & 0xFFFFF, last = cur >> 20;
    math_.refill(tokens, last, now);
    if (tokens == 0) return false;
    return commit(cur, (last << 20) | (tokens - 1));
  }

  lockstep::rate_limiter_detail::bucket_math math_;
  typename P::clock::time_point start_;
  typename P::template atomic<std::uint64_t> state_;
};

// The lock-free limiter with a load and a store instead of a compare-exchange: two threads
// that load the same state both take "the last token", and one decrement is lost.
template <class P>
class load_store : public packed_bucket<P> {
 public:
  using packed_bucket<P>::packed_bucket;
  bool try_acquire() {
    return this->try_take([this](std::uint64_t, std::uint64_t next) {
      this->state_.store(next, std::memory_order_relaxed);  // BUG: not a CAS
      return true;
    });
  }
};

// The lock-free limiter without its retry loop: a failed compare-exchange (another thread
// took a token since the load) is reported as a denial although tokens may be left. It never
// over-grants, so only a check that also judges denials catches it.
template <class P>
class gives_up_on_contention : public packed_bucket<P> {
 public:
  using packed_bucket<P>::packed_bucket;
  bool try_acquire() {
    return this->try_take([this](std::uint64_t cur, std::uint64_t next) {
      // BUG: no retry; the failed CAS means "the state changed", not "no token".
      return this->state_.compare_exchange_strong(cur, next, std::memory_order_relaxed,
                                                  std::memory_order_relaxed);
    });
  }
};

// The locked limiter split into check and act: it refills and looks for a token under the
// lock, unlocks, and re-locks to take it. A caller in between can take that token; the taker
// then finds none and (not to underflow) takes nothing, but still reports a grant.
template <class P>
class check_then_act {
 public:
  check_then_act(std::uint64_t capacity, std::uint64_t rate)
      : math_{capacity, rate}, start_(P::clock::now()), state_(State{capacity, 0}) {}
  bool try_acquire() {
    std::uint64_t now = lockstep::rate_limiter_detail::micros_since<P>(start_);
    {
      std::lock_guard<typename P::mutex> g(mu_);
      State& s = state_.ref();
      math_.refill(s.tokens, s.last_us, now);
      if (s.tokens == 0) return false;
    }
    std::lock_guard<typename P::mutex> g(mu_);  // BUG: the token seen above may be gone
    State& s = state_.ref();
    if (s.tokens > 0) --s.tokens;
    return true;
  }
  typename P::clock::time_point start_time() const { return start_; }

 private:
  struct State {
    std::uint64_t tokens;
    std::uint64_t last_us;
  };
  lockstep::rate_limiter_detail::bucket_math math_;
  typename P::clock::time_point start_;
  typename P::mutex mu_;
  typename P::template var<State> state_;
};

}  // namespace broken_rate_limiters
