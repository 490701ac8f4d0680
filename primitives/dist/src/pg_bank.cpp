#include "lockstep/dist/pg_bank.hpp"

#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>
#include <utility>

namespace lockstep::dist {
namespace {

transfer_status parse_status(const std::string& s) {
  return s == "applied" ? transfer_status::applied : transfer_status::insufficient_funds;
}

// Connects with the bank's schema first on the search path, so that the SQL below names
// tables without a schema and independent banks share one cluster.
std::unique_ptr<pqxx::connection> connect(const std::string& conninfo, const std::string& schema) {
  auto c = std::make_unique<pqxx::connection>(conninfo);
  pqxx::nontransaction n(*c);
  n.exec("SET search_path TO " + n.quote_name(schema));
  return c;
}

// One connection to the bank in `schema` (bank_backend: see bank.hpp).
struct pg_backend final : bank_backend {
  std::string conninfo;
  std::string schema;
  bank_options opts;
  backoff retry;
  std::unique_ptr<pqxx::connection> conn;

  // Connects at once, so that a bad conninfo fails the pg_bank constructor.
  pg_backend(std::string ci, std::string s, bank_options o)
      : conninfo(std::move(ci)), schema(std::move(s)), opts(std::move(o)), retry(opts.retry) {
    c();
  }

  transfer_result transfer(const transfer_request& t) override;
  bank_audit audit() override;
  std::int64_t balance(int account) override;
  std::int64_t log_count(const std::string& transfer_id) override;

  pqxx::connection& c() {
    if (!conn || !conn->is_open()) conn = connect(conninfo, schema);
    return *conn;
  }

  static std::optional<transfer_status> logged(pqxx::transaction_base& w, const std::string& id) {
    auto r = w.exec_params("SELECT status FROM transfer_log WHERE transfer_id = $1", id);
    if (r.empty()) return std::nullopt;
    return parse_status(r[0][0].as<std::string>());
  }

  static void log(pqxx::transaction_base& w, const transfer_request& t, transfer_status st,
                  int attempts) {
    w.exec_params(
        "INSERT INTO transfer_log(transfer_id, from_id, to_id, amount, status, attempts) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        t.id, t.from, t.to, t.amount,
        std::string(st == transfer_status::applied ? "applied" : "insufficient_funds"), attempts);
  }

  static std::int64_t lock_row(pqxx::transaction_base& w, int id) {
    auto r = w.exec_params("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id);
    if (r.empty()) throw std::runtime_error("pg: no account " + std::to_string(id));
    return r[0][0].as<std::int64_t>();
  }

  transfer_status pessimistic(const transfer_request& t, int attempt) {
    pqxx::work w(c());
    if (auto st = logged(w, t.id)) return *st;
    const bool from_first = !opts.ordered_locks || t.from < t.to;
    const int first = from_first ? t.from : t.to;
    const int second = from_first ? t.to : t.from;
    const std::int64_t b1 = lock_row(w, first);
    if (opts.after_first_lock) opts.after_first_lock();
    const std::int64_t b2 = lock_row(w, second);
    const std::int64_t from_balance = from_first ? b1 : b2;
    transfer_status st = transfer_status::insufficient_funds;
    if (from_balance >= t.amount) {
      w.exec_params(
          "UPDATE accounts SET balance = balance - $1, version = version + 1 WHERE id = $2",
          t.amount, t.from);
      w.exec_params(
          "UPDATE accounts SET balance = balance + $1, version = version + 1 WHERE id = $2",
          t.amount, t.to);
      st = transfer_status::applied;
    }
    log(w, t, st, attempt);
    w.commit();
    return st;
  }

  // The caller excludes conflicting transfers (a distributed lock on both accounts).
  transfer_status external(const transfer_request& t, int attempt) {
    pqxx::work w(c());
    if (auto st = logged(w, t.id)) return *st;
    auto r = w.exec_params("SELECT id, balance FROM accounts WHERE id IN ($1, $2)", t.from, t.to);
    std::int64_t from_balance = 0, to_balance = 0;
    for (const auto& row : r) {
      (row[0].as<int>() == t.from ? from_balance : to_balance) = row[1].as<std::int64_t>();
    }
    transfer_status st = transfer_status::insufficient_funds;
    if (from_balance >= t.amount) {
      w.exec_params("UPDATE accounts SET balance = $1, version = version + 1 WHERE id = $2",
                    from_balance - t.amount, t.from);
      w.exec_params("UPDATE accounts SET balance = $1, version = version + 1 WHERE id = $2",
                    to_balance + t.amount, t.to);
      st = transfer_status::applied;
    }
    log(w, t, st, attempt);
    w.commit();
    return st;
  }

  std::optional<transfer_status> optimistic(const transfer_request& t, int attempt) {
    std::int64_t from_balance = 0, from_version = 0, to_balance = 0, to_version = 0;
    {
      pqxx::nontransaction n(c());
      if (auto st = logged(n, t.id)) return st;
      auto r = n.exec_params("SELECT id, balance, version FROM accounts WHERE id IN ($1, $2)",
                             t.from, t.to);
      for (const auto& row : r) {
        const int id = row[0].as<int>();
        (id == t.from ? from_balance : to_balance) = row[1].as<std::int64_t>();
        (id == t.from ? from_version : to_version) = row[2].as<std::int64_t>();
      }
    }
    pqxx::work w(c());
    if (auto st = logged(w, t.id)) return st;
    transfer_status st = transfer_status::insufficient_funds;
    if (from_balance >= t.amount) {
      // In id order, so that two optimistic writers never wait for each other in a cycle.
      std::tuple<int, std::int64_t, std::int64_t> rows[2] = {
          {t.from, from_balance - t.amount, from_version},
          {t.to, to_balance + t.amount, to_version}};
      if (t.to < t.from) std::swap(rows[0], rows[1]);
      for (const auto& [id, balance, version] : rows) {
        auto r = w.exec_params(
            "UPDATE accounts SET balance = $1, version = version + 1 WHERE id = $2 AND version = "
            "$3",
            balance, id, version);
        if (r.affected_rows() != 1) return std::nullopt;  // w's destructor rolls back
      }
      st = transfer_status::applied;
    } else {
      auto r = w.exec_params("SELECT version FROM accounts WHERE id = $1 FOR SHARE", t.from);
      if (r.empty() || r[0][0].as<std::int64_t>() != from_version) return std::nullopt;
    }
    log(w, t, st, attempt);
    w.commit();
    return st;
  }
};

}  // namespace

void pg_bank::create(const std::string& conninfo, const std::string& schema, int accounts,
                     std::int64_t opening) {
  pqxx::connection c(conninfo);
  pqxx::work w(c);
  const std::string s = w.quote_name(schema);
  w.exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
  w.exec("CREATE SCHEMA " + s);
  w.exec("CREATE TABLE " + s +
         ".accounts(id INTEGER PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0), "
         "opening_balance BIGINT NOT NULL, version BIGINT NOT NULL DEFAULT 0)");
  w.exec("CREATE TABLE " + s +
         ".transfer_log(transfer_id TEXT PRIMARY KEY, from_id INTEGER NOT NULL, "
         "to_id INTEGER NOT NULL, amount BIGINT NOT NULL, status TEXT NOT NULL, "
         "attempts INTEGER NOT NULL)");
  w.exec_params("INSERT INTO " + s +
                    ".accounts(id, balance, opening_balance) "
                    "SELECT g, $2, $2 FROM generate_series(1, $1) g",
                accounts, opening);
  w.commit();
}

pg_bank::pg_bank(std::string conninfo, std::string schema, bank_options opts)
    : bank(std::make_unique<pg_backend>(std::move(conninfo), std::move(schema), std::move(opts))) {}

transfer_result pg_backend::transfer(const transfer_request& t) {
  return detail::retry_transfer(
      opts, retry,
      [&](int attempt) -> std::optional<transfer_status> {
        switch (opts.mode) {
          case lock_mode::pessimistic:
            return pessimistic(t, attempt);
          case lock_mode::optimistic:
            return optimistic(t, attempt);
          case lock_mode::external:
            return external(t, attempt);
        }
        return std::nullopt;
      },
      [&](transfer_result& r) {
        try {
          throw;
        } catch (const pqxx::deadlock_detected&) {
          ++r.deadlocks;
        } catch (const pqxx::transaction_rollback&) {
          ++r.conflicts;  // serialization failure / statement completion unknown
        } catch (const pqxx::unique_violation&) {
          // The same transfer id committed concurrently (a duplicate submission): the retry's
          // log lookup returns its recorded outcome.
          ++r.conflicts;
        } catch (const pqxx::in_doubt_error&) {
          conn.reset();  // did the commit happen? the log lookup of the retry will tell
        } catch (const pqxx::broken_connection&) {
          conn.reset();
        }
      });
}

bank_audit pg_backend::audit() {
  pqxx::nontransaction n(c());
  bank_audit a;
  auto r = n.exec(detail::kAuditTotalsSql);
  a.accounts = r[0][0].as<std::int64_t>();
  a.total = r[0][1].as<std::int64_t>();
  a.min_balance = r[0][2].as<std::int64_t>();
  r = n.exec("SELECT count(*), count(*) FILTER (WHERE status = 'applied') FROM transfer_log");
  a.log_rows = r[0][0].as<std::int64_t>();
  a.applied = r[0][1].as<std::int64_t>();
  r = n.exec(detail::kAuditMismatchesSql);
  a.log_mismatches = r[0][0].as<std::int64_t>();
  return a;
}

std::int64_t pg_backend::balance(int account) {
  pqxx::nontransaction n(c());
  auto r = n.exec_params("SELECT balance FROM accounts WHERE id = $1", account);
  return r.at(0)[0].as<std::int64_t>();
}

std::int64_t pg_backend::log_count(const std::string& transfer_id) {
  pqxx::nontransaction n(c());
  auto r = n.exec_params("SELECT count(*) FROM transfer_log WHERE transfer_id = $1", transfer_id);
  return r[0][0].as<std::int64_t>();
}

}  // namespace lockstep::dist
