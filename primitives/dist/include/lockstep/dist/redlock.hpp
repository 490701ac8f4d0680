// lockstep/dist/redlock.hpp — Redlock over N independent redis-server instances, with
// fencing tokens.
//
// Algorithm (antirez's Redlock, plus a fence round)
//   1. Take the start time; on every instance run the acquire script (`SET name token NX PX
//      ttl` + increment of that instance's `name:fence`), each with a short I/O timeout.
//   2. The lock is granted if a majority (N/2 + 1) answered yes and the validity
//      ttl − elapsed − drift (lease_timing in redis.hpp) is still positive.
//   3. Fence round: fence = max of the counters of the instances that granted; on every
//      instance raise `name:fence` to at least that fence, owner-checked (only where this
//      grant still holds the key). The grant stands only if a majority confirmed.
//   4. Otherwise (or on release) run the owner-checked delete on ALL instances — also those
//      that did not answer, since their SET may have been applied.
//
// Guarantees
//   * Mutual exclusion while Redlock's assumptions hold: no instance loses a key early (a
//     restarted instance without persistence must stay down for at least ttl — "delayed
//     restart") and clock drift stays within the allowance.
//   * Monotonic fences even when a holder is paused past its validity: a later grant's
//     majority intersects the earlier grant's fence-round majority in some instance whose
//     counter was raised to the earlier fence before the later SET could happen there (the
//     earlier grant still owned the key there), so the later INCR exceeds it. A fenced
//     resource therefore rejects the paused holder's stale writes.
//   * Tolerates a minority of instances down or slow: they only cost their I/O timeout.
//
// One redlock object is one client (one connection per instance): use one per thread.
//
// Usage
//   lockstep::dist::redlock lock(endpoints, "orders", {.timing = {.ttl = 500ms}});
//   if (auto l = lock.acquire(2s)) { resource.write(l->fence, v); lock.release(*l); }
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lockstep/dist/redis.hpp"

namespace lockstep::dist {

struct redlock_options {
  lease_timing timing;  // validity = ttl − elapsed − timing.drift(ttl)
  // Per-instance connect/command timeout: much smaller than ttl, so that a dead instance
  // does not eat the validity.
  std::chrono::milliseconds io_timeout{50};
  backoff_options retry{std::chrono::microseconds{1000}, std::chrono::microseconds{30'000}};
};

class redlock {
 public:
  redlock(std::vector<redis_endpoint> instances, std::string name, redlock_options opts = {});

  std::optional<lease> try_acquire();
  std::optional<lease> acquire(std::chrono::milliseconds timeout);
  // Owner-checked delete on all instances (errors ignored: the keys expire).
  void release(const lease& l);
  // Owner-checked PEXPIRE on all instances; succeeds with a majority and positive validity.
  bool extend(lease& l);

  std::size_t quorum() const { return conns_.size() / 2 + 1; }
  const lock_stats& stats() const { return stats_; }

 private:
  std::string name_;
  redlock_options opts_;
  std::vector<redis_connection> conns_;
  backoff backoff_;
  lock_stats stats_;
};

}  // namespace lockstep::dist
