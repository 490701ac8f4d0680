// A compare-exchange that fails with an acquire failure order acquires the store it reads,
// under every engine of the C11 model: a var written before a release store (or a release
// RMW) is visible to the thread whose failed CAS returned that store's value. The interleaving
// engine's C11 model once read an arbitrary older store for the failure (while returning the
// latest value), so it reported a data race on a correct Latch (tests/contracts). The twins
// use a relaxed failure order and must be caught as races.
#include <lockstep/check.hpp>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

// The writer publishes x with a release store (kRmw: a release CAS) of 1; the reader's CAS
// expecting 0 fails when it sees 1 and then reads x.
template <bool kRmw>
void failed_cas_reads_published(std::memory_order failure) {
  P::atomic<int> a{0};
  P::var<int> x{0};
  P::thread t([&] {
    x = 1;
    if constexpr (kRmw) {
      int e = 0;
      a.compare_exchange_strong(e, 1, std::memory_order_acq_rel, std::memory_order_relaxed);
    } else {
      a.store(1, std::memory_order_release);
    }
  });
  int e = 0;
  if (!a.compare_exchange_strong(e, 2, std::memory_order_acquire, failure) && e == 1)
    LOCKSTEP_ASSERT(x.get() == 1);
  t.join();
}

}  // namespace

LOCKSTEP_TEST(failed_cas_acquire_after_release_store, {.memory = memory_model::c11}) {
  failed_cas_reads_published<false>(std::memory_order_acquire);
}
LOCKSTEP_TEST(failed_cas_acquire_after_release_store_dpor,
              {.engine = lockstep::engine::dpor, .memory = memory_model::c11}) {
  failed_cas_reads_published<false>(std::memory_order_acquire);
}
LOCKSTEP_TEST(failed_cas_acquire_after_release_rmw, {.memory = memory_model::c11}) {
  failed_cas_reads_published<true>(std::memory_order_acquire);
}
LOCKSTEP_TEST(failed_cas_acquire_after_release_rmw_dpor,
              {.engine = lockstep::engine::dpor, .memory = memory_model::c11}) {
  failed_cas_reads_published<true>(std::memory_order_acquire);
}

// BUG: a relaxed failure order acquires nothing.
LOCKSTEP_TEST(failed_cas_broken_relaxed_failure_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  failed_cas_reads_published<false>(std::memory_order_relaxed);
}
LOCKSTEP_TEST(failed_cas_broken_relaxed_failure_is_caught_dpor, {.expect = failure_kind::data_race,
                                                                 .engine = lockstep::engine::dpor,
                                                                 .memory = memory_model::c11}) {
  failed_cas_reads_published<false>(std::memory_order_relaxed);
}

// Message passing through a failed CAS in a retry loop's partner: data = 1; flag: 0 -> 5
// (release) || a CAS expecting 7 fails, sees 5, then reads data; with an acquire or seq_cst
// failure order it synchronises, with relaxed it races.
namespace {
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
