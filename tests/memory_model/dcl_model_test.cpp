// Double-checked locking under the C++11 memory model: with an acquire load of the flag the
// payload written before the release store is visible; with a relaxed load it is not, and
// the plain payload read is a data race the checker reports.
#include <lockstep/check.hpp>

#include <mutex>

using P = lockstep::model_platform;

namespace {
template <std::memory_order Load, std::memory_order Store>
void double_checked_init() {
  P::atomic<bool> ready{false};
  P::mutex m;
  P::var<int> payload{0};
  auto get = [&] {
    if (!ready.load(Load)) {
      std::lock_guard<P::mutex> g(m);
      if (!ready.load(std::memory_order_relaxed)) {
        payload = 42;
        ready.store(true, Store);
      }
    }
    LOCKSTEP_ASSERT(payload.get() == 42);
  };
  P::thread a(get), b(get);
  a.join();
  b.join();
}
}  // namespace

LOCKSTEP_TEST(dcl_acquire_release_is_correct, {.memory = lockstep::memory_model::c11}) {
  double_checked_init<std::memory_order_acquire, std::memory_order_release>();
}

LOCKSTEP_TEST(dcl_relaxed_flag_is_caught, {.expect = lockstep::failure_kind::data_race,
                                           .memory = lockstep::memory_model::c11}) {
  double_checked_init<std::memory_order_relaxed, std::memory_order_release>();
}

LOCKSTEP_TEST(dcl_relaxed_store_is_caught, {.expect = lockstep::failure_kind::data_race,
                                            .memory = lockstep::memory_model::c11}) {
  double_checked_init<std::memory_order_acquire, std::memory_order_relaxed>();
}
