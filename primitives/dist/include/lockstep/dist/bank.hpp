// lockstep/dist/bank.hpp — the bank-account schema and the transfer contract shared by the
// SQLite and PostgreSQL implementations (sqlite_bank.hpp, pg_bank.hpp), and their common
// interface: class `bank`, backed by a `bank_backend` that each database implements.
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
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

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

// What a database implements (sqlite_bank.cpp, pg_bank.cpp): the operations of `bank` below,
// which documents them. One backend object is one connection.
class bank_backend {
 public:
  virtual ~bank_backend() = default;
  virtual transfer_result transfer(const transfer_request& t) = 0;
  virtual bank_audit audit() = 0;
  virtual std::int64_t balance(int account) = 0;
  virtual std::int64_t log_count(const std::string& transfer_id) = 0;
};

// One connection to a bank database. sqlite_bank and pg_bank add only how to create the
// schema and how to connect, so code that transfers and audits takes a `bank&` and runs on
// either. Not thread-safe: use one object per thread.
class bank {
 public:
  bank(const bank&) = delete;
  bank& operator=(const bank&) = delete;

  // Moves t.amount from t.from to t.to with the guarantees above (atomic, exactly once per
  // t.id, never overdrawing), retrying conflicts up to bank_options::max_attempts.
  transfer_result transfer(const transfer_request& t) { return backend_->transfer(t); }
  // Checks the invariants listed above; a correct history has log_mismatches == 0.
  bank_audit audit() { return backend_->audit(); }
  std::int64_t balance(int account) { return backend_->balance(account); }
  // The number of log rows with this transfer id (0 or 1).
  std::int64_t log_count(const std::string& transfer_id) {
    return backend_->log_count(transfer_id);
  }

 protected:
  explicit bank(std::unique_ptr<bank_backend> backend) : backend_(std::move(backend)) {}
  // Not virtual: a bank is never owned through a bank*, and the implementations add no state.
  ~bank() = default;

 private:
  std::unique_ptr<bank_backend> backend_;
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
