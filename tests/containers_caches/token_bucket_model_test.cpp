// Unit tests of the sequential token-bucket model (models/token_bucket.hpp): hand-written
// histories it must accept or reject, and two randomised cross-checks: against a brute-force
// reference that tries every effect time in every window (the model's segment arithmetic must
// accept exactly the same sequences), and against the limiter's own refill arithmetic
// (rate_limiter_detail::bucket_math) run with non-monotone clock readings, as callers that
// read the clock before taking the lock (or before loading the lock-free state) produce
// (every such run must be accepted).
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/token_bucket.hpp>
#include <lockstep/rate_limiter.hpp>
#include <lockstep/test.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

namespace {

using M = lockstep::models::token_bucket<2, 1000>;  // 2 tokens, one per millisecond

M::output_type granted(std::int64_t t0, std::int64_t t1) { return {true, t0, t1}; }
M::output_type denied(std::int64_t t0, std::int64_t t1) { return {false, t0, t1}; }

// Feeds a sequential run of try_acquire outcomes to the model; returns how many it accepted.
template <class Model>
std::size_t accepted_prefix(const std::vector<typename Model::output_type>& outs) {
  const Model m;
  auto s = m.init();
  for (std::size_t i = 0; i < outs.size(); ++i) {
    auto n = m.step(s, Model::try_acquire(), outs[i]);
    if (!n) return i;
    s = *n;
  }
  return outs.size();
}

// Brute force: the set of configurations (phase, time of the last effect) as explicit pairs,
// every integer effect time in every window tried. Phases earlier than T - full are clamped
// (same bucket), and per phase only the earliest T is kept (a later one allows less).
template <class Model>
class brute_force_bucket {
 public:
  brute_force_bucket() { configs_[-Model::full_us] = 0; }
  bool step(const typename Model::output_type& o) {
    std::map<std::int64_t, std::int64_t> next;
    for (auto [p, t] : configs_) {
      for (std::int64_t te = std::max(t, o.t0_us); te <= o.t1_us; ++te) {
        const std::int64_t credit = std::min(Model::full_us, te - p);  // in token-microseconds
        if ((credit >= Model::token_us) != o.granted) continue;
        std::int64_t np = o.granted ? te - (credit - Model::token_us) : p;
        np = std::max(np, te - Model::full_us);
        auto it = next.find(np);
        if (it == next.end() || it->second > te) next[np] = te;
      }
    }
    configs_ = std::move(next);
    return !configs_.empty();
  }

 private:
  std::map<std::int64_t, std::int64_t> configs_;
};

// Random windows over a small time range with a fast rate (4 us per token), so that windows
// span several tokens and the capped and uncapped cases all occur.
template <class Model>
void cross_check_brute_force(std::uint32_t seed, int runs) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int steps = 0;
  for (int run = 0; run < runs; ++run) {
    const Model m;
    auto s = m.init();
    brute_force_bucket<Model> ref;
    std::int64_t t = 0;
    std::ostringstream trace;
    for (int i = 0; i < 12; ++i) {
      t += pick(-3, 6);
      const std::int64_t t0 = std::max<std::int64_t>(0, t);
      const std::int64_t t1 = t0 + pick(0, 1) * pick(0, 14);
      typename Model::output_type o{pick(0, 2) != 0, t0, t1};
      // Try the random outcome; if the reference refuses it, the other one (the run goes on).
      auto ref_try = ref;
      if (!ref_try.step(o)) {
        auto n = m.step(s, Model::try_acquire(), o);
        LOCKSTEP_ASSERT(!n) << "model accepts what brute force refuses, run " << run << ":\n"
                            << trace.str() << o;
        o.granted = !o.granted;
        ref_try = ref;
        if (!ref_try.step(o)) {
          LOCKSTEP_ASSERT(!m.step(s, Model::try_acquire(), o)) << trace.str() << o;
          break;
        }
      }
      auto n = m.step(s, Model::try_acquire(), o);
      LOCKSTEP_ASSERT(n.has_value())
          << "model refuses what brute force accepts, run " << run << ":\n"
          << trace.str() << o;
      trace << o << "\n";
      s = *n;
      ref = ref_try;
      ++steps;
    }
  }
  LOCKSTEP_ASSERT(steps > runs * 4) << "runs ended too early to test much: " << steps;
}

// The limiter's arithmetic in lock order, with each caller's clock reading taken before the
// lock (so readings go backwards in lock order) and a window around it; t1 is after the
// previous holders' readings, since the reading after the call follows their critical
// sections. The model must accept every run.
// With lock_free, a denial does not store its refill (LockFreeRateLimiter only writes with
// the compare-exchange of a grant).
template <class Model>
void cross_check_limiter_math(std::uint32_t seed, int runs, int jitter_us, bool lock_free) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::size_t grants = 0, denials = 0;
  for (int run = 0; run < runs; ++run) {
    const lockstep::rate_limiter_detail::bucket_math math{Model::capacity,
                                                          1'000'000 / Model::token_us};
    std::uint64_t tokens = Model::capacity, last = 0;
    std::int64_t latest = 0;  // latest clock reading of an earlier lock holder
    const Model m;
    auto s = m.init();
    std::ostringstream trace;
    for (int i = 0; i < 16; ++i) {
      const std::int64_t now = std::max<std::int64_t>(0, latest + pick(-jitter_us, 2 * jitter_us));
      std::uint64_t t = tokens, l = last;
      math.refill(t, l, static_cast<std::uint64_t>(now));
      const bool g = t > 0;
      if (g || !lock_free) {
        tokens = g ? t - 1 : t;
        last = l;
      }
      (g ? grants : denials) += 1;
      typename Model::output_type out{g, std::max<std::int64_t>(0, now - pick(0, jitter_us)),
                                      std::max(now, latest) + pick(0, jitter_us)};
      latest = std::max(latest, now);
      trace << "now " << now << ": " << out << "\n";
      auto n = m.step(s, Model::try_acquire(), out);
      LOCKSTEP_ASSERT(n.has_value()) << "model refuses the limiter's own run " << run << ":\n"
                                     << trace.str();
      s = *n;
    }
  }
  LOCKSTEP_ASSERT(grants > 0 && denials > 0) << grants << " grants, " << denials << " denials";
}

}  // namespace

LOCKSTEP_UNIT_TEST(token_bucket_model_sequential_runs) {
  // Full at 0 (2 tokens), half a token at 0.5 ms, one token at 1 ms, full again (capped) later.
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(0, 0), granted(0, 0), denied(0, 0), denied(500, 500),
                                      granted(1000, 1000), denied(1000, 1000), granted(9000, 9000),
                                      granted(9000, 9000), denied(9000, 9000)}) == 9);
  // Over-grant: a third token at time 0.
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(0, 0), granted(0, 0), granted(0, 0)}) == 2);
  // Denial of a full bucket, and of a bucket that refilled a token by 1 ms.
  LOCKSTEP_ASSERT(accepted_prefix<M>({denied(0, 0)}) == 0);
  LOCKSTEP_ASSERT(accepted_prefix<M>(
                      {granted(0, 0), granted(0, 0), denied(999, 999), denied(1000, 1000)}) == 3);
  // The refill is capped: after a long pause only 2 tokens.
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(0, 0), granted(0, 0), granted(50000, 50000),
                                      granted(50000, 50000), granted(50000, 50000)}) == 4);
  // A window lets the effect time be anywhere in it: a grant with window [0, 2ms] explains a
  // bucket that is empty at 2 ms only if it took effect when the bucket was full (at 2 ms).
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(0, 2000), granted(2000, 2000), denied(2000, 2000)}) ==
                  3);
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(0, 0), granted(2000, 2000), denied(2000, 2000)}) ==
                  2);
  // Effect times are monotone in linearization order: nothing takes effect before 1 ms once
  // something did at 1 ms, although a full bucket at 0 would have granted.
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(1000, 1000), granted(0, 0)}) == 1);
  // Windows that end before they start are malformed.
  LOCKSTEP_ASSERT(accepted_prefix<M>({granted(5, 4)}) == 0);
  // Sleeps do not touch the bucket; an open try_acquire may have been granted or denied.
  const M m;
  LOCKSTEP_ASSERT(*m.step(m.init(), M::sleep(1000), std::nullopt) == m.init());
  auto open = m.step(m.init(), M::try_acquire(), std::nullopt);
  LOCKSTEP_ASSERT(open.has_value());
  LOCKSTEP_ASSERT(m.step(*open, M::try_acquire(), granted(0, 0)).has_value());
  std::ostringstream os;
  os << M::sleep(2000) << " " << M::slept() << ", " << M::try_acquire() << " " << granted(1, 2);
  LOCKSTEP_ASSERT(os.str() == "sleep(2000us) slept, try_acquire() granted in [1us, 2us]")
      << os.str();
}

LOCKSTEP_UNIT_TEST(token_bucket_model_concurrent_histories) {
  using H = lockstep::lin::history<M>;
  const auto acq = M::try_acquire();
  // Three overlapping grants at time 0 of a 2-token bucket: never linearizable.
  H over{{{0, acq, granted(0, 0), 0, 5},
          {1, acq, granted(0, 0), 1, 6},
          {2, acq, granted(0, 0), 2, 7}}};
  auto r = lockstep::lin::check(M{}, over);
  LOCKSTEP_ASSERT(!r.linearizable()) << lockstep::lin::describe(r, over);
  // The same grants with one of them at 1 ms: linearizable, and the order is a witness.
  H ok{{{0, acq, granted(0, 0), 0, 5},
        {1, acq, granted(0, 1000), 1, 6},
        {2, acq, granted(0, 0), 2, 7},
        {2, acq, denied(1000, 1000), 8, 9}}};
  r = lockstep::lin::check(M{}, ok);
  LOCKSTEP_ASSERT(r.linearizable()) << lockstep::lin::describe(r, ok);
  LOCKSTEP_ASSERT(lockstep::lin::valid_linearization(M{}, ok, r.order));
  // A denial that overlaps the first grant must be ordered after both grants at time 0.
  H deny{
      {{0, acq, granted(0, 0), 0, 3}, {1, acq, denied(0, 0), 1, 4}, {0, acq, granted(0, 0), 5, 6}}};
  r = lockstep::lin::check(M{}, deny);
  LOCKSTEP_ASSERT(!r.linearizable()) << "the denial must follow two grants, but one came later";
}

LOCKSTEP_UNIT_TEST(token_bucket_model_matches_brute_force) {
  cross_check_brute_force<lockstep::models::token_bucket<2, 250'000>>(1, 3000);
  cross_check_brute_force<lockstep::models::token_bucket<3, 250'000>>(2, 3000);
  cross_check_brute_force<lockstep::models::token_bucket<1, 500'000>>(3, 3000);
}

LOCKSTEP_UNIT_TEST(token_bucket_model_accepts_limiter_arithmetic) {
  for (bool lock_free : {false, true}) {
    cross_check_limiter_math<lockstep::models::token_bucket<2, 250'000>>(4, 3000, 3, lock_free);
    cross_check_limiter_math<lockstep::models::token_bucket<3, 1000>>(5, 3000, 700, lock_free);
    cross_check_limiter_math<lockstep::models::token_bucket<1, 1'000'000>>(6, 3000, 2, lock_free);
  }
}
