// lockstep/dist/redlock.hpp — Redlock over N independent redis-server instances, with
// fencing tokens.
//
// Algorithm (antirez's Redlock, plus durable epochs and a fence round)
//   1. Take the start time; on every instance run the acquire script (`SET name token NX PX
//      ttl` + increment of that instance's fence counter, hash `name:fencing`), each with a
//      short I/O timeout. An instance whose connection is new and whose uptime is below
//      ttl + drift(ttl) is skipped (the restart guard, below).
//   2. Instances that granted but lost their fence state (first use, or a restart without
//      persistence) get one fresh epoch from the durable epoch_source, taken after all of
//      them were seen without it, installed owner-checked (epoch.hpp). Without a source the
//      acquire script itself starts an epoch at the instance's clock (redis.hpp).
//   3. The lock is granted if a majority (N/2 + 1) granted and the validity
//      ttl − elapsed − drift (lease_timing in redis.hpp) is still positive.
//   4. Fence round: fence = max of the (epoch, counter) of the granting instances; on every
//      instance raise its (epoch, counter) to at least that fence, owner-checked (only where
//      this grant still holds the key). The grant stands only if a majority confirmed.
//   5. Otherwise (or on release) run the owner-checked delete on ALL instances — also those
//      that did not answer, since their SET may have been applied.
//
// Guarantees
//   * Mutual exclusion while Redlock's assumptions hold: no instance loses a key early, and
//     clock drift stays within the allowance (lease_timing: the client trusts a lease for
//     ttl − ttl·drift_factor − drift_min; every instance's clock may run at most that much
//     fast over a ttl, e.g. 1 % + 2 ms by default).
//   * Delayed restart. An instance without persistence that crashes and comes back at once
//     has forgotten live keys; Redlock assumes it stays down for at least one ttl. The client
//     enforces that itself (restart_guard, on by default): a connection to an instance up for
//     less than ttl + drift(ttl) (INFO server, whole seconds) is refused, so a restarted
//     instance takes part in no grant until every lease it may have forgotten has expired.
//     A restart always breaks the client's connection, so the check runs again after every
//     restart. With the guard off, a majority restarted at once grants a second client while
//     the first lease is valid — then only the fence protects the resource.
//   * Monotonic fences, also when instances lose their data (with an epoch_source):
//     - No data loss: a later grant's majority intersects the earlier grant's fence-round
//       majority in some instance whose (epoch, counter) was raised to the earlier fence
//       before the later SET could happen there (the earlier grant still owned the key), so
//       the later increment exceeds it.
//     - Every instance of that intersection lost its data: the later grant finds the fence
//       state missing there and installs an epoch taken from the durable source after that
//       loss — larger than the epoch of every earlier fence — so its fence is larger.
//     A fenced resource therefore accepts the newest owner and rejects the stale one, also
//     with 2 of 3 instances restarted at once. Without an epoch source (the default), a
//     restarted instance starts a new epoch at its own clock (redis.hpp: needs the restart
//     guard, clocks that do not step back, and instance clocks that agree within a second,
//     since an instance's new epoch must exceed epochs other instances' clocks produced
//     before the restart). With clock_epochs = false (epoch 0) the second case goes
//     backwards: fences are monotonic only while a majority keeps its data.
//   * Tolerates a minority of instances down or slow: they only cost their I/O timeout.
//   * extend() succeeds only with a majority still owning the key and positive validity: an
//     expired lease, or one whose keys a majority lost, cannot be extended.
//
// One redlock object is one client (one connection per instance): use one per thread.
//
// Usage
//   auto epochs = std::make_shared<lockstep::dist::redis_epoch_source>(durable_endpoint);
//   lockstep::dist::redlock lock(endpoints, "orders", {.timing = {.ttl = 500ms},
//                                                      .epochs = epochs});
//   if (auto l = lock.acquire(2s)) { resource.write(l->fence, v); lock.release(*l); }
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
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
  // Durable epochs for the fences (epoch.hpp), shared by all instances.
  std::shared_ptr<epoch_source> epochs;
  // Without `epochs`: new epochs from each instance's clock (redis.hpp); false: epoch 0.
  bool clock_epochs = true;
  // Per instance: refuse one that has been up for less than ttl + drift(ttl) (redis.hpp).
  bool restart_guard = true;
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
  // Instance restarts this client observed (run id changes), summed over the instances.
  std::uint64_t restarts_seen() const;

 private:
  std::string name_;
  redlock_options opts_;
  std::vector<redis_connection> conns_;
  backoff backoff_;
  lock_stats stats_;
};

}  // namespace lockstep::dist
