// Bank transfers on SQLite (embedded, no server): concurrent transfers in both directions
// with BEGIN IMMEDIATE (pessimistic) and version-checked writes (optimistic).
#include <lockstep/dist/sqlite_bank.hpp>
#include <lockstep/test.hpp>

#include <filesystem>

#include "bank_test_support.hpp"

using lockstep::dist::bank_options;
using lockstep::dist::lock_mode;
using lockstep::dist::sqlite_bank;

namespace {

std::string db_path(const std::string& name) {
#ifdef LOCKSTEP_DIST_TMP_DIR
  std::filesystem::path dir = LOCKSTEP_DIST_TMP_DIR;
#else
  std::filesystem::path dir = std::filesystem::temp_directory_path();
#endif
  std::filesystem::create_directories(dir);
  const auto p = dir / (name + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}

void concurrent(lock_mode mode, const std::string& name) {
  constexpr int kAccounts = 6;
  constexpr std::int64_t kOpening = 1000;
  const auto path = db_path(name);
  sqlite_bank::create(path, kAccounts, kOpening);
  dist_test::transfer_totals t;
  dist_test::failures f;
  dist_test::run_transfers<sqlite_bank>(
      [&] { return sqlite_bank(path, bank_options{.mode = mode}); }, 4, 150, kAccounts, kOpening, t,
      f);
  sqlite_bank bank(path);
  dist_test::check_invariants(bank, kAccounts, kOpening, t, f);
  if (mode == lock_mode::optimistic) {
    LOCKSTEP_ASSERT(t.conflicts > 0) << "4 optimistic writers on a hot pair never conflicted";
  }
}

}  // namespace

LOCKSTEP_UNIT_TEST(sqlite_pessimistic_concurrent_transfers) {
  concurrent(lock_mode::pessimistic, "pessimistic");
}

LOCKSTEP_UNIT_TEST(sqlite_optimistic_concurrent_transfers) {
  concurrent(lock_mode::optimistic, "optimistic");
}

LOCKSTEP_UNIT_TEST(sqlite_exactly_once_and_overdraft) {
  const auto path = db_path("once");
  sqlite_bank::create(path, 4, 500);
  for (auto mode : {lock_mode::pessimistic, lock_mode::optimistic}) {
    sqlite_bank bank(path, {.mode = mode});
    dist_test::check_exactly_once_and_overdraft(bank, 500);
  }
}
