// Model tests of lockstep/bank.hpp: concurrent transfers in both directions, consistent
// totals, no overdraft — and the broken transfers the brief warns about, each caught.
#include <lockstep/bank.hpp>
#include <lockstep/check.hpp>

#include <mutex>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using Bank = lockstep::Bank<P>;

namespace {

// Broken transfer 1: locks `from` then `to` (the caller's order, not a global one).
bool transfer_from_then_to(Bank& bank, std::size_t from, std::size_t to, Bank::amount_type amount) {
  auto& a = bank.account(from);
  auto& b = bank.account(to);
  std::lock_guard<P::mutex> ga(a.mutex);
  std::lock_guard<P::mutex> gb(b.mutex);
  if (a.balance.get() < amount) return false;
  a.balance -= amount;
  b.balance += amount;
  return true;
}

// Broken transfer 2: checks the balance before locking (unlocked read).
bool transfer_check_unlocked(Bank& bank, std::size_t from, std::size_t to,
                             Bank::amount_type amount) {
  auto& a = bank.account(from);
  if (a.balance.get() < amount) return false;  // no lock held: races with other transfers
  auto& b = bank.account(to);
  lockstep::OrderedLockGuard<P::mutex> g({&a.mutex, &b.mutex});
  a.balance -= amount;
  b.balance += amount;
  return true;
}

// Broken transfer 3: checks under the lock, but acts after re-locking (check-then-act):
// no data race, yet the check is stale by the time the money moves.
bool transfer_check_then_act(Bank& bank, std::size_t from, std::size_t to,
                             Bank::amount_type amount) {
  auto& a = bank.account(from);
  {
    std::lock_guard<P::mutex> g(a.mutex);
    if (a.balance.get() < amount) return false;
  }
  auto& b = bank.account(to);
  lockstep::OrderedLockGuard<P::mutex> g({&a.mutex, &b.mutex});
  a.balance -= amount;
  b.balance += amount;
  return true;
}

// Broken snapshot: sums the balances locking one account at a time.
Bank::amount_type total_one_at_a_time(Bank& bank) {
  Bank::amount_type sum = 0;
  for (std::size_t i = 0; i < bank.size(); ++i) sum += bank.balance(i);
  return sum;
}

void assert_no_negative(Bank& bank) {
  for (std::size_t i = 0; i < bank.size(); ++i)
    LOCKSTEP_ASSERT(bank.balance(i) >= 0) << "account " << i << " overdrawn: " << bank.balance(i);
}

}  // namespace

// Opposite directions at once, plus a consistent snapshot taken concurrently by a third
// thread. Whether each transfer succeeds depends on the order; the balances must match the
// outcomes exactly.
LOCKSTEP_TEST(bank_opposite_transfers_and_snapshot) {
  Bank bank(2, 40);
  P::var<bool> ok1{false}, ok2{false};
  P::thread t1([&] { ok1 = bank.transfer(0, 1, 30); });
  P::thread t2([&] { ok2 = bank.transfer(1, 0, 50); });
  P::thread t3([&] { LOCKSTEP_ASSERT(bank.total_balance() == 80) << "inconsistent snapshot"; });
  t1.join();
  t2.join();
  t3.join();
  // 0 -> 1 (30) always fits; 1 -> 0 (50) fits only after it (40 + 30 >= 50).
  LOCKSTEP_ASSERT(ok1.get()) << "account 0 holds 40 >= 30 in every order";
  const Bank::amount_type b0 = 40 - 30 + (ok2.get() ? 50 : 0);
  LOCKSTEP_ASSERT(bank.balance(0) == b0) << "balance 0 = " << bank.balance(0) << ", want " << b0;
  LOCKSTEP_ASSERT(bank.balance(1) == 80 - b0);
  assert_no_negative(bank);
}

// Two withdrawals that do not both fit: exactly one succeeds, nothing goes negative.
LOCKSTEP_TEST(bank_insufficient_funds_is_refused) {
  Bank bank(3, 40);
  P::var<int> successes{0};
  P::mutex sm;
  auto pay = [&](std::size_t to) {
    if (bank.transfer(0, to, 30)) {
      std::lock_guard<P::mutex> g(sm);
      successes += 1;
    }
  };
  P::thread t1(pay, std::size_t{1}), t2(pay, std::size_t{2});
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(successes.get() == 1);
  LOCKSTEP_ASSERT(bank.balance(0) == 10);
  LOCKSTEP_ASSERT(bank.total_balance() == 120);
}

// A ring of three transfers over three accounts (each thread's pair overlaps both others'):
// every cyclic wait is possible with caller-ordered locking, none with the global order.
LOCKSTEP_TEST(bank_three_way_ring) {
  Bank bank(3, 10);
  P::thread t1([&] { bank.transfer(0, 1, 5); });
  P::thread t2([&] { bank.transfer(1, 2, 5); });
  bank.transfer(2, 0, 5);
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(bank.total_balance() == 30);
  assert_no_negative(bank);
}

// ---- broken twins

// From-then-to locking with opposite directions: each thread holds one account and waits
// for the other's. The checker reports the deadlock with a replay token.
LOCKSTEP_TEST(bank_from_then_to_deadlocks, {.expect = failure_kind::deadlock}) {
  Bank bank(2, 40);
  P::thread t1([&] { transfer_from_then_to(bank, 0, 1, 10); });
  P::thread t2([&] { transfer_from_then_to(bank, 1, 0, 10); });
  t1.join();
  t2.join();
}

// The same broken transfer, but the two transfers never overlap (the second thread starts
// after the first is joined): no schedule deadlocks, yet the lock-order graph has the cycle
// account0 -> account1 -> account0 and the checker reports the potential deadlock.
LOCKSTEP_TEST(bank_from_then_to_is_a_lock_order_cycle, {.expect = failure_kind::lock_order}) {
  Bank bank(2, 40);
  {
    P::thread t1([&] { transfer_from_then_to(bank, 0, 1, 10); });
    t1.join();
  }
  P::thread t2([&] { transfer_from_then_to(bank, 1, 0, 10); });
  t2.join();
  LOCKSTEP_ASSERT(bank.total_balance() == 80);
}

// The correct transfer under the same sequential scenario adds only ordered edges: passes.
LOCKSTEP_TEST(bank_sequential_opposite_transfers_have_no_cycle) {
  Bank bank(2, 40);
  {
    P::thread t1([&] { bank.transfer(0, 1, 10); });
    t1.join();
  }
  P::thread t2([&] { bank.transfer(1, 0, 10); });
  t2.join();
  LOCKSTEP_ASSERT(bank.total_balance() == 80);
}

// Checking the balance without the lock: a data race on the balance (and, were it not
// caught as one, an overdraft).
LOCKSTEP_TEST(bank_unlocked_balance_check_races, {.expect = failure_kind::data_race}) {
  Bank bank(3, 40);
  P::thread t1([&] { transfer_check_unlocked(bank, 0, 1, 30); });
  P::thread t2([&] { transfer_check_unlocked(bank, 0, 2, 30); });
  t1.join();
  t2.join();
}

// Check-then-act: race-free, but both withdrawals pass the check before either debits:
// account 0 goes to -20.
LOCKSTEP_TEST(bank_check_then_act_overdraws, {.expect = failure_kind::assertion}) {
  Bank bank(3, 40);
  P::thread t1([&] { transfer_check_then_act(bank, 0, 1, 30); });
  P::thread t2([&] { transfer_check_then_act(bank, 0, 2, 30); });
  t1.join();
  t2.join();
  assert_no_negative(bank);
}

// A total summed one account at a time can straddle a transfer: 40 + 70 = 110.
LOCKSTEP_TEST(bank_one_at_a_time_total_is_inconsistent, {.expect = failure_kind::assertion}) {
  Bank bank(2, 40);
  P::thread t([&] { bank.transfer(0, 1, 30); });
  const Bank::amount_type total = total_one_at_a_time(bank);
  t.join();
  LOCKSTEP_ASSERT(total == 80) << "snapshot saw " << total;
}
