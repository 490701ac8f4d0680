// Internal: the lifetime verdicts of lifetime.cpp used by the model objects' out-of-line parts.
#pragma once

#include <string>

#include "lockstep/rt/runtime.hpp"

namespace lockstep::rt {

// An access to a destroyed var (var_state::life is not kLive): a misuse verdict.
void var_used_dead(var_state& v, source_loc loc);
// The var is being destroyed (its destructor's caller_pc() `pc`) by the current thread: the
// end of its storage conflicts with every access like a write (as ThreadSanitizer treats a
// free), so a read or write by another thread that does not happen-before the destruction is
// a data_race verdict naming both — for a var in a model-heap block (see rt_api.cpp for why
// only there). Beside the race detector (rt_api.cpp).
void var_destruction(var_state& v, const void* pc);
// The message for a mutex destroyed (at `pc`, a caller_pc()) while `owner` holds it.
std::string destruction_while_locked(const object& o, const void* pc, int owner);
// The user's line of a destruction (a caller_pc()), or `fallback`.
source_loc destruction_line(const void* pc, source_loc fallback);

}  // namespace lockstep::rt
