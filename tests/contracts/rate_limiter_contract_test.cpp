// Contract tests of the token-bucket limiters (rate_limiter.hpp): the refill arithmetic at its
// exact boundaries on the virtual clock. A thread probes a limiter at chosen microseconds (the
// first token back exactly one token-time after the bucket emptied and not a microsecond
// before, a half token carried across a grant, a refill that fills the bucket with a fraction
// to spare, a long idle) and every answer is compared with the stated bucket: at most
// `capacity` tokens, `rate` tokens per second, starting full, a fractional token carried and
// never granted early. At a rate whose token-time is a whole number of microseconds the
// limiter's integer arithmetic is exact, so every answer must equal the ideal bucket's; at
// other rates the limiter may only be stricter. Two threads at the same boundary instants
// get exactly the tokens there are (C11 mode too: the lock-free limiter and the thread-local
// registration use relaxed orders). Broken twins: copies of LockedRateLimiter whose refill
// has one line changed.
#include <lockstep/check.hpp>
#include <lockstep/rate_limiter.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/cross_check.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;
using namespace std::chrono_literals;

namespace {

// The stated bucket in exact integer arithmetic: credit in token-microseconds per second
// (one token = 1'000'000; each microsecond adds `rate`), capped at capacity tokens.
class ideal_bucket {
 public:
  ideal_bucket(std::int64_t capacity, std::int64_t rate)
      : cap_(capacity * kToken), rate_(rate), credit_(cap_) {}
  bool try_acquire(std::int64_t now_us) {
    credit_ = std::min(cap_, credit_ + (now_us - last_us_) * rate_);
    last_us_ = now_us;
    if (credit_ < kToken) return false;
    credit_ -= kToken;
    return true;
  }

 private:
  static constexpr std::int64_t kToken = 1'000'000;
  std::int64_t cap_, rate_, credit_, last_us_ = 0;
};

struct probe {
  std::int64_t at_us;  // since the limiter's construction
  int attempts;
};

// Capacity 2, one token per millisecond. Each line names the boundary it probes.
const std::vector<probe> kBoundaries = {
    {0, 3},      // starts full: exactly `capacity` grants
    {999, 1},    // one microsecond short of a token
    {1000, 2},   // exactly one token-time: one token, not two
    {2500, 2},   // a token and a half: one granted, the half carried
    {2999, 1},   // the carried half plus 499 µs: still short
    {3000, 2},   // the carried half completes exactly now
    {10000, 1},  // long idle: full, one taken (one left)
    {11500, 3},  // one left + 1.5 refilled: full with half a token to spare, which is lost
    {12000, 2},  // so only half a token since 11500: nothing
    {12500, 2},  // one token-time after the bucket was last full
};

// The first call comes after construction but within a token-time: the full bucket's refill
// time must restart at that call (a full bucket accrues nothing), so the next token comes a
// token-time after it, not after construction.
const std::vector<probe> kLateStart = {
    {500, 1},   // full: one taken, the refill time restarts here
    {1000, 2},  // half a token since 500: the one left, then nothing
    {1499, 1},  // a microsecond short
    {1500, 2},  // exactly a token-time after 500
};

// Probes `limiter` from one thread and compares every answer with the ideal bucket:
// `exact`: equal; otherwise a grant must be one the ideal bucket also gives.
template <class Limiter>
void probe_boundaries(Limiter& limiter, P::clock::time_point start, std::int64_t capacity,
                      std::int64_t rate, const std::vector<probe>& probes, bool exact) {
  ideal_bucket ideal(capacity, rate);
  for (const probe& p : probes) {
    P::this_thread::sleep_until(start + std::chrono::microseconds(p.at_us));
    for (int i = 0; i < p.attempts; ++i) {
      const bool want = ideal.try_acquire(p.at_us);
      const bool got = limiter.try_acquire();
      if (exact || got) {
        LOCKSTEP_ASSERT(got == want)
            << "at " << p.at_us << " us, attempt " << i + 1 << ": " << (got ? "granted" : "denied")
            << ", the bucket says " << (want ? "grant" : "deny");
      }
    }
  }
}

template <class Limiter, class... Extra>
void boundaries(Extra... extra) {
  for (const auto* probes : {&kBoundaries, &kLateStart}) {
    const auto start = P::clock::now();
    Limiter limiter(2, 1000, extra...);
    probe_boundaries(limiter, start, 2, 1000, *probes, true);
  }
}

// 3000 tokens per second: a token every 333.3 µs, never a whole number of microseconds. The
// limiter rounds the refill time up, so it may deny where the ideal bucket grants, never the
// reverse.
template <class Limiter>
void fractional_rate() {
  const auto start = P::clock::now();
  Limiter limiter(1, 3000);
  std::vector<probe> probes;
  for (std::int64_t t = 0; t <= 1400; t += 111) probes.push_back({t, 2});
  for (std::int64_t t : {1666, 1667, 2000, 2001, 2333, 2334}) probes.push_back({t, 1});
  probe_boundaries(limiter, start, 1, 3000, probes, false);
}

// Two threads try twice at 0 and, once both have, twice at exactly 1000 µs; returns the
// grants between them, however the attempts interleave.
template <class Limiter>
int grants_of_two_threads_at_boundaries(Limiter& limiter, P::clock::time_point start) {
  P::atomic<int> grants{0};
  P::latch at_zero(2);  // nobody's sleep moves the clock before every thread tried at 0
  auto body = [&] {
    for (std::int64_t at : {0, 1000}) {
      P::this_thread::sleep_until(start + std::chrono::microseconds(at));
      for (int i = 0; i < 2; ++i)
        if (limiter.try_acquire()) grants.fetch_add(1, std::memory_order_relaxed);
      if (at == 0) at_zero.arrive_and_wait();
    }
  };
  P::thread t(body);
  body();
  t.join();
  return grants.load();
}

// Capacity 1 at one token per millisecond: exactly two grants in total.
template <class Limiter>
void two_threads_at_boundaries() {
  const auto start = P::clock::now();
  Limiter limiter(1, 1000);
  const int grants = grants_of_two_threads_at_boundaries(limiter, start);
  LOCKSTEP_ASSERT(grants == 2) << grants << " grants, the bucket holds 2";
}

enum class refill_bug {
  full_keeps_lag,       // `tokens + add > capacity`: a refill that exactly fills keeps the old time
  restart_clock,        // the refill time jumps to now: the carried fraction is lost
  early_token,          // `add` rounded up: a fractional token is granted early
  start_empty,          // the bucket starts with capacity - 1 tokens
  full_keeps_old_time,  // `tokens > capacity`: a full bucket keeps accruing from its old time
};

// LockedRateLimiter (rate_limiter.hpp) with the refill arithmetic's bug B.
template <refill_bug B>
class TwinLockedLimiter {
 public:
  TwinLockedLimiter(std::uint64_t capacity, std::uint64_t rate)
      : cap_(capacity),
        rate_(rate),
        start_(P::clock::now()),
        tokens_(B == refill_bug::start_empty ? capacity - 1 : capacity) {}
  bool try_acquire() {
    const std::uint64_t now = lockstep::rate_limiter_detail::micros_since<P>(start_);
    std::lock_guard<P::mutex> g(mu_);
    refill(now);
    if (tokens_.get() == 0) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  void refill(std::uint64_t now_us) {
    std::uint64_t tokens = tokens_.get(), last_us = last_us_.get();
    if (now_us <= last_us) return;
    if (B == refill_bug::full_keeps_old_time ? tokens > cap_ : tokens >= cap_) {
      last_us_ = now_us;
      return;
    }
    const std::uint64_t elapsed = now_us - last_us;
    if (elapsed > cap_ * 1'000'000 / rate_ + 1) {
      tokens = cap_;
      last_us = now_us;
    } else {
      const std::uint64_t add = B == refill_bug::early_token
                                    ? (elapsed * rate_ + 999'999) / 1'000'000
                                    : elapsed * rate_ / 1'000'000;
      if (add == 0) return;
      if (B == refill_bug::full_keeps_lag ? tokens + add > cap_ : tokens + add >= cap_) {
        tokens = cap_;
        last_us = now_us;
      } else {
        tokens += add;
        last_us = B == refill_bug::restart_clock ? now_us
                                                 : last_us + (add * 1'000'000 + rate_ - 1) / rate_;
      }
    }
    tokens_ = tokens;
    last_us_ = last_us;
  }
  const std::uint64_t cap_, rate_;
  const P::clock::time_point start_;
  P::mutex mu_;
  P::var<std::uint64_t> tokens_;
  P::var<std::uint64_t> last_us_{0};
};

bool lock_free_ctor_throws(std::uint64_t capacity) {
  try {
    lockstep::LockFreeRateLimiter<P> l(capacity, 1000);
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

LOCKSTEP_TEST(rate_limiter_locked_refill_boundaries) {
  boundaries<lockstep::LockedRateLimiter<P>>();
}
LOCKSTEP_TEST(rate_limiter_lock_free_refill_boundaries) {
  boundaries<lockstep::LockFreeRateLimiter<P>>();
}
LOCKSTEP_TEST(rate_limiter_thread_local_refill_boundaries) {
  boundaries<lockstep::ThreadLocalRateLimiter<P>>(std::uint32_t{1});
}
// Shares are rounded down: capacity 5 and rate 2001 over 2 threads is capacity 2 and rate
// 1000 for the one thread that runs.
LOCKSTEP_TEST(rate_limiter_thread_local_share_rounds_down) {
  const auto start = P::clock::now();
  lockstep::ThreadLocalRateLimiter<P> limiter(5, 2001, 2);
  probe_boundaries(limiter, start, 2, 1000, kBoundaries, true);
}

LOCKSTEP_TEST(rate_limiter_broken_full_bucket_keeps_old_time_is_caught,
              {.expect = failure_kind::assertion}) {
  const auto start = P::clock::now();
  TwinLockedLimiter<refill_bug::full_keeps_old_time> limiter(2, 1000);
  probe_boundaries(limiter, start, 2, 1000, kLateStart, true);
}
LOCKSTEP_TEST(rate_limiter_broken_full_keeps_lag_is_caught, {.expect = failure_kind::assertion}) {
  boundaries<TwinLockedLimiter<refill_bug::full_keeps_lag>>();
}
LOCKSTEP_TEST(rate_limiter_broken_restart_clock_is_caught, {.expect = failure_kind::assertion}) {
  boundaries<TwinLockedLimiter<refill_bug::restart_clock>>();
}
LOCKSTEP_TEST(rate_limiter_broken_early_token_is_caught, {.expect = failure_kind::assertion}) {
  boundaries<TwinLockedLimiter<refill_bug::early_token>>();
}
LOCKSTEP_TEST(rate_limiter_broken_start_empty_is_caught, {.expect = failure_kind::assertion}) {
  boundaries<TwinLockedLimiter<refill_bug::start_empty>>();
}

LOCKSTEP_TEST(rate_limiter_locked_fractional_rate_never_early) {
  fractional_rate<lockstep::LockedRateLimiter<P>>();
}
LOCKSTEP_TEST(rate_limiter_lock_free_fractional_rate_never_early) {
  fractional_rate<lockstep::LockFreeRateLimiter<P>>();
}
LOCKSTEP_TEST(rate_limiter_broken_early_token_fractional_is_caught,
              {.expect = failure_kind::assertion}) {
  fractional_rate<TwinLockedLimiter<refill_bug::early_token>>();
}

LOCKSTEP_TEST(rate_limiter_locked_two_threads_at_boundaries) {
  two_threads_at_boundaries<lockstep::LockedRateLimiter<P>>();
}
LOCKSTEP_TEST(rate_limiter_lock_free_two_threads_at_boundaries_c11, {.memory = memory_model::c11}) {
  two_threads_at_boundaries<lockstep::LockFreeRateLimiter<P>>();
}

// Each thread of a thread-local limiter has its own share; the registration counter (relaxed)
// admits max_threads of them: with capacity 2 and rate 2000 over 2 threads, each gets one
// token at 0 and one at 1000 µs (both try at 0 before the clock moves, so both shares start
// at 0). A thread beyond max_threads: rate_limiter_thread_local_denies_beyond_max_threads.
LOCKSTEP_TEST(rate_limiter_thread_local_shares_c11, {.memory = memory_model::c11}) {
  const auto start = P::clock::now();
  lockstep::ThreadLocalRateLimiter<P> limiter(2, 2000, 2);
  const int grants = grants_of_two_threads_at_boundaries(limiter, start);
  LOCKSTEP_ASSERT(grants == 4) << grants << " grants, two shares of 2";
}

// Rate 0 never refills; capacity 0 never grants; the lock-free limiter's capacity bound.
LOCKSTEP_TEST(rate_limiter_zero_rate_and_capacity) {
  lockstep::LockedRateLimiter<P> no_rate(1, 0);
  lockstep::LockFreeRateLimiter<P> no_rate_lf(1, 0);
  lockstep::LockFreeRateLimiter<P> empty(0, 1000);
  LOCKSTEP_ASSERT(no_rate.try_acquire() && !no_rate.try_acquire());
  LOCKSTEP_ASSERT(no_rate_lf.try_acquire() && !no_rate_lf.try_acquire());
  LOCKSTEP_ASSERT(!empty.try_acquire()) << "a bucket of capacity 0 granted";
  P::this_thread::sleep_for(10ms);
  LOCKSTEP_ASSERT(!no_rate.try_acquire() && !no_rate_lf.try_acquire()) << "rate 0 refilled";
  LOCKSTEP_ASSERT(!empty.try_acquire()) << "a bucket of capacity 0 granted";
  // "capacity < 2^20", as stated (not relative to the class's own mask).
  LOCKSTEP_ASSERT(!lock_free_ctor_throws((std::uint64_t{1} << 20) - 1));
  LOCKSTEP_ASSERT(lock_free_ctor_throws(std::uint64_t{1} << 20));
  bool threw = false;
  try {
    lockstep::ThreadLocalRateLimiter<P> none(2, 1000, 0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "max_threads 0 accepted";
}

// At most max_threads threads get a share: with max_threads 1, two threads trying twice at
// 0 get exactly the one share's 2 tokens between them (the later registrant is denied).
LOCKSTEP_TEST(rate_limiter_thread_local_denies_beyond_max_threads) {
  lockstep::ThreadLocalRateLimiter<P> limiter(2, 1000, 1);
  P::atomic<int> grants{0};
  auto body = [&] {
    for (int i = 0; i < 2; ++i)
      if (limiter.try_acquire()) grants.fetch_add(1, std::memory_order_relaxed);
  };
  P::thread t(body);
  body();
  t.join();
  LOCKSTEP_ASSERT(grants.load() == 2) << grants.load() << " grants from one share of 2";
}

// The lock-free limiter's packed state at its widest: capacity 2^20 - 1 starts full and
// the token count does not spill into the refill time.
LOCKSTEP_TEST(rate_limiter_lock_free_widest_capacity) {
  const std::uint64_t cap = (std::uint64_t{1} << 20) - 1;
  lockstep::LockFreeRateLimiter<P> limiter(cap, 1000);
  P::this_thread::sleep_for(std::chrono::microseconds(1500));
  LOCKSTEP_ASSERT(limiter.try_acquire() && limiter.try_acquire()) << "a full bucket denied";
}

// Loop pruning on LockFreeRateLimiter's CAS loop (the graph engine cuts its failed retries,
// which end in spin_pause; the loop is not marked with P::loop_head). Two threads racing twice
// each for a bucket of 3 tokens: the cut search finds exactly the outcomes (grants per thread)
// of the search without loop pruning, under both models, with fewer complete executions.
LOCKSTEP_UNIT_TEST(rate_limiter_lock_free_pruned_retries_lose_no_outcome) {
  for (memory_model m : {memory_model::sequential, memory_model::c11})
    lockstep_test::cross_check_pruning(
        "lock-free limiter race",
        [](std::string& out) {
          lockstep::LockFreeRateLimiter<P> limiter(3, 1000);
          std::string got[2];
          auto take = [&](int i) {
            for (int k = 0; k < 2; ++k) got[i] += limiter.try_acquire() ? '1' : '0';
          };
          P::thread t(take, 1);
          take(0);
          t.join();
          out = got[0] + "/" + got[1];
        },
        m);
}
