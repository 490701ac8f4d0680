// The model bodies both adapter tests run (tests/adapters): a correct counter, and a lost
// update (a load and a store where a fetch_add belongs).
#pragma once

#include <lockstep/check.hpp>

namespace adapter_models {

using P = lockstep::model_platform;

inline void fetch_add_counter() {
  P::atomic<int> n{0};
  P::thread a([&] { n.fetch_add(1); }), b([&] { n.fetch_add(1); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 2) << "lost update";
}

inline void load_store_counter() {
  P::atomic<int> n{0};
  auto inc = [&] { n.store(n.load() + 1); };
  P::thread a(inc), b(inc);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.load() == 2) << "lost update";
}

}  // namespace adapter_models
