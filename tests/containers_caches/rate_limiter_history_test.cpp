// Real-thread linearizability stress of the token-bucket limiters on std_platform (also run
// under ThreadSanitizer): fixed scenarios run many times on std::threads with steady_clock
// time; every round's history — each try_acquire stamped with the clock readings right before
// and after it, measured from the limiter's start_time() like the limiter's own readings — is
// checked by lin::check against the exact bucket models::token_bucket<2, 1000>.
#include <lockstep/lincheck/scenario.hpp>
#include <lockstep/models/token_bucket.hpp>
#include <lockstep/rate_limiter.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace {

using M = lockstep::models::token_bucket<2, 1000>;
constexpr std::uint64_t kCapacity = 2;
constexpr std::uint64_t kRate = 1000;

struct outcome_counts {
  std::atomic<int> grants{0};
  std::atomic<int> denials{0};
};

// Runs each scenario `rounds` times; returns the first non-linearizable history's report.
template <class Limiter>
void check_limiter_histories(int rounds) {
  const auto acq = M::try_acquire();
  const auto nap = M::sleep(1000);  // one token's time
  // Contention on a full bucket; then refills interleaved with acquires on other threads.
  const lockstep::lin_scenario<M::input_type> scenarios[] = {
      {{{acq, acq, acq}, {acq, acq, acq}, {acq, acq}}},
      {{{acq, acq, nap, acq}, {acq, nap, acq, acq}, {nap, nap, acq, acq}}},
  };
  outcome_counts counts;
  auto apply = [&counts](Limiter& l, const M::input_type& in) -> M::output_type {
    if (in.kind == M::op::sleep) {
      std::this_thread::sleep_for(std::chrono::microseconds(in.sleep_us));
      return M::slept();
    }
    auto micros = [&] {
      return static_cast<std::int64_t>(
          lockstep::rate_limiter_detail::micros_since<lockstep::std_platform>(l.start_time()));
    };
    M::output_type o;
    o.t0_us = micros();
    o.granted = l.try_acquire();
    o.t1_us = micros();
    (o.granted ? counts.grants : counts.denials).fetch_add(1, std::memory_order_relaxed);
    return o;
  };
  for (const auto& s : scenarios) {
    std::string why;
    auto r = lockstep::stress_history<M>(
        s, [] { return std::make_unique<Limiter>(kCapacity, kRate); }, apply, rounds, &why);
    LOCKSTEP_ASSERT(r.linearizable()) << why;
  }
  // Both outcomes occur, or the check would be vacuous on one side.
  LOCKSTEP_ASSERT(counts.grants.load() > 0 && counts.denials.load() > 0)
      << counts.grants.load() << " grants, " << counts.denials.load() << " denials";
}

}  // namespace

LOCKSTEP_UNIT_TEST(rate_limiter_locked_histories_linearizable) {
  check_limiter_histories<lockstep::LockedRateLimiter<>>(100);
}

LOCKSTEP_UNIT_TEST(rate_limiter_lock_free_histories_linearizable) {
  check_limiter_histories<lockstep::LockFreeRateLimiter<>>(100);
}
