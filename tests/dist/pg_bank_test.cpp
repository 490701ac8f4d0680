// Bank transfers on a throwaway PostgreSQL cluster (ci/servers/postgres.sh, started by the
// CTest fixture dist_postgres): SELECT … FOR UPDATE (pessimistic, also with unordered locks
// so that the server detects deadlocks and they are retried) and version-column optimistic
// transfers, concurrently in both directions.
#include <lockstep/dist/pg_bank.hpp>
#include <lockstep/test.hpp>

#include <condition_variable>
#include <mutex>

#include "bank_test_support.hpp"

using namespace std::chrono_literals;
using lockstep::dist::bank_options;
using lockstep::dist::lock_mode;
using lockstep::dist::pg_bank;

namespace {

void concurrent(bank_options opts, const std::string& schema, bool expect_conflicts) {
  constexpr int kAccounts = 6;
  constexpr std::int64_t kOpening = 1000;
  const auto conninfo = dist_test::pg_conninfo();
  pg_bank::create(conninfo, schema, kAccounts, kOpening);
  dist_test::transfer_totals t;
  dist_test::failures f;
  dist_test::run_transfers<pg_bank>([&] { return pg_bank(conninfo, schema, opts); }, 4, 100,
                                    kAccounts, kOpening, t, f);
  pg_bank bank(conninfo, schema);
  dist_test::check_invariants(bank, kAccounts, kOpening, t, f);
  if (expect_conflicts) {
    LOCKSTEP_ASSERT(t.conflicts + t.deadlocks > 0) << "no conflict was ever retried";
  }
}

}  // namespace

LOCKSTEP_UNIT_TEST(pg_pessimistic_concurrent_transfers) {
  concurrent({.mode = lock_mode::pessimistic}, "pess_ordered", false);
}

LOCKSTEP_UNIT_TEST(pg_pessimistic_unordered_locks_deadlocks_retried) {
  concurrent({.mode = lock_mode::pessimistic, .ordered_locks = false}, "pess_unordered", false);
}

LOCKSTEP_UNIT_TEST(pg_optimistic_concurrent_transfers) {
  concurrent({.mode = lock_mode::optimistic}, "optimistic", true);
}

// A forced deadlock: 1→2 and 2→1 each lock their first row, wait until both have, then lock
// the second. The server's deadlock detector aborts one (40P01); it is retried and both
// transfers complete, each logged once.
LOCKSTEP_UNIT_TEST(pg_forced_deadlock_is_detected_and_retried) {
  const auto conninfo = dist_test::pg_conninfo();
  pg_bank::create(conninfo, "deadlock", 2, 1000);
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  // Only the first attempt of each transfer meets at the barrier (bounded wait: 5 s).
  auto hook = [&] {
    thread_local bool done = false;
    if (done) return;
    done = true;
    std::unique_lock g(mu);
    ++arrived;
    cv.notify_all();
    cv.wait_for(g, 5s, [&] { return arrived >= 2; });
  };
  dist_test::failures f;
  std::atomic<int> deadlocks{0}, applied{0};
  dist_test::run_threads(2, f, [&](int i) {
    pg_bank bank(
        conninfo, "deadlock",
        {.mode = lock_mode::pessimistic, .ordered_locks = false, .after_first_lock = hook});
    auto r = bank.transfer({lockstep::dist::random_token(), i == 0 ? 1 : 2, i == 0 ? 2 : 1, 100});
    deadlocks += r.deadlocks;
    if (r.status == lockstep::dist::transfer_status::applied) ++applied;
  });
  LOCKSTEP_ASSERT(f.count() == 0) << f.summary();
  LOCKSTEP_ASSERT(deadlocks.load() >= 1) << "the server detected no deadlock";
  LOCKSTEP_ASSERT(applied.load() == 2) << "applied " << applied.load();
  pg_bank bank(conninfo, "deadlock");
  const auto a = bank.audit();
  LOCKSTEP_ASSERT(a.total == 2000 && a.log_rows == 2 && a.log_mismatches == 0)
      << "total " << a.total << ", log rows " << a.log_rows;
}

LOCKSTEP_UNIT_TEST(pg_exactly_once_and_overdraft) {
  const auto conninfo = dist_test::pg_conninfo();
  pg_bank::create(conninfo, "once", 4, 500);
  for (auto mode : {lock_mode::pessimistic, lock_mode::optimistic}) {
    pg_bank bank(conninfo, "once", {.mode = mode});
    dist_test::check_exactly_once_and_overdraft(bank, 500);
  }
}
