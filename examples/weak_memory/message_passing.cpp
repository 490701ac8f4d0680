// Example 2: a weak-memory bug that only the C++11 memory model finds.
//
// Message passing: a writer fills in `data`, then raises `ready`; a reader that sees `ready`
// reads `data`. With a relaxed flag nothing orders the two stores for the reader: on ARM or
// POWER it can see the flag and still read the old data. Under sequential consistency (the
// checker's default model, and what an x86 run mostly shows) every interleaving passes; under
// memory_model::c11 a load may read any store the memory orders allow, and the checker finds
// the stale read. A release store and an acquire load of the flag fix it.
#include <lockstep/check.hpp>

#include <atomic>

namespace {

using P = lockstep::model_platform;

template <std::memory_order Publish, std::memory_order Observe>
void message_passing() {
  P::atomic<int> data{0};
  P::atomic<bool> ready{false};
  P::thread writer([&] {
    data.store(42, std::memory_order_relaxed);
    ready.store(true, Publish);
  });
  P::thread reader([&] {
    if (ready.load(Observe)) {
      LOCKSTEP_ASSERT(data.load(std::memory_order_relaxed) == 42) << "saw the flag, not the data";
    }
  });
  writer.join();
  reader.join();
}

constexpr auto relaxed = std::memory_order_relaxed;
constexpr auto release = std::memory_order_release;
constexpr auto acquire = std::memory_order_acquire;

}  // namespace

// Sequential consistency: no interleaving shows the bug, so this passes.
LOCKSTEP_TEST(relaxed_flag_looks_fine_under_sc) { message_passing<relaxed, relaxed>(); }

// The C++11 model: the reader may see the flag but read data's initial store.
LOCKSTEP_TEST(relaxed_flag_is_caught_under_c11, {.expect = lockstep::failure_kind::assertion,
                                                 .memory = lockstep::memory_model::c11}) {
  message_passing<relaxed, relaxed>();
}

// Release/acquire: reading the flag's store synchronises with it, so data is 42.
LOCKSTEP_TEST(release_acquire_passes_under_c11, {.memory = lockstep::memory_model::c11}) {
  message_passing<release, acquire>();
}
