// lockstep/profiled_lock.hpp — a Lockable wrapper that counts acquisitions and waiting.
//
// Guarantees
//   * The same exclusion (and fairness) as the wrapped lock L.
//   * Exact counters under concurrency: every successful lock()/try_lock() counts one
//     acquisition; a lock() whose first try_lock() failed counts as contended and adds the
//     time it then waited (P::clock) to the total wait time. contended <= acquisitions.
//   * The counters are updated while the lock is held, so they are plain data protected by
//     the lock itself (no atomics on the fast path); stats() takes the lock to read them.
//
// Usage
//   lockstep::ProfiledLock<std::mutex> lock;
//   { std::lock_guard g(lock); ... }
//   auto s = lock.stats();   // s.acquisitions, s.contended, s.wait_time
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class L, class P = std_platform>
class ProfiledLock {
 public:
  struct snapshot {
    std::uint64_t acquisitions = 0;
    std::uint64_t contended = 0;
    std::chrono::nanoseconds wait_time{0};
  };

  ProfiledLock() = default;
  ProfiledLock(const ProfiledLock&) = delete;
  ProfiledLock& operator=(const ProfiledLock&) = delete;

  void lock() {
    if (inner_.try_lock()) {
      acquisitions_ += 1;
      return;
    }
    // Contended: time only the slow path, so the uncontended path reads no clock.
    const auto start = P::clock::now();
    inner_.lock();
    const auto waited =
        std::chrono::duration_cast<std::chrono::nanoseconds>(P::clock::now() - start);
    acquisitions_ += 1;
    contended_ += 1;
    wait_ns_ += waited.count();
  }
  bool try_lock() {
    if (!inner_.try_lock()) return false;
    acquisitions_ += 1;
    return true;
  }
  void unlock() { inner_.unlock(); }

  // A consistent snapshot (taken under the lock; do not call while holding it).
  snapshot stats() {
    std::lock_guard<L> g(inner_);
    return {acquisitions_.get(), contended_.get(), std::chrono::nanoseconds(wait_ns_.get())};
  }
  L& underlying() noexcept { return inner_; }

 private:
  L inner_;
  // Written only by the holder of inner_.
  typename P::template var<std::uint64_t> acquisitions_{0u};
  typename P::template var<std::uint64_t> contended_{0u};
  typename P::template var<std::int64_t> wait_ns_{0};
};

}  // namespace lockstep
