// lockstep/dist/backoff.hpp — bounded exponential backoff with full jitter.
//
// Guarantees
//   * next() returns a delay in [0, min(cap, base * 2^attempt)], uniformly drawn ("full
//     jitter"), so that clients that collided once do not collide again in lock step.
//   * The generator is per object: use one backoff per thread (not thread-safe).
//
// Usage
//   lockstep::dist::backoff b{{.base = 1ms, .cap = 50ms}};
//   while (!try_it()) std::this_thread::sleep_for(b.next());
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>

namespace lockstep::dist {

struct backoff_options {
  std::chrono::microseconds base{500};
  std::chrono::microseconds cap{20'000};
};

class backoff {
 public:
  explicit backoff(backoff_options opts = {});
  // The delay before the next attempt; grows with the number of calls since reset().
  std::chrono::microseconds next();
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  backoff_options opts_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

// Calls attempt() (returning std::optional) until it yields a value or `timeout` has
// passed, sleeping b.next() between attempts but never past the deadline. Resets b first.
template <class F>
auto retry_for(std::chrono::milliseconds timeout, backoff& b, F&& attempt) -> decltype(attempt()) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  b.reset();
  for (;;) {
    if (auto r = attempt()) return r;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(b.next(), deadline - now));
  }
}

// A random 128-bit value as 32 hex digits: lock owner tokens, transfer ids.
std::string random_token();

}  // namespace lockstep::dist
