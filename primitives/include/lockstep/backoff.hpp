// lockstep/backoff.hpp — randomized exponential backoff for local contention (spin/yield).
//
// Guarantees
//   * pause() waits a number of P::spin_pause() calls drawn uniformly from
//     [0, min(cap, base * 2^attempt)] ("full jitter") and counts the attempt: threads that
//     collided once pick different waits and stop colliding in lock step, which is what
//     turns a livelock-prone retry loop (lock_backoff, polite workers) into one that makes
//     progress with probability 1.
//   * Deterministic given its random source: the default source is a SplitMix64 generator
//     seeded by the caller (e.g. with a thread index), so model-checker executions replay
//     exactly; a test may plug in a source that asks the checker (lockstep::choose) so that
//     the backoff lengths become explored choices.
//   * One object per thread (not thread-safe).
//
// lockstep::dist::backoff (primitives/dist) applies the same full-jitter formula to sleeps
// between network round trips; this one is platform-templated (its waits are scheduling
// points under the checker) and never touches std::random_device, which would break replay.
//
// Usage
//   lockstep::Backoff<> backoff(/*seed=*/thread_index);
//   while (!try_acquire()) backoff.pause();
//   backoff.reset();
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <utility>

#include "lockstep/std_platform.hpp"

namespace lockstep {

// SplitMix64 (Steele, Lea, Flood 2014): tiny state, good enough to decorrelate waits.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0); the modulo bias is irrelevant for backoff lengths.
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }

 private:
  std::uint64_t s_;
};

struct backoff_options {
  std::uint32_t base = 4;    // ceiling of the first wait, in spin pauses
  std::uint32_t cap = 1024;  // largest ceiling
};

// Rng: anything with `std::uint32_t below(std::uint32_t n)` returning a value in [0, n).
template <class P = std_platform, class Rng = SplitMix64>
class Backoff {
 public:
  explicit Backoff(std::uint64_t seed,
                   backoff_options o = {}) requires std::constructible_from<Rng, std::uint64_t>
      : Backoff(Rng(seed), o) {}
  explicit Backoff(Rng rng, backoff_options o = {}) : rng_(std::move(rng)), opts_(o) {}

  // The next wait (in spin pauses) without waiting; counts an attempt.
  std::uint32_t next() {
    const std::uint32_t shift = std::min<std::uint32_t>(attempt_, 31);
    ++attempt_;
    const std::uint64_t ceiling =
        std::min<std::uint64_t>(opts_.cap, static_cast<std::uint64_t>(opts_.base) << shift);
    return rng_.below(static_cast<std::uint32_t>(ceiling) + 1);
  }
  // Waits next() spin pauses (yields under the model checker), then one more yield to
  // the OS scheduler once the ceiling is reached: a thread that keeps losing gives its
  // time slice to the holder instead of burning it.
  void pause() {
    const std::uint32_t n = next();
    for (std::uint32_t i = 0; i < n; ++i) P::spin_pause();
    if (static_cast<std::uint64_t>(opts_.base) << std::min<std::uint32_t>(attempt_, 31) > opts_.cap)
      P::this_thread::yield();
  }
  void reset() { attempt_ = 0; }
  std::uint32_t attempts() const { return attempt_; }

 private:
  Rng rng_;
  backoff_options opts_;
  std::uint32_t attempt_ = 0;
};

}  // namespace lockstep
