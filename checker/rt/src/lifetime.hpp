// Internal: the lifetime verdicts of lifetime.cpp used by the model objects' out-of-line parts.
#pragma once

#include <string>

#include "lockstep/rt/runtime.hpp"

namespace lockstep::rt {

// An access to a destroyed var (var_state::life is not kLive): a misuse verdict.
void var_used_dead(var_state& v, source_loc loc);
// The message for a mutex destroyed (at `pc`, a caller_pc()) while `owner` holds it.
std::string destruction_while_locked(const object& o, const void* pc, int owner);
// The user's line of a destruction (a caller_pc()), or `fallback`.
source_loc destruction_line(const void* pc, source_loc fallback);

}  // namespace lockstep::rt
