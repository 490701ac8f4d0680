// Internal: the model heap's side of lifetime reports and of the end of an execution.
#pragma once

#include <string>

#include "lockstep/test.hpp"

namespace lockstep::rt {

// " (in a block of N bytes allocated at X, freed at Y)" when addr lies in a block of the
// running execution's heap, else "".
std::string heap_block_note(const void* addr);
// addr lies in a block of the running execution's heap (live or freed).
bool in_heap_block(const void* addr);
// At the end of an execution that passed so far: a block still allocated is a leak. Returns
// true and fills the verdict's message and location (the first leaked block's allocation).
bool heap_leak(std::string& message, source_loc& where);

// The checker's own code run by a simulated thread (the graph engine's bookkeeping, traces,
// the lock-order graph, ...) allocates outside the model heap even when the global
// operator new hook (lockstep/model_new.hpp) is linked: the rt:: entry points hold one.
struct runtime_scope {
  runtime_scope() noexcept { ++depth; }
  ~runtime_scope() { --depth; }
  runtime_scope(const runtime_scope&) = delete;
  runtime_scope& operator=(const runtime_scope&) = delete;
  static inline int depth = 0;
};

}  // namespace lockstep::rt
