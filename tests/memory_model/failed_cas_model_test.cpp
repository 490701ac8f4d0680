// A failed compare_exchange is a read: under the C11 model it reads the latest store in
// modification order, returns that store's value, and with an acquire (or seq_cst) failure
// order synchronises with it. Before the fix, the interleaving engine's failed CAS returned the
// latest value but took its happens-before from an older store it had picked (a data race was
// reported for message passing through a failed CAS: random mode, issue 18 item 5).
#include <lockstep/check.hpp>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {
// data = 1; flag: 0 -> 5 (release)  ||  a CAS expecting 7 fails, sees 5, then reads data.
template <std::memory_order kFailure>
void message_passing_through_failed_cas() {
  P::atomic<int> flag{0};
  P::var<int> data{0};
  P::thread t1([&] {
    data = 1;
    int e = 0;
    while (
        !flag.compare_exchange_weak(e, 5, std::memory_order_release, std::memory_order_relaxed)) {
    }
  });
  P::thread t2([&] {
    int e = 7;
    if (!flag.compare_exchange_strong(e, 9, std::memory_order_acquire, kFailure) && e == 5)
      LOCKSTEP_ASSERT(data.get() == 1);
  });
  t1.join();
  t2.join();
}
}  // namespace

LOCKSTEP_TEST(failed_cas_acquire_synchronises_c11, {.memory = memory_model::c11}) {
  message_passing_through_failed_cas<std::memory_order_acquire>();
}
LOCKSTEP_TEST(failed_cas_seq_cst_synchronises_c11, {.memory = memory_model::c11}) {
  message_passing_through_failed_cas<std::memory_order_seq_cst>();
}
// The twin: a relaxed failure order does not synchronise (the read of data races).
LOCKSTEP_TEST(failed_cas_relaxed_does_not_synchronise_c11,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  message_passing_through_failed_cas<std::memory_order_relaxed>();
}
