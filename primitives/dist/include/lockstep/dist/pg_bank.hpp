// lockstep/dist/pg_bank.hpp — bank transfers on PostgreSQL (libpqxx), READ COMMITTED.
//
// Contract: see bank.hpp. PostgreSQL specifics:
//   * Pessimistic: `SELECT balance … FOR UPDATE` on both rows (in id order, or in transfer
//     order with ordered_locks = false, where opposite transfers deadlock: the server aborts
//     one with SQLSTATE 40P01 and it is retried).
//   * Optimistic: reads in their own statement, then one transaction with
//     `UPDATE … SET version = version + 1 WHERE id = $ AND version = $read` (in id order); a
//     concurrent commit makes the re-checked WHERE miss (0 rows): rollback and retry.
//   * A broken connection is reopened and the transfer retried (exactly-once holds: see
//     bank.hpp).
//   * The tables live in the schema named by `schema` (created by create()), so independent
//     tests can share one cluster.
//
// One pg_bank is one connection: use one per thread.
//
// Usage
//   pg_bank::create("host=127.0.0.1 port=5433 user=postgres dbname=postgres", "t1", 10, 1000);
//   pg_bank bank(conninfo, "t1", {.mode = lock_mode::pessimistic});
#pragma once

#include <memory>
#include <string>

#include "lockstep/dist/bank.hpp"

namespace lockstep::dist {

class pg_bank {
 public:
  static void create(const std::string& conninfo, const std::string& schema, int accounts,
                     std::int64_t opening);

  pg_bank(std::string conninfo, std::string schema, bank_options opts = {});
  ~pg_bank();
  pg_bank(const pg_bank&) = delete;
  pg_bank& operator=(const pg_bank&) = delete;

  transfer_result transfer(const transfer_request& t);
  bank_audit audit();
  std::int64_t balance(int account);
  std::int64_t log_count(const std::string& transfer_id);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lockstep::dist
