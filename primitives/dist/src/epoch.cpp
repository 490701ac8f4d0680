#include "lockstep/dist/epoch.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <utility>

namespace lockstep::dist {

redis_epoch_source::redis_epoch_source(redis_endpoint ep, redis_epoch_source_options opts)
    : opts_(opts), conn_(std::move(ep), opts.io_timeout) {}

namespace {
std::string config_value(redis_connection& c, const char* key) {
  auto r = c.command({"CONFIG", "GET", key});
  if (r.type != redis_reply::kind::array || r.elements.size() != 2) return "";
  return r.elements[1].str;
}
}  // namespace

void redis_epoch_source::check_durable() {
  const std::string aof = config_value(conn_, "appendonly");
  const std::string fsync = config_value(conn_, "appendfsync");
  if (aof != "yes" || fsync != "always") {
    throw redis_error("epoch source " + conn_.endpoint().host + ":" +
                      std::to_string(conn_.endpoint().port) + " is not durable (appendonly=" + aof +
                      ", appendfsync=" + fsync + "; need yes/always)");
  }
}

std::uint64_t redis_epoch_source::next_epoch(const std::string& name) {
  std::lock_guard g(mu_);
  if (opts_.require_fsync) {
    // Checked on every new connection: the server behind the port may have been replaced.
    // The check and the INCR run on the same connection (a command that fails closes it,
    // and the next call reconnects and checks again).
    if (conn_.generation() == 0 || conn_.generation() != checked_generation_) {
      check_durable();
      checked_generation_ = conn_.generation();
    }
  }
  auto r = conn_.command({"INCR", "lockstep:epoch:" + name});
  if (opts_.require_fsync && conn_.generation() != checked_generation_) {
    throw redis_error("epoch source reconnected during INCR");  // not checked: do not trust
  }
  if (r.type != redis_reply::kind::integer || r.integer <= 0) {
    throw redis_error("epoch source: unexpected INCR reply");
  }
  return static_cast<std::uint64_t>(r.integer);
}

struct sqlite_epoch_source::impl {
  sqlite3* db = nullptr;
  sqlite3_stmt* next = nullptr;
};

namespace {
[[noreturn]] void sqlite_fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("sqlite epoch source: " + what + ": " +
                           (db ? sqlite3_errmsg(db) : "out of memory"));
}
void sqlite_exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) sqlite_fail(db, sql);
}
}  // namespace

sqlite_epoch_source::sqlite_epoch_source(const std::string& path)
    : impl_(std::make_unique<impl>()) {
  if (sqlite3_open(path.c_str(), &impl_->db) != SQLITE_OK) {
    std::string msg = impl_->db ? sqlite3_errmsg(impl_->db) : "out of memory";
    sqlite3_close(impl_->db);
    throw std::runtime_error("sqlite epoch source: open " + path + ": " + msg);
  }
  try {
    sqlite3_busy_timeout(impl_->db, 5000);
    // Rollback journal + FULL: the commit is on disk (fsync) before sqlite3_step returns.
    sqlite_exec(impl_->db, "PRAGMA journal_mode = DELETE");
    sqlite_exec(impl_->db, "PRAGMA synchronous = FULL");
    sqlite_exec(impl_->db,
                "CREATE TABLE IF NOT EXISTS lockstep_epochs("
                "name TEXT PRIMARY KEY, epoch INTEGER NOT NULL)");
    const char* sql =
        "INSERT INTO lockstep_epochs(name, epoch) VALUES (?, 1) "
        "ON CONFLICT(name) DO UPDATE SET epoch = epoch + 1 RETURNING epoch";
    if (sqlite3_prepare_v2(impl_->db, sql, -1, &impl_->next, nullptr) != SQLITE_OK) {
      sqlite_fail(impl_->db, sql);
    }
  } catch (...) {
    sqlite3_finalize(impl_->next);
    sqlite3_close(impl_->db);
    throw;
  }
}

sqlite_epoch_source::~sqlite_epoch_source() {
  sqlite3_finalize(impl_->next);
  sqlite3_close(impl_->db);
}

std::uint64_t sqlite_epoch_source::next_epoch(const std::string& name) {
  std::lock_guard g(mu_);
  sqlite3* db = impl_->db;
  sqlite3_stmt* s = impl_->next;
  sqlite_exec(db, "BEGIN IMMEDIATE");
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, name.c_str(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  std::int64_t epoch = 0;
  if (sqlite3_step(s) == SQLITE_ROW) epoch = sqlite3_column_int64(s, 0);
  const bool done = sqlite3_step(s) == SQLITE_DONE;
  sqlite3_reset(s);
  if (epoch <= 0 || !done) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite_fail(db, "next epoch");
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(db);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw std::runtime_error("sqlite epoch source: COMMIT: " + msg);
  }
  return static_cast<std::uint64_t>(epoch);
}

}  // namespace lockstep::dist
