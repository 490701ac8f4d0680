// lockstep/models/token_bucket.hpp — sequential spec of a token-bucket rate limiter
// (lockstep::LockedRateLimiter, LockFreeRateLimiter) whose operations are stamped with clock
// readings, for linearizability checking.
//
// Guarantees
//   * A value type satisfying lin::model; default-constructible (lin_property builds M{}), so
//     the capacity and the rate are template parameters.
//   * The bucket starts full at time 0, holds at most Capacity tokens and refills at
//     RatePerSec tokens per second, exactly (no rounding): try_acquire is granted iff the
//     bucket holds at least one whole token at the moment the operation takes effect. Granting
//     a token that is not there AND denying one that is are both violations.
//   * Times are microseconds since the limiter's start (its start_time()). A try_acquire's
//     output carries, besides `granted`, the clock readings t0/t1 the caller took right before
//     and right after the call. The limiter reads the clock once in between, so the moment
//     `te` at which the operation took effect is unknown but lies in [t0, t1]; the model
//     accepts an outcome iff SOME te in that window (and not before the previous operation's
//     te: effect times are monotone in linearization order) explains it. A `sleep` operation
//     (the test's way of letting time pass) does not touch the bucket.
//   * Exact agreement with the implementation requires 1'000'000 % RatePerSec == 0
//     (static_assert): the limiter refills in whole tokens and advances its refill time by the
//     time those tokens took, which is then an integer number of microseconds, so it carries
//     the fractional token exactly and its state always equals this model's at the effect time
//     (see "Why the implementation linearizes" below). The tests use 1000 tokens/s.
//   * An open operation (unknown outcome) may have taken effect at any time not before the
//     previous one, granted or denied: its step is the union of both outcomes over an
//     unbounded window (or it never took effect, which lin::check covers by not placing it).
//
// Not checked against this model: ThreadLocalRateLimiter. It gives every thread its own
// bucket (capacity/max_threads, rate/max_threads), so a history is only explained by
// per-thread buckets, and the operations carry no thread identity for the model to use; its
// global guarantee is the window bound (grants in any window of length d <= capacity +
// rate * d), which tests/containers_caches/rate_limiter_model_test.cpp checks.
//
// The state, and why it is a set
//   Let u = 1e6 / RatePerSec (microseconds per token). A bucket's whole future is fixed by
//   its *phase* p: the (virtual) time at which it held zero tokens, so that at time t it holds
//   min(Capacity, (t - p) / u) tokens (fractions included). A grant at te moves the phase to
//   max(p + u, te - (Capacity - 1) * u) (one token less; if the bucket was full, the refill
//   stopped at the cap), a denial leaves it. One configuration is (p, T): phase p, and T the
//   effect time of the last operation (the next one takes effect no earlier).
//   Picking one te per operation (say the smallest feasible one) is NOT exact: an earlier te
//   for a grant from a full bucket leaves MORE credit later (the refill that the cap would have
//   wasted counts), which then refuses a later denial the limiter legitimately gave. Example,
//   capacity 2, 1 token/ms: A is granted with window [0, 2ms] while B sleeps until 2ms, then B
//   is granted and denied at 2ms. The limiter read 2ms inside A's call: full bucket, 1 token
//   left, B takes it and is denied. With te(A) = 0, the bucket would refill to 2 by 2ms and
//   B's denial would be rejected. So the state is the SET of configurations some choice of
//   effect times leads to, and a step maps every configuration through every feasible te.
//   Representation: a few segments {(p, max(p + lag, not_before)) : p in [lo, hi]}; one
//   operation maps a segment to at most two segments of the same form (derivation in apply()),
//   and segments of a grant's "bucket was full" outcome merge, so the set has at most one
//   segment per grant plus one. Configurations with the same phase but a later T are implied
//   by the earlier T (the next te only has more room), so a segment keeps the smallest T.
//
// Why the implementation linearizes (LockedRateLimiter; LockFreeRateLimiter is the same with
// the successful compare-exchange, or the last load for a denial, as the effect point; that
// its denials do not store their refill changes nothing: they saw less than one token, so
// no cap cut the phase)
//   The limiter keeps (tokens, last): phase = last - tokens * u. Refilling at now >= last
//   adds floor((now - last) / u) whole tokens and advances `last` by exactly their time (or
//   sets tokens = capacity, last = now when the cap is reached): the phase is unchanged unless
//   the cap cuts it, exactly as above. Callers read the clock before taking the lock, so the
//   `now` values are not monotone in lock order; a caller whose now is before `last` does not
//   refill and uses `tokens`, which (refills leave less than one token's time uncounted)
//   equals the whole tokens at the previous operation's effect time: it takes effect at that
//   time, still inside its own window (the previous caller read the clock before this call's
//   t1 reading). Effect times are then monotone, each inside its window, and this model
//   reproduces every grant and denial.
//
// Usage
//   using M = lockstep::models::token_bucket<2, 1000>;
//   lin::recorder<M> rec;
//   auto id = rec.invoke(thread, M::try_acquire());
//   M::output_type out;
//   out.t0_us = micros_since_start();
//   out.granted = limiter.try_acquire();
//   out.t1_us = micros_since_start();
//   rec.respond(id, out);
//   assert(lin::check(M{}, rec.history()).linearizable());
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <tuple>
#include <vector>

namespace lockstep::models {

// Configurations {(phase p, last effect time T)} with p in [lo, hi] and T = max(p + lag,
// not_before); not_before == no_bound means T = p + lag. All in microseconds.
struct token_bucket_segment {
  static constexpr std::int64_t no_bound = std::numeric_limits<std::int64_t>::min();
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::int64_t lag = 0;
  std::int64_t not_before = no_bound;
  friend bool operator==(const token_bucket_segment&, const token_bucket_segment&) = default;
};

// The model's state: the segments, normalised (sorted, touching ones of the same shape merged)
// so that equal sets built the same way compare equal.
struct token_bucket_state {
  std::vector<token_bucket_segment> segments;
  friend bool operator==(const token_bucket_state&, const token_bucket_state&) = default;
  friend std::size_t state_hash(const token_bucket_state& s) {
    std::uint64_t x = s.segments.size();
    for (const auto& g : s.segments) {
      for (std::int64_t v : {g.lo, g.hi, g.lag, g.not_before})
        x = (x ^ static_cast<std::uint64_t>(v)) * 0x9E3779B97F4A7C15ull;
    }
    return static_cast<std::size_t>(x ^ (x >> 29));
  }
};

template <std::uint64_t Capacity, std::uint64_t RatePerSec>
struct token_bucket {
  static_assert(Capacity >= 1, "a bucket must hold at least one token");
  static_assert(RatePerSec >= 1 && 1'000'000 % RatePerSec == 0,
                "the model equals the limiter's integer-microsecond refill only when a token "
                "takes a whole number of microseconds");
  static constexpr std::int64_t capacity = static_cast<std::int64_t>(Capacity);
  static constexpr std::int64_t token_us = 1'000'000 / static_cast<std::int64_t>(RatePerSec);
  static constexpr std::int64_t full_us = capacity * token_us;  // time to fill an empty bucket
  // Times are clamped to this range (an open operation's window is all of it), which keeps
  // every sum and difference in step() far from overflow.
  static constexpr std::int64_t time_limit = std::int64_t{1} << 60;
  static_assert(full_us < time_limit / 4, "capacity * token time out of range");

  enum class op : std::uint8_t { try_acquire, sleep };
  struct input_type {
    op kind = op::try_acquire;
    std::int64_t sleep_us = 0;  // sleep only
    friend bool operator==(const input_type&, const input_type&) = default;
    friend std::ostream& operator<<(std::ostream& os, const input_type& in) {
      if (in.kind == op::sleep) return os << "sleep(" << in.sleep_us << "us)";
      return os << "try_acquire()";
    }
  };
  struct output_type {
    bool granted = false;
    std::int64_t t0_us = 0;  // clock reading right before the call
    std::int64_t t1_us = 0;  // clock reading right after it
    bool slept = false;      // the output of a sleep (for reports; the model ignores it)
    friend bool operator==(const output_type&, const output_type&) = default;
    friend std::ostream& operator<<(std::ostream& os, const output_type& o) {
      if (o.slept) return os << "slept";
      return os << (o.granted ? "granted" : "denied") << " in [" << o.t0_us << "us, " << o.t1_us
                << "us]";
    }
  };
  using state_type = token_bucket_state;
  using segment = token_bucket_segment;

  static input_type try_acquire() { return {op::try_acquire, 0}; }
  static input_type sleep(std::int64_t us) { return {op::sleep, us}; }
  static output_type slept() { return {false, 0, 0, true}; }

  // Full at time 0: phase -full_us, T = 0.
  state_type init() const { return {{{-full_us, -full_us, full_us, segment::no_bound}}}; }

  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    if (in.kind == op::sleep) return s;
    state_type n;
    if (out) {
      apply(s, out->granted, clamp(out->t0_us), clamp(out->t1_us), n);
    } else {
      apply(s, true, -time_limit, time_limit, n);
      apply(s, false, -time_limit, time_limit, n);
    }
    if (n.segments.empty()) return std::nullopt;
    normalise(n);
    return n;
  }

 private:
  static std::int64_t clamp(std::int64_t t) { return std::clamp(t, -time_limit, time_limit); }

  // Adds to `n` every configuration an operation with outcome `granted` and window [t0, t1]
  // leads to from a configuration in `s`. For a configuration (p, T) the effect time te is in
  // [max(T, t0), t1], and with T = max(p + lag, nb) that lower end is max(p + lag, from),
  // from = max(nb, t0). The bucket holds (te - p) / u tokens (capped).
  static void apply(const state_type& s, bool granted, std::int64_t t0, std::int64_t t1,
                    state_type& n) {
    for (const segment& g : s.segments) {
      const std::int64_t from = std::max(g.not_before, t0);
      if (from > t1) continue;
      if (!granted) {
        // Denied: less than one token at te; the smallest te is best (fewest tokens, and the
        // phase is unchanged). It needs lag < u and p > from - u (the bucket, nonempty at
        // p + u, is still short of a token at from), and p + lag <= t1.
        if (g.lag < token_us) {
          add(n, {std::max(g.lo, from - token_us + 1), std::min(g.hi, t1 - g.lag), g.lag, from});
        }
        continue;
      }
      // Granted: te >= p + u (a whole token), so te in [max(p + wait, from), t1] with
      // wait = max(lag, u); phases above t1 - wait cannot be granted in the window.
      const std::int64_t wait = std::max(g.lag, token_us);
      const std::int64_t hi = std::min(g.hi, t1 - wait);
      if (g.lo > hi) continue;
      // (a) te <= p + full_us (the bucket is not full at te): the phase moves to p + u, and the
      // smallest te, max(p + wait, from), leaves the most room. Needs p >= from - full_us.
      add(n, {std::max(g.lo, from - full_us) + token_us, hi + token_us, wait - token_us, from});
      // (b) te >= p + full_us (full at te): the phase becomes te - (capacity - 1) * u, one
      // configuration per te, T = te. Over the segment te ranges over
      // [max(lo + full_us, from), t1] (the lower end grows with p).
      const std::int64_t first_full = std::max(g.lo + full_us, from);
      if (first_full <= t1) {
        add(n, {first_full - full_us + token_us, t1 - full_us + token_us, full_us - token_us,
                segment::no_bound});
      }
    }
  }

  // Adds a segment in canonical form: empty ones are dropped; phases before T - full_us are
  // all "full at T" and collapse to T - full_us (only not_before can make T - p exceed
  // full_us, since lag <= full_us); a not_before that binds no phase is dropped.
  static void add(state_type& n, segment g) {
    if (g.lo > g.hi) return;
    if (g.not_before != segment::no_bound) {
      g.lo = std::max(g.lo, g.not_before - full_us);
      g.hi = std::max(g.hi, g.not_before - full_us);
      if (g.lo + g.lag >= g.not_before) g.not_before = segment::no_bound;
    }
    n.segments.push_back(g);
  }

  static void normalise(state_type& n) {
    auto& v = n.segments;
    std::sort(v.begin(), v.end(), [](const segment& a, const segment& b) {
      return std::tie(a.lag, a.not_before, a.lo, a.hi) < std::tie(b.lag, b.not_before, b.lo, b.hi);
    });
    std::size_t k = 0;
    for (std::size_t i = 1; i < v.size(); ++i) {
      segment& last = v[k];
      if (v[i].lag == last.lag && v[i].not_before == last.not_before && v[i].lo <= last.hi + 1) {
        last.hi = std::max(last.hi, v[i].hi);
      } else {
        v[++k] = v[i];
      }
    }
    v.resize(k + 1);
  }
};

}  // namespace lockstep::models
