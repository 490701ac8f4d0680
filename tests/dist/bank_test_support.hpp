// The concurrent-transfer scenario shared by the SQLite and PostgreSQL bank tests.
#pragma once

#include <lockstep/dist/bank.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "dist_test_support.hpp"

namespace dist_test {

struct transfer_totals {
  std::atomic<long> submitted{0}, applied{0}, insufficient{0}, gave_up{0}, attempts{0},
      conflicts{0}, deadlocks{0};
};

// `threads` clients each make `per_thread` transfers (bounded also by 30 s). Half of them go
// between accounts 1 and 2 in both directions (hot pair: heavy contention, opposite lock
// orders), the rest between random accounts; amounts up to 60% of the opening balance, so
// some transfers would overdraw and must be refused.
template <class Bank, class Make>
void run_transfers(Make make_bank, int threads, int per_thread, int accounts, std::int64_t opening,
                   transfer_totals& t, failures& f) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  run_threads(threads, f, [&](int ti) {
    Bank bank = make_bank();
    std::mt19937 rng(static_cast<unsigned>(1000 + ti));
    std::uniform_int_distribution<int> acct(1, accounts);
    std::uniform_int_distribution<std::int64_t> amount(1, opening * 6 / 10);
    for (int i = 0; i < per_thread && std::chrono::steady_clock::now() < deadline; ++i) {
      lockstep::dist::transfer_request req;
      req.id = lockstep::dist::random_token();
      if (i % 2 == 0) {
        req.from = (i / 2 + ti) % 2 == 0 ? 1 : 2;
        req.to = 3 - req.from;
      } else {
        req.from = acct(rng);
        do req.to = acct(rng);
        while (req.to == req.from);
      }
      req.amount = amount(rng);
      ++t.submitted;
      auto r = bank.transfer(req);
      t.attempts += r.attempts;
      t.conflicts += r.conflicts;
      t.deadlocks += r.deadlocks;
      switch (r.status) {
        case lockstep::dist::transfer_status::applied:
          ++t.applied;
          break;
        case lockstep::dist::transfer_status::insufficient_funds:
          ++t.insufficient;
          break;
        case lockstep::dist::transfer_status::gave_up:
          ++t.gave_up;
          break;
      }
    }
  });
}

// The invariants after a run: money conserved, no overdraft, every transfer logged once.
inline void check_invariants(lockstep::dist::bank& bank, int accounts, std::int64_t opening,
                             const transfer_totals& t, const failures& f) {
  LOCKSTEP_ASSERT(f.count() == 0) << f.count() << " failures:" << f.summary();
  LOCKSTEP_ASSERT(t.gave_up == 0) << t.gave_up << " transfers gave up";
  const auto a = bank.audit();
  LOCKSTEP_ASSERT(a.accounts == accounts);
  LOCKSTEP_ASSERT(a.total == accounts * opening)
      << "total " << a.total << ", expected " << accounts * opening;
  LOCKSTEP_ASSERT(a.min_balance >= 0) << "negative balance " << a.min_balance;
  LOCKSTEP_ASSERT(a.log_rows == t.submitted)
      << a.log_rows << " log rows for " << t.submitted << " transfers";
  LOCKSTEP_ASSERT(a.applied == t.applied)
      << a.applied << " logged applied, " << t.applied << " applied";
  LOCKSTEP_ASSERT(a.log_mismatches == 0) << a.log_mismatches << " balances disagree with the log";
  std::printf(
      "  %ld transfers: %ld applied, %ld refused (insufficient funds); %ld attempts, "
      "%ld conflicts, %ld deadlocks retried\n",
      t.submitted.load(), t.applied.load(), t.insufficient.load(), t.attempts.load(),
      t.conflicts.load(), t.deadlocks.load());
}

// A transfer replayed with the same id (a retry after an ambiguous commit) is not applied or
// logged again; an overdraft is refused and logged.
inline void check_exactly_once_and_overdraft(lockstep::dist::bank& bank, std::int64_t opening) {
  lockstep::dist::transfer_request req{lockstep::dist::random_token(), 1, 2, 10};
  const auto b1 = bank.balance(1);
  auto r1 = bank.transfer(req);
  auto r2 = bank.transfer(req);
  LOCKSTEP_ASSERT(r1.status == lockstep::dist::transfer_status::applied);
  LOCKSTEP_ASSERT(r2.status == lockstep::dist::transfer_status::applied)
      << "replay lost the outcome";
  LOCKSTEP_ASSERT(bank.balance(1) == b1 - 10) << "replayed transfer applied twice";
  LOCKSTEP_ASSERT(bank.log_count(req.id) == 1) << "replayed transfer logged twice";

  lockstep::dist::transfer_request big{lockstep::dist::random_token(), 3, 4, opening + 1};
  auto r3 = bank.transfer(big);
  LOCKSTEP_ASSERT(r3.status == lockstep::dist::transfer_status::insufficient_funds);
  LOCKSTEP_ASSERT(bank.balance(3) == opening) << "overdraft moved money";
  LOCKSTEP_ASSERT(bank.log_count(big.id) == 1) << "refused transfer not logged once";
}

}  // namespace dist_test
