// Double-checked locking under the C++11 memory model: with an acquire load of the flag the
// payload written before the release store is visible; with a relaxed load it is not, and
// the plain payload read is a data race the checker reports. The DCL is lockstep::Lazy
// (lockstep/once.hpp), whose fast-path load and publishing store orders are template
// parameters; tests/multilock/once_model_test.cpp has its full suite.
#include <lockstep/check.hpp>
#include <lockstep/once.hpp>

using P = lockstep::model_platform;

namespace {
template <std::memory_order Load, std::memory_order Store>
void double_checked_init() {
  lockstep::Lazy<int, P, Load, Store> lazy([] { return 42; });
  auto get = [&] { LOCKSTEP_ASSERT(lazy.get() == 42); };
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
