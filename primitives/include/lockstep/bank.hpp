// lockstep/bank.hpp — the bank-transfer example: per-account locks, transfers in any
// direction, no deadlock.
//
// Guarantees
//   * transfer(from, to, amount) is atomic: both balances change together or not at all;
//     it returns false (and changes nothing) when `from` holds less than `amount`, so no
//     balance ever goes negative. Transfers between disjoint accounts run in parallel.
//   * No deadlock, whatever the directions: a transfer locks its two accounts in the global
//     order (OrderedLockGuard: by address, which is account index order), so two transfers
//     a -> b and b -> a cannot each hold one lock while waiting for the other.
//   * The sum of all balances never changes. total_balance() returns it from a consistent
//     snapshot: it holds every account lock at once (taken in the same global order, so it
//     cannot deadlock against transfers either), hence sees no transfer half-done.
//
// The balance check happens after both locks are taken: checking first and locking later
// (check-then-act) lets two transfers both pass the check and overdraw the account.
//
// Usage
//   lockstep::Bank<> bank(/*accounts=*/4, /*initial=*/100);
//   if (!bank.transfer(0, 3, 30)) { ... insufficient funds ... }
//   assert(bank.total_balance() == 400);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <vector>

#include "lockstep/multi_lock.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class Bank {
 public:
  using amount_type = std::int64_t;

  // One account: its balance is plain data protected by its mutex (a P::var, so under the
  // model checker an unlocked access is reported as a data race).
  struct Account {
    typename P::mutex mutex;
    typename P::template var<amount_type> balance{0};
  };

  Bank(std::size_t accounts, amount_type initial)
      : n_(accounts), accounts_(std::make_unique<Account[]>(accounts)) {
    if (initial < 0) throw std::invalid_argument("Bank: negative initial balance");
    for (std::size_t i = 0; i < n_; ++i) accounts_[i].balance.set(initial);
  }
  Bank(const Bank&) = delete;
  Bank& operator=(const Bank&) = delete;

  std::size_t size() const noexcept { return n_; }

  // Moves `amount` (> 0) from `from` to `to`; false if `from` has insufficient funds.
  // A transfer to the same account is a successful no-op (if the funds are there).
  bool transfer(std::size_t from, std::size_t to, amount_type amount) {
    if (amount <= 0) throw std::invalid_argument("Bank::transfer: amount must be positive");
    Account& a = at(from);
    Account& b = at(to);
    OrderedLockGuard<typename P::mutex> g({&a.mutex, &b.mutex});
    if (a.balance.get() < amount) return false;
    if (&a == &b) return true;
    a.balance -= amount;
    b.balance += amount;
    return true;
  }

  amount_type balance(std::size_t i) {
    Account& a = at(i);
    std::lock_guard<typename P::mutex> g(a.mutex);
    return a.balance.get();
  }

  // The sum of all balances from one consistent state (all accounts locked at once).
  amount_type total_balance() {
    std::vector<typename P::mutex*> ms(n_);
    for (std::size_t i = 0; i < n_; ++i) ms[i] = &accounts_[i].mutex;
    OrderedLockGuard<typename P::mutex> g{std::span<typename P::mutex* const>(ms)};
    amount_type sum = 0;
    for (std::size_t i = 0; i < n_; ++i) sum += accounts_[i].balance.get();
    return sum;
  }

  // Raw access for code that does its own locking (and for tests of broken protocols):
  // the caller must hold account(i).mutex while touching account(i).balance.
  Account& account(std::size_t i) { return at(i); }

 private:
  Account& at(std::size_t i) {
    if (i >= n_) throw std::out_of_range("Bank: no such account");
    return accounts_[i];
  }
  // One array (mutexes do not move): address order is index order, so the lock order is the
  // same in every run — and in every model-checker execution, which keeps replays exact.
  std::size_t n_;
  std::unique_ptr<Account[]> accounts_;
};

}  // namespace lockstep
