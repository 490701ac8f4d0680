// Example 4: replay. This program has a deliberate bug; the checker finds it and prints a
// replay token, and `withdraw --replay=TOKEN` re-runs exactly that execution with a
// thread-by-thread trace (replay.cmake does both, as a CTest test).
//
// Two customers withdraw 80 from an account holding 100. Each checks the balance, then
// subtracts: both checks can pass before either subtraction, and the balance goes negative.
#include <lockstep/check.hpp>

namespace {
using P = lockstep::model_platform;
}

LOCKSTEP_TEST(withdrawals_never_overdraw) {
  P::atomic<int> balance{100};
  auto withdraw = [&] {
    if (balance.load() >= 80) balance.fetch_sub(80);
  };
  P::thread a(withdraw), b(withdraw);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(balance.load() >= 0) << "overdrawn: " << balance.load();
}
