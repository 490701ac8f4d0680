// PostgreSQL transfers without row locks (lock_mode::external), made safe by a Redis lock or
// Redlock on both accounts (taken in id order): concurrent transfers in both directions keep
// every bank invariant. Needs both fixtures (dist_redis, dist_postgres).
#include <lockstep/dist/pg_bank.hpp>
#include <lockstep/dist/redis.hpp>
#include <lockstep/dist/redlock.hpp>
#include <lockstep/test.hpp>

#include <algorithm>
#include <fstream>

#include "bank_test_support.hpp"

using namespace std::chrono_literals;
namespace ld = lockstep::dist;

namespace {

std::vector<ld::redis_endpoint> endpoints() {
  std::vector<ld::redis_endpoint> eps;
  for (int p : dist_test::redis_ports()) eps.push_back({"127.0.0.1", p});
  return eps;
}

// Wraps a bank so that each transfer holds the distributed locks of both accounts.
template <class Lock>
class locked_bank {
 public:
  template <class Make>
  locked_bank(const std::string& conninfo, const std::string& schema, int accounts, Make make)
      : bank_(conninfo, schema, {.mode = ld::lock_mode::external}) {
    for (int a = 1; a <= accounts; ++a)
      locks_.push_back(make(schema + ":acct:" + std::to_string(a)));
  }
  ld::transfer_result transfer(const ld::transfer_request& t) {
    auto& first = locks_[static_cast<std::size_t>(std::min(t.from, t.to) - 1)];
    auto& second = locks_[static_cast<std::size_t>(std::max(t.from, t.to) - 1)];
    auto l1 = first.acquire(10s);
    if (!l1) throw std::runtime_error("lock timeout");
    auto l2 = second.acquire(10s);
    if (!l2) {
      first.release(*l1);
      throw std::runtime_error("lock timeout");
    }
    auto r = bank_.transfer(t);
    // The transfer ran inside both leases (ttl 5 s): a lease that expired meanwhile would
    // void the protection, so it is checked.
    if (!l1->valid() || !l2->valid()) throw std::runtime_error("lease expired during transfer");
    second.release(*l2);
    first.release(*l1);
    return r;
  }

 private:
  ld::pg_bank bank_;
  std::vector<Lock> locks_;
};

template <class Lock, class Make>
void run(const std::string& schema, Make make) {
  constexpr int kAccounts = 4;
  constexpr std::int64_t kOpening = 1000;
  const auto conninfo = dist_test::pg_conninfo();
  ld::pg_bank::create(conninfo, schema, kAccounts, kOpening);
  dist_test::transfer_totals t;
  dist_test::failures f;
  dist_test::run_transfers<locked_bank<Lock>>(
      [&] { return locked_bank<Lock>(conninfo, schema, kAccounts, make); }, 4, 60, kAccounts,
      kOpening, t, f);
  ld::pg_bank bank(conninfo, schema);
  dist_test::check_invariants(bank, kAccounts, kOpening, t, f);
}

}  // namespace

LOCKSTEP_UNIT_TEST(pg_transfers_under_redis_lock) {
  const auto eps = endpoints();
  run<ld::redis_lock>("redis_locked", [&](const std::string& name) {
    return ld::redis_lock(eps[0], name, {.timing = {.ttl = 5000ms}});
  });
}

LOCKSTEP_UNIT_TEST(pg_transfers_under_redlock) {
  const auto eps = endpoints();
  run<ld::redlock>("redlock_locked", [&](const std::string& name) {
    return ld::redlock(eps, name, {.timing = {.ttl = 5000ms}});
  });
}
