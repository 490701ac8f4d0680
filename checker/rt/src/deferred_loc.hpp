// Internal: a source location symbolised only when a report or trace prints it. Operations
// that cannot take a source_loc argument (a destructor, a move) know only their caller's
// return address; rt::caller_location turns it into a line, but the first call in a process
// loads the executable's debug information (tenths of a second). deferred(pc) instead keeps
// the address in a process-wide table and returns a source_loc that names its slot; resolve()
// symbolises it (once per address) where the location is about to be printed — a race report,
// a misuse, a trace. Other locations pass through resolve() unchanged.
#pragma once

#include "lockstep/test.hpp"

namespace lockstep::rt {

source_loc deferred(const void* pc) noexcept;
source_loc resolve(source_loc loc) noexcept;

}  // namespace lockstep::rt
