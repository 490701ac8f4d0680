// Model tests of the three token-bucket limiters under the checker, on virtual time: every
// execution's log of grants (with P::clock timestamps) must respect
// grants(window) <= capacity + rate * window; the load+store twin over-grants and is caught.
#include <lockstep/check.hpp>
#include <lockstep/rate_limiter.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "broken_rate_limiters.hpp"
#include "grant_log.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kCapacity = 2;
constexpr std::uint64_t kRate = 1000;  // one token per virtual millisecond

// Broken twin: load + store instead of a CAS (broken_rate_limiters.hpp).
using LoadStoreRateLimiter = broken_rate_limiters::load_store<P>;

// Two threads each try twice at t=0, then wait 1 ms and try once more. Grants are
// logged with their virtual timestamps and checked against the bound; at least `min_grants`
// must be granted (the bucket starts full).
template <class Limiter>
void run_scenario(Limiter& limiter, P::clock::time_point start, std::size_t min_grants) {
  std::vector<std::int64_t> log;  // fibers share one OS thread: push_back is not a race
  auto body = [&] {
    auto attempt = [&] {
      if (limiter.try_acquire()) {
        log.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(P::clock::now() - start).count());
      }
    };
    attempt();
    attempt();
    P::this_thread::sleep_for(1ms);
    attempt();
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  std::string err = grant_log::check(log, kCapacity, kRate);
  LOCKSTEP_ASSERT(err.empty()) << "over-grant: " << err;
  LOCKSTEP_ASSERT(log.size() >= min_grants) << "only " << log.size() << " grants";
}

}  // namespace

LOCKSTEP_TEST(locked_rate_limiter_respects_bound, {.preemption_bound = 2}) {
  auto start = P::clock::now();
  lockstep::LockedRateLimiter<P> limiter(kCapacity, kRate);
  // The bucket starts full (2) and at least 1 ms passes before the last attempts: >= 3.
  run_scenario(limiter, start, kCapacity + 1);
}

LOCKSTEP_TEST(lock_free_rate_limiter_respects_bound, {.preemption_bound = 2}) {
  auto start = P::clock::now();
  lockstep::LockFreeRateLimiter<P> limiter(kCapacity, kRate);
  run_scenario(limiter, start, kCapacity + 1);
}

LOCKSTEP_TEST(thread_local_rate_limiter_respects_bound, {.preemption_bound = 2}) {
  auto start = P::clock::now();
  lockstep::ThreadLocalRateLimiter<P> limiter(kCapacity, kRate, 2);
  run_scenario(limiter, start, kCapacity);
}

LOCKSTEP_TEST(thread_local_rate_limiter_denies_extra_threads) {
  lockstep::ThreadLocalRateLimiter<P> limiter(2, 1000, 1);
  bool a_got = false, b_got = false;
  P::thread a([&] { a_got = limiter.try_acquire(); });
  P::thread b([&] { b_got = limiter.try_acquire(); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(a_got != b_got) << "exactly the first registered thread gets a share";
}

LOCKSTEP_TEST(broken_rate_limiter_load_store_over_grants,
              {.expect = failure_kind::assertion, .preemption_bound = 2}) {
  auto start = P::clock::now();
  LoadStoreRateLimiter limiter(kCapacity, kRate);
  run_scenario(limiter, start, 0);
}
