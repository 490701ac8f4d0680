// Internal: finding the user's source line behind an operation whose default-argument
// location lies inside a library header (std::lock_guard calling mutex::lock, say). Used only
// when tracing (replay), so the cost of unwinding and symbolising is paid only then.
#pragma once

#include <string>

#include "lockstep/test.hpp"

namespace lockstep::rt {

// True for locations that do not say where the user's code is: system headers.
bool is_library_location(source_loc loc) noexcept;
// False for system headers and the checker's own files (model_platform.hpp, lockstep/rt/, ...).
bool is_user_location(source_loc loc) noexcept;

// Captures the current call stack (call on the simulated thread's own stack).
struct captured_stack {
  void* pcs[16];
  int n = 0;
};
void capture_stack(captured_stack& s) noexcept;

// The innermost frame (inlined frames included) outside system headers and outside the
// checker itself; `fallback` when none can be found or no symbolizer is available.
source_loc user_frame(const captured_stack& s, source_loc fallback);
// The same, also past destructors' frames when skip_destructors: where an object's
// destruction was started (the delete, the scope's end), not the enclosing class's
// implicit destructor (whose line is the class's).
source_loc user_frame(const captured_stack& s, source_loc fallback, bool skip_destructors);
// One return address (rt::caller_pc(), __builtin_return_address): lockstep/rt/located.hpp's
// caller_location, which caches the answer per address.

// One line per frame of a call stack captured elsewhere ("    #2 file:line in function"),
// inlined frames included, frames inside lockstep and the standard library marked; for the
// watchdog's report of a stalled simulated thread.
std::string describe_stack(void* const* pcs, int n);

}  // namespace lockstep::rt
