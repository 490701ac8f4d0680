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

#include <string>

#include "lockstep/dist/bank.hpp"

namespace lockstep::dist {

class pg_bank final : public bank {
 public:
  // (Re)creates `schema` with accounts 1..n, each holding `opening` cents.
  static void create(const std::string& conninfo, const std::string& schema, int accounts,
                     std::int64_t opening);

  // Connects at once (a bad conninfo throws here); transfer/audit/…: see bank.
  pg_bank(std::string conninfo, std::string schema, bank_options opts = {});
};

}  // namespace lockstep::dist
