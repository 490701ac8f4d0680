#include "lockstep/dist/sqlite_bank.hpp"

#include <sqlite3.h>

#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

namespace lockstep::dist {

const char* to_string(lock_mode m) {
  switch (m) {
    case lock_mode::pessimistic:
      return "pessimistic";
    case lock_mode::optimistic:
      return "optimistic";
    case lock_mode::external:
      return "external";
  }
  return "?";
}

namespace {

// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock; the attempt is retried.
struct sqlite_busy : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
  const int primary = rc & 0xff;
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw sqlite_busy(msg);
  throw std::runtime_error("sqlite: " + msg);
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) throw sqlite_busy(msg);
    throw std::runtime_error(std::string("sqlite: ") + sql + ": " + msg);
  }
}

class stmt {
 public:
  stmt(sqlite3* db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, sql);
  }
  ~stmt() { sqlite3_finalize(s_); }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;

  stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Steps once: true if a row is available.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, sqlite3_sql(s_));
  }
  void run() {
    while (step()) {
    }
  }
  std::int64_t col(int i) { return sqlite3_column_int64(s_, i); }
  std::string text(int i) {
    const auto* p = sqlite3_column_text(s_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw std::runtime_error("sqlite: cannot open " + path + ": " + msg);
  }
  // Waits up to 5 s for a lock held by another connection before answering SQLITE_BUSY.
  sqlite3_busy_timeout(db, 5000);
  return db;
}

transfer_status parse_status(const std::string& s) {
  return s == "applied" ? transfer_status::applied : transfer_status::insufficient_funds;
}

// One connection to the database file (bank_backend: see bank.hpp).
struct sqlite_backend final : bank_backend {
  sqlite3* db = nullptr;
  bank_options opts;
  backoff retry;

  sqlite_backend(const std::string& path, bank_options o) : opts(std::move(o)), retry(opts.retry) {
    db = open_db(path);
    // synchronous=NORMAL in WAL mode: durable up to the last checkpoint after a power loss,
    // never corrupt — the tests and benchmarks measure locking, not fsync.
    exec(db, "PRAGMA synchronous=NORMAL");
  }
  ~sqlite_backend() override { sqlite3_close(db); }
  sqlite_backend(const sqlite_backend&) = delete;
  sqlite_backend& operator=(const sqlite_backend&) = delete;

  transfer_result transfer(const transfer_request& t) override;
  bank_audit audit() override;
  std::int64_t balance(int account) override;
  std::int64_t log_count(const std::string& transfer_id) override;

  void rollback() noexcept {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  std::optional<transfer_status> logged(const std::string& id) {
    stmt s(db, "SELECT status FROM transfer_log WHERE transfer_id = ?");
    s.bind(1, id);
    if (s.step()) return parse_status(s.text(0));
    return std::nullopt;
  }

  void log(const transfer_request& t, transfer_status st, int attempts) {
    stmt s(db,
           "INSERT INTO transfer_log(transfer_id, from_id, to_id, amount, status, attempts) "
           "VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, t.id).bind(2, t.from).bind(3, t.to).bind(4, t.amount);
    s.bind(5, std::string(st == transfer_status::applied ? "applied" : "insufficient_funds"));
    s.bind(6, attempts);
    s.run();
  }

  std::pair<std::int64_t, std::int64_t> read(int id) {  // balance, version
    stmt s(db, "SELECT balance, version FROM accounts WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) throw std::runtime_error("sqlite: no account " + std::to_string(id));
    return {s.col(0), s.col(1)};
  }

  void add(int id, std::int64_t delta) {
    stmt s(db, "UPDATE accounts SET balance = balance + ?, version = version + 1 WHERE id = ?");
    s.bind(1, delta).bind(2, id);
    s.run();
  }

  // One pessimistic attempt: everything under the write lock.
  transfer_status pessimistic(const transfer_request& t, int attempt) {
    exec(db, "BEGIN IMMEDIATE");
    if (opts.after_first_lock) opts.after_first_lock();
    if (auto st = logged(t.id)) {
      exec(db, "COMMIT");
      return *st;
    }
    const auto [from_balance, from_version] = read(t.from);
    (void)from_version;
    (void)read(t.to);
    transfer_status st = transfer_status::insufficient_funds;
    if (from_balance >= t.amount) {
      add(t.from, -t.amount);
      add(t.to, t.amount);
      st = transfer_status::applied;
    }
    log(t, st, attempt);
    exec(db, "COMMIT");
    return st;
  }

  // One optimistic attempt; nullopt: a version changed between read and write.
  std::optional<transfer_status> optimistic(const transfer_request& t, int attempt) {
    if (auto st = logged(t.id)) return st;
    const auto [from_balance, from_version] = read(t.from);
    const auto [to_balance, to_version] = read(t.to);
    exec(db, "BEGIN IMMEDIATE");
    if (auto st = logged(t.id)) {
      exec(db, "COMMIT");
      return st;
    }
    transfer_status st = transfer_status::insufficient_funds;
    if (from_balance >= t.amount) {
      for (const auto& [id, balance, version] :
           {std::tuple{t.from, from_balance - t.amount, from_version},
            std::tuple{t.to, to_balance + t.amount, to_version}}) {
        stmt s(db,
               "UPDATE accounts SET balance = ?, version = version + 1 "
               "WHERE id = ? AND version = ?");
        s.bind(1, balance).bind(2, id).bind(3, version);
        s.run();
        if (sqlite3_changes(db) != 1) {
          rollback();
          return std::nullopt;
        }
      }
      st = transfer_status::applied;
    } else if (read(t.from).second != from_version) {
      // The overdraft decision was made on a stale read: decide again.
      rollback();
      return std::nullopt;
    }
    log(t, st, attempt);
    exec(db, "COMMIT");
    return st;
  }
};

}  // namespace

void sqlite_bank::create(const std::string& path, int accounts, std::int64_t opening) {
  sqlite3* db = open_db(path);
  try {
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db,
         "BEGIN IMMEDIATE;"
         "DROP TABLE IF EXISTS accounts;"
         "DROP TABLE IF EXISTS transfer_log;"
         "CREATE TABLE accounts(id INTEGER PRIMARY KEY, "
         "  balance BIGINT NOT NULL CHECK (balance >= 0), "
         "  opening_balance BIGINT NOT NULL, version BIGINT NOT NULL DEFAULT 0);"
         "CREATE TABLE transfer_log(transfer_id TEXT PRIMARY KEY, from_id INTEGER NOT NULL, "
         "  to_id INTEGER NOT NULL, amount BIGINT NOT NULL, status TEXT NOT NULL, "
         "  attempts INTEGER NOT NULL);");
    for (int i = 1; i <= accounts; ++i) {
      stmt ins(db, "INSERT INTO accounts(id, balance, opening_balance) VALUES (?, ?, ?)");
      ins.bind(1, i).bind(2, opening).bind(3, opening);
      ins.run();
    }
    exec(db, "COMMIT");
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
}

sqlite_bank::sqlite_bank(const std::string& path, bank_options opts)
    : bank(std::make_unique<sqlite_backend>(path, std::move(opts))) {}

transfer_result sqlite_backend::transfer(const transfer_request& t) {
  return detail::retry_transfer(
      opts, retry,
      [&](int attempt) {
        return opts.mode == lock_mode::optimistic ? optimistic(t, attempt)
                                                  : pessimistic(t, attempt);
      },
      [&](transfer_result& r) {
        rollback();
        try {
          throw;
        } catch (const sqlite_busy&) {
          ++r.conflicts;
        }
      });
}

bank_audit sqlite_backend::audit() {
  bank_audit a;
  stmt s(db, detail::kAuditTotalsSql);
  s.step();
  a.accounts = s.col(0);
  a.total = s.col(1);
  a.min_balance = s.col(2);
  stmt l(db, "SELECT count(*), coalesce(sum(status = 'applied'), 0) FROM transfer_log");
  l.step();
  a.log_rows = l.col(0);
  a.applied = l.col(1);
  stmt m(db, detail::kAuditMismatchesSql);
  m.step();
  a.log_mismatches = m.col(0);
  return a;
}

std::int64_t sqlite_backend::balance(int account) { return read(account).first; }

std::int64_t sqlite_backend::log_count(const std::string& transfer_id) {
  stmt s(db, "SELECT count(*) FROM transfer_log WHERE transfer_id = ?");
  s.bind(1, transfer_id);
  s.step();
  return s.col(0);
}

}  // namespace lockstep::dist
