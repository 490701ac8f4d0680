// lockstep/dist/redis.hpp — a lock on one redis-server, with fencing tokens.
//
// Guarantees
//   * Mutual exclusion while the server keeps its data (and clocks behave, see lease_timing):
//     at most one lease of a lock name is valid at a time. try_acquire() sets the key with
//     `SET name token NX PX ttl`, so only one client can hold it until it expires or is
//     released.
//   * Across a restart that loses the data (the default `--save '' --appendonly no`, a crash
//     with `appendfsync everysec`) the key is gone at once, though its lease is still valid. The
//     restart guard (on by default, redis_lock_options::restart_guard) keeps mutual exclusion
//     anyway: every new connection asks `INFO server` for the server's uptime and refuses to take
//     grants from a server that has been up for less than ttl + drift(ttl) — by then every lease
//     granted before the restart has expired (Redlock's "delayed restart", enforced by the client).
//     A client cannot tell a first start from a restart, so a freshly started server grants nothing
//     for one ttl (rounded up to whole seconds, the resolution of Redis's uptime). The guard
//     relies on the server's wall clock not jumping forward, like the ttl itself does.
//   * release() and extend() are owner-checked (a Lua script compares the stored token with
//     the lease's), so a client whose lease expired cannot delete or prolong the lock of the
//     next owner. extend() of an expired or lost lease fails.
//   * Fencing tokens: every grant carries lease::fence = (epoch << 32) | counter. The script
//     that sets the key also increments the counter (hash `name:fencing`, fields e and c) in
//     the same atomic step, so within one epoch a later grant has a strictly larger fence.
//     With an epoch_source (redis_lock_options::epochs, epoch.hpp: a durable counter) fences
//     never go backwards for a lock name, whatever happens to the server: when a grant finds
//     `name:fencing` missing (first use, or the server lost its data), the client takes a
//     fresh epoch from the durable source — larger than every epoch handed out before — and
//     installs it with an owner-checked script before it uses the grant. A stale holder from
//     before the loss carries an older epoch, so a fenced resource (fenced_resource.hpp)
//     rejects it and accepts the new owner. If the durable source is unreachable, the grant
//     is released and refused.
//     Without an epoch source (the default), the script starts a new epoch at the server's
//     clock (`TIME` in whole seconds, counted from Unix time 1.7e9 so that fences fit a
//     signed 64-bit column until 2091) when it finds the fence state missing. That is monotonic
//     across a restart as long as the server's wall clock does not step back and the first
//     grant after the restart comes at least a second after it — which the restart guard
//     ensures (it waits until the uptime is at least 1 s, at least ttl). With the guard off,
//     a restart and a new grant within the same second reuse the epoch and the counter
//     restarts at 1. clock_epochs = false gives the old behaviour, epoch 0: fences monotonic
//     only while the server keeps its data (after a loss the counter restarts at 1, below
//     the fences of earlier holders, and the fenced resource rejects the new owner and
//     accepts the stale one). All clients of a lock name must use the same epoch setting.
//     Data lost without a restart (FLUSHALL, eviction under a maxmemory-policy other than
//     the default noeviction) is covered by durable epochs only: with clock epochs a loss
//     within the second of the epoch's creation reuses it.
//   * The restart guard needs direct connections: a proxy that keeps the client's connection
//     open across a backend restart hides the restart from it.
//   * Not covered: a failover to an asynchronous replica. The replica's uptime is old and its
//     `name:fencing` is present but may be behind the old master's, so neither the guard nor
//     the epochs notice, and both the key and the fences can go back. Run the lock on one
//     server (or Redlock over independent masters), not on a replicated pair.
//   * A lease holder paused past its ttl cannot be stopped by any lock with a timeout: its
//     late writes are rejected by a resource that checks the fence.
//   * lease::valid_until is conservative: acquisition start + ttl − clock drift allowance.
//     Work that has to be protected must finish before it (or use the fence).
//   * No call blocks longer than its timeouts: every command has a socket timeout and every
//     wait loop a deadline (the epoch source has its own timeout).
//
// A redis_lock object is one client with one connection: use one per thread. A failed
// connection is reopened by the next call (and checked by the restart guard again: a server
// restart always breaks the connection, so one connection never spans two server lives).
//
// Usage
//   auto epochs = std::make_shared<lockstep::dist::redis_epoch_source>(durable_endpoint);
//   lockstep::dist::redis_lock lock({"127.0.0.1", port}, "orders",
//                                   {.timing = {.ttl = 500ms}, .epochs = epochs});
//   if (auto lease = lock.acquire(2s)) {
//     store.write(lease->fence, value);     // fenced write
//     lock.release(*lease);
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/dist/backoff.hpp"

namespace lockstep::dist {

struct redis_endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
};

// A connection failed, a command timed out, or the server answered with an error.
struct redis_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The restart guard refused a server that has been up for less than the required time
// (redis_connection::set_min_uptime).
struct redis_restarted_recently : redis_error {
  using redis_error::redis_error;
};

class epoch_source;  // epoch.hpp

// One reply, reduced to what the lock scripts return.
struct redis_reply {
  enum class kind : std::uint8_t { nil, integer, string, status, array, error };
  kind type = kind::nil;
  long long integer = 0;
  std::string str;
  std::vector<redis_reply> elements;
};

// A synchronous hiredis connection with connect and command timeouts.
//
// With set_min_uptime(u) > 0, every (re)connection first runs `INFO server`: a server whose
// uptime_in_seconds * 1000 is below u is refused (the connection is closed and the command
// throws redis_restarted_recently; commands before the earliest time the uptime can suffice
// throw it without connecting, later ones connect and ask again). run_id() is the server's
// run id seen by the latest connection, run_id_changes() how often it differed from the one
// before (restarts this connection object observed).
class redis_connection {
 public:
  redis_connection(redis_endpoint ep, std::chrono::milliseconds timeout);
  ~redis_connection();
  redis_connection(redis_connection&&) noexcept;
  redis_connection& operator=(redis_connection&&) noexcept;

  // Sends one command (binary-safe arguments). Throws redis_error on I/O failure or timeout
  // (the connection is then closed and reopened by the next command) or on an error reply.
  redis_reply command(const std::vector<std::string>& args);
  const redis_endpoint& endpoint() const { return ep_; }

  void set_min_uptime(std::chrono::milliseconds u) { min_uptime_ = u; }
  // Connections opened so far (a new one after every failure): one generation is one server
  // life at most, since a restart breaks the connection.
  std::uint64_t generation() const { return generation_; }
  const std::string& run_id() const { return run_id_; }
  std::uint64_t run_id_changes() const { return run_id_changes_; }

 private:
  void ensure_connected();
  void check_uptime();
  void close();
  redis_endpoint ep_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds min_uptime_{0};
  // After a refusal: no reconnection before this (the earliest time the server's uptime can
  // reach min_uptime_; the server is asked again then).
  std::chrono::steady_clock::time_point not_before_{};
  std::uint64_t generation_ = 0;
  std::string run_id_;
  std::uint64_t run_id_changes_ = 0;
  struct impl;
  std::unique_ptr<impl> impl_;
};

// lease::fence = (epoch << 32) | counter. Compare fences as integers; the parts are for
// diagnostics. A counter never reaches 2^32 within an epoch (a grant that would is refused).
constexpr std::uint64_t fence_epoch(std::uint64_t fence) { return fence >> 32; }
constexpr std::uint64_t fence_counter(std::uint64_t fence) { return fence & 0xffff'ffffULL; }

struct lease {
  std::string name;
  std::string token;        // owner token stored as the key's value
  std::uint64_t fence = 0;  // (epoch << 32) | counter, see fence_epoch()
  std::chrono::steady_clock::time_point valid_until;
  bool valid(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const {
    return now < valid_until;
  }
};

// How long a lease lasts and how much of it the client trusts; shared by redis_lock and
// redlock (their options' `timing` member).
//
// The server keeps the key for `ttl`, but the client counts the lease valid only until
//   valid_until = start + ttl − drift(ttl),   drift(ttl) = ttl * drift_factor + drift_min
// (redlock also subtracts the time the acquisition took): a server whose clock runs fast may
// expire the key early, and the client must stop believing in the lease before that happens.
// The bound this assumes: over one ttl, a server's clock runs fast by at most
// ttl * drift_factor + drift_min against the client's steady clock (default 1 % + 2 ms). A
// larger drift, a wall-clock jump on the server, or a client pause between its validity
// check and its write voids mutual exclusion (not the fences: they do not depend on time).
struct lease_timing {
  std::chrono::milliseconds ttl{1000};
  double drift_factor = 0.01;
  std::chrono::milliseconds drift_min{2};

  // The drift allowance for a lease of `length` (ttl, or the ttl of an extension).
  std::chrono::milliseconds drift(std::chrono::milliseconds length) const;
};

// io_timeout and retry are per lock type (not in lease_timing): their defaults differ, and a
// designated initialiser `{.timing = {.ttl = …}}` would replace defaults kept in `timing`.
struct redis_lock_options {
  lease_timing timing;
  std::chrono::milliseconds io_timeout{200};
  backoff_options retry{std::chrono::microseconds{500}, std::chrono::microseconds{20'000}};
  // Durable epochs for the fences (epoch.hpp). Shared by the clients of a process.
  std::shared_ptr<epoch_source> epochs;
  // Without `epochs`: take a new epoch from the server's clock (seconds) when the fence state
  // is missing (see the header for what that relies on); false: epoch 0 always.
  bool clock_epochs = true;
  // Refuse a server up for less than ttl + drift(ttl) (see the header). Turn off only for a
  // server that cannot lose acknowledged writes (`appendonly yes`, `appendfsync always`).
  bool restart_guard = true;
};

// Counters of one lock object (for benchmarks and tests).
struct lock_stats {
  std::uint64_t attempts = 0;  // try_acquire rounds
  std::uint64_t acquired = 0;
  std::uint64_t errors = 0;                  // I/O errors / unreachable instances
  std::uint64_t refused_recent_restart = 0;  // instances refused by the restart guard
  std::uint64_t epochs_installed = 0;        // grants that found the fence state missing
};

class redis_lock {
 public:
  redis_lock(redis_endpoint ep, std::string name, redis_lock_options opts = {});

  // One attempt. nullopt if the lock is held (or the server is unreachable).
  std::optional<lease> try_acquire();
  // Retries with backoff until acquired or `timeout` has passed.
  std::optional<lease> acquire(std::chrono::milliseconds timeout);
  // Deletes the key if this lease still owns it. Returns whether it did.
  bool release(const lease& l);
  // Resets the key's ttl to `ttl` if this lease still owns it, and moves valid_until.
  bool extend(lease& l, std::chrono::milliseconds ttl);

  const lock_stats& stats() const { return stats_; }
  const redis_lock_options& options() const { return opts_; }
  // Server restarts this client observed (run id changes across reconnections).
  std::uint64_t restarts_seen() const { return conn_.run_id_changes(); }

 private:
  std::string name_;
  redis_lock_options opts_;
  redis_connection conn_;
  backoff backoff_;
  lock_stats stats_;
};

namespace detail {
// The Lua scripts, shared with redlock (KEYS[1] = lock key, KEYS[2] = fence hash
// `name:fencing` with fields e (epoch) and c (counter): one key, so that it is lost or
// evicted as a whole, never the epoch without the counter).
// ARGV: token, ttl ms, "1" if the client has an epoch source -> {epoch, counter}:
// {0, 0} not granted; {-1, 0} granted but the fence state is missing (install an epoch).
extern const char* const kAcquireScript;
// ARGV: token, epoch -> {epoch, counter} (owner-checked; {0, 0} if no longer the owner).
extern const char* const kInstallEpochScript;
extern const char* const kReleaseScript;  // ARGV: token -> 1 or 0
extern const char* const kExtendScript;   // ARGV: token, ttl ms -> 1 or 0
// ARGV: token, epoch, counter -> 1 or 0 (owner-checked raise of (e, c) to at least that).
extern const char* const kRaiseFenceScript;

// The fence state key of a lock name.
inline std::string fencing_key(const std::string& name) { return name + ":fencing"; }
// Where a new epoch comes from when a grant finds the fence state missing.
enum class epoch_mode : std::uint8_t { source, clock, none };
inline epoch_mode mode_of(const epoch_source* epochs, bool clock_epochs) {
  return epochs ? epoch_mode::source : clock_epochs ? epoch_mode::clock : epoch_mode::none;
}
struct fence_reply {
  long long epoch = 0;  // -1: granted, but the fence state is missing (install an epoch)
  long long counter = 0;
};
// Runs kAcquireScript on c: nullopt if not granted. Throws redis_error (outcome unknown).
std::optional<fence_reply> acquire_script(redis_connection& c, const std::string& name,
                                          const std::string& token, std::chrono::milliseconds ttl,
                                          epoch_mode mode);
// Runs kInstallEpochScript on c: nullopt if the token no longer owns the key there.
std::optional<fence_reply> install_epoch(redis_connection& c, const std::string& name,
                                         const std::string& token, std::uint64_t epoch);
// (epoch << 32) | counter, or nullopt if a part is out of range.
std::optional<std::uint64_t> make_fence(long long epoch, long long counter);
}  // namespace detail

}  // namespace lockstep::dist
