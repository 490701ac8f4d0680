// lockstep/dist/bank.hpp — the bank-account schema and the transfer contract shared by the
// SQLite and PostgreSQL implementations (sqlite_bank.hpp, pg_bank.hpp).
//
// Schema
//   accounts(id INTEGER PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0),
//            opening_balance BIGINT NOT NULL, version BIGINT NOT NULL DEFAULT 0)
//   transfer_log(transfer_id TEXT PRIMARY KEY, from_id, to_id, amount, status, attempts)
//
// Guarantees of transfer() (both databases, both lock modes)
//   * Atomic: the two balance updates and the log row commit together or not at all.
//   * Exactly once: every attempt first looks the transfer id up in transfer_log and returns
//     the recorded outcome if it is there, so a retry after an ambiguous commit (lost
//     connection) cannot apply or log a transfer twice; the primary key backs this up.
//   * No negative balance: a transfer that would overdraw is logged as insufficient_funds and
//     moves no money (the CHECK constraint is a second line of defence, never the mechanism).
//   * Conflicts are retried with backoff, up to max_attempts: busy/locked database (SQLite),
//     deadlocks detected by the server and serialization failures (PostgreSQL), and version
//     mismatches (optimistic mode). Only when max_attempts is exhausted does a transfer give
//     up, without effect and without a log row.
//   * audit() checks the invariants: total conserved, no negative balance, and every balance
//     equals opening balance + logged incoming − logged outgoing (each applied transfer logged
//     exactly once).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "lockstep/dist/backoff.hpp"

namespace lockstep::dist {

enum class lock_mode : std::uint8_t {
  // Lock the rows before reading them: SQLite `BEGIN IMMEDIATE`, PostgreSQL
  // `SELECT … FOR UPDATE`.
  pessimistic,
  // Read without locks, then write with `UPDATE … WHERE version = <read version>`; a changed
  // version means someone else won: retry.
  optimistic,
  // No database locking beyond the transaction: read, then write absolute values. Only
  // correct while the caller excludes conflicting transfers itself — e.g. holds a Redis lock
  // or Redlock on both accounts (the distributed-lock benchmarks). PostgreSQL only; SQLite
  // treats it as pessimistic (its write lock is database-wide anyway).
  external,
};

const char* to_string(lock_mode m);

struct transfer_request {
  std::string id;  // unique per transfer, reused by its retries (random_token())
  int from = 0;
  int to = 0;
  std::int64_t amount = 0;
};

enum class transfer_status : std::uint8_t { applied, insufficient_funds, gave_up };

struct transfer_result {
  transfer_status status = transfer_status::gave_up;
  int attempts = 0;   // transactions started
  int conflicts = 0;  // version mismatches, busy/locked, serialization failures
  int deadlocks = 0;  // aborted by the server's deadlock detector
};

struct bank_options {
  lock_mode mode = lock_mode::pessimistic;
  int max_attempts = 200;
  backoff_options retry{std::chrono::microseconds{200}, std::chrono::microseconds{20'000}};
  // PostgreSQL pessimistic mode: lock the two rows in id order (no deadlocks) or in transfer
  // order (opposite transfers deadlock; the server detects it and one of them is retried).
  bool ordered_locks = true;
  // Test hook, pessimistic mode: called after the first row lock is taken.
  std::function<void()> after_first_lock;
};

struct bank_audit {
  std::int64_t accounts = 0;
  std::int64_t total = 0;
  std::int64_t min_balance = 0;
  std::int64_t log_rows = 0;
  std::int64_t applied = 0;
  // Accounts whose balance differs from opening + logged in − logged out.
  std::int64_t log_mismatches = 0;
};

namespace detail {

// The retry loop shared by both databases: attempt(n) runs transaction attempt n and returns
// its outcome, or nullopt for a conflict (version mismatch, busy) to be retried after a backoff
// delay. An exception thrown by attempt is handed to on_error(result) inside the catch block:
// it rethrows (`throw;`) and catches what is retryable, counting it in the result; anything
// it lets escape ends the transfer.
template <class Attempt, class OnError>
transfer_result retry_transfer(const bank_options& opts, backoff& retry, Attempt&& attempt,
                               OnError&& on_error) {
  transfer_result r;
  retry.reset();
  while (r.attempts < opts.max_attempts) {
    ++r.attempts;
    try {
      if (std::optional<transfer_status> st = attempt(r.attempts)) {
        r.status = *st;
        return r;
      }
      ++r.conflicts;
    } catch (...) {
      on_error(r);
    }
    std::this_thread::sleep_for(retry.next());
  }
  r.status = transfer_status::gave_up;
  return r;
}

// audit() queries, the same SQL on both databases.
inline constexpr const char* kAuditTotalsSql =
    "SELECT count(*), coalesce(sum(balance), 0), coalesce(min(balance), 0) FROM accounts";
inline constexpr const char* kAuditMismatchesSql =
    "SELECT count(*) FROM accounts a WHERE a.balance != a.opening_balance "
    " + coalesce((SELECT sum(amount) FROM transfer_log "
    "             WHERE to_id = a.id AND status = 'applied'), 0)"
    " - coalesce((SELECT sum(amount) FROM transfer_log "
    "             WHERE from_id = a.id AND status = 'applied'), 0)";

}  // namespace detail

}  // namespace lockstep::dist
