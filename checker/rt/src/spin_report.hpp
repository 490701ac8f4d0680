// Internal: what a livelocked execution's threads were doing (from its replay trace), so a
// livelock report says where each spin began and what it waits for, not only that the step
// bound was exceeded.
#pragma once

#include <string>
#include <vector>

#include "execution.hpp"

namespace lockstep::rt {

// One line per thread whose last steps repeat a short cycle of operations: "spins since
// step N: it repeats <ops with lines> (K times)", and, when the cycle only reads, the objects
// it waits for another thread to store to. Empty when no thread spins.
std::string describe_spins(const std::vector<trace_event>& trace);

}  // namespace lockstep::rt
