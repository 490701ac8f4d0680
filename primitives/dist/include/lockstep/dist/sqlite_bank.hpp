// lockstep/dist/sqlite_bank.hpp — bank transfers on an embedded SQLite database file.
//
// Contract: see bank.hpp. SQLite specifics:
//   * Pessimistic: `BEGIN IMMEDIATE` takes the database write lock before the reads, so the
//     read-check-write cannot interleave with another writer. (A DEFERRED read-then-write
//     fails with SQLITE_BUSY at once when another writer got in first, whatever the
//     busy_timeout — that is why it is not used.)
//   * Optimistic: the reads run outside any transaction; the write phase is a short
//     `BEGIN IMMEDIATE` transaction whose `UPDATE … WHERE version = ?` must hit one row each.
//   * WAL journal (readers do not block the writer), synchronous=NORMAL, busy_timeout.
//
// One sqlite_bank is one connection: use one per thread, all on the same file.
//
// Usage
//   sqlite_bank::create(path, 10, 1000);            // once
//   sqlite_bank bank(path, {.mode = lock_mode::optimistic});
//   auto r = bank.transfer({random_token(), 1, 2, 50});
#pragma once

#include <string>

#include "lockstep/dist/bank.hpp"

namespace lockstep::dist {

class sqlite_bank final : public bank {
 public:
  // (Re)creates the schema in `path` with accounts 1..n, each holding `opening` cents.
  static void create(const std::string& path, int accounts, std::int64_t opening);

  // Opens the database file `path` (created by create()); transfer/audit/…: see bank.
  sqlite_bank(const std::string& path, bank_options opts = {});
};

}  // namespace lockstep::dist
