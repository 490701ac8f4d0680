// lockstep/dist/redis.hpp — a lock on one redis-server, with fencing tokens.
//
// Guarantees (while the server keeps its data and clocks behave)
//   * At most one lease of a lock name is valid at a time: try_acquire() sets the key with
//     `SET name token NX PX ttl`, so only one client can hold it until it expires or is
//     released.
//   * release() and extend() are owner-checked (a Lua script compares the stored token with
//     the lease's), so a client whose lease expired cannot delete or prolong the lock of the
//     next owner.
//   * Every successful acquisition carries a fencing token: the script that sets the key also
//     increments `name:fence` in the same atomic step, so a later grant always has a strictly
//     larger fence than an earlier one. A resource that rejects fences lower than the highest
//     it has seen (fenced_resource.hpp) stays safe even when a lease holder is paused past its
//     ttl — which no lock with a timeout can prevent by itself.
//   * lease::valid_until is conservative: acquisition start + ttl − clock drift allowance.
//     Work that has to be protected must finish before it (or use the fence).
//   * No call blocks longer than its timeouts: every command has a socket timeout and every
//     wait loop a deadline.
//
// A redis_lock object is one client with one connection: use one per thread. A failed
// connection is reopened by the next call.
//
// Usage
//   lockstep::dist::redis_lock lock({"127.0.0.1", port}, "orders", {.timing = {.ttl = 500ms}});
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

// One reply, reduced to what the lock scripts return.
struct redis_reply {
  enum class kind : std::uint8_t { nil, integer, string, status, array, error };
  kind type = kind::nil;
  long long integer = 0;
  std::string str;
  std::vector<redis_reply> elements;
};

// A synchronous hiredis connection with connect and command timeouts.
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

 private:
  void ensure_connected();
  void close();
  redis_endpoint ep_;
  std::chrono::milliseconds timeout_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct lease {
  std::string name;
  std::string token;  // owner token stored as the key's value
  std::uint64_t fence = 0;
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
};

// Counters of one lock object (for benchmarks and tests).
struct lock_stats {
  std::uint64_t attempts = 0;  // try_acquire rounds
  std::uint64_t acquired = 0;
  std::uint64_t errors = 0;  // I/O errors / unreachable instances
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

 private:
  std::string name_;
  redis_lock_options opts_;
  redis_connection conn_;
  backoff backoff_;
  lock_stats stats_;
};

namespace detail {
// The Lua scripts, shared with redlock (KEYS[1] = lock key, KEYS[2] = fence counter key).
extern const char* const kAcquireScript;     // ARGV: token, ttl ms -> fence or 0
extern const char* const kReleaseScript;     // ARGV: token -> 1 or 0
extern const char* const kExtendScript;      // ARGV: token, ttl ms -> 1 or 0
extern const char* const kRaiseFenceScript;  // ARGV: token, fence -> 1 or 0
}  // namespace detail

}  // namespace lockstep::dist
