// The measured structures as model tests (exhaustive with DPOR, plus random).
#include "structures.hpp"

#include <lockstep/check.hpp>

using namespace lockstep_test;

LOCKSTEP_TEST(treiber_stack_3_threads) { treiber_3_threads(); }
LOCKSTEP_TEST(ms_queue_2_threads) { ms_queue_2_threads(); }
LOCKSTEP_TEST(mutex_counter_3_threads) { mutex_counter(3); }
LOCKSTEP_TEST(peterson_lock_excludes) { peterson(); }

// Broken twin: Peterson's lock with the victim write before the flag write.
LOCKSTEP_TEST(peterson_swapped_writes_is_caught, {.expect = lockstep::failure_kind::assertion}) {
  P::atomic<bool> flag[2];
  P::atomic<int> victim{0};
  P::atomic<int> inside{0};
  auto body = [&](int me) {
    int other = 1 - me;
    victim.store(me);
    flag[me].store(true);
    while (flag[other].load() && victim.load() == me) P::spin_pause();
    LOCKSTEP_ASSERT(inside.fetch_add(1) == 0) << "both threads in the critical section";
    inside.fetch_sub(1);
    flag[me].store(false);
  };
  P::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
}
