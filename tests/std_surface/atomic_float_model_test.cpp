// Floating-point fetch_add / fetch_sub (and += / -=) on P::atomic: each is one RMW step, so
// concurrent updates are never lost; a load-then-store update is caught losing one.
#include <lockstep/check.hpp>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(atomic_double_fetch_add_sub_no_lost_update,
                           {.memory = memory_model::c11}) {
  P::atomic<double> x{1.0};
  P::atomic<float> y{0.0f};
  P::thread a([&] {
    x.fetch_add(0.5, std::memory_order_relaxed);
    y += 2.0f;
  });
  P::thread b([&] {
    x.fetch_sub(0.25, std::memory_order_relaxed);
    y -= 0.5f;
  });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x.load() == 1.25) << "x = " << x.load();
  LOCKSTEP_ASSERT(y.load() == 1.5f) << "y = " << y.load();
}

// BUG: load, add, store: two concurrent updates can lose one.
LOCKSTEP_TEST_BOTH_ENGINES(atomic_double_broken_load_add_store_is_caught,
                           {.expect = failure_kind::assertion}) {
  P::atomic<double> x{0.0};
  auto add = [&] { x.store(x.load() + 0.5); };
  P::thread a(add), b(add);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x.load() == 1.0) << "lost update: x = " << x.load();
}
