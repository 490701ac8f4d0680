// Internal: a failing execution's trace and failure as data (lockstep::trace_step,
// lockstep::failure_report) for the machine-readable reports; format_trace in runner.cpp is
// the human-readable rendering of the same events.
#pragma once

#include <vector>

#include "execution.hpp"

namespace lockstep::rt {

std::vector<trace_step> structured_trace(const std::vector<trace_event>& trace);
// Replaces the addresses value_text prints ("ptr@0x55d0...") by "ptr#1", "ptr#2", ... in order
// of first appearance: equal pointers stay equal, and two replays print the same trace.
void number_pointers(std::vector<trace_event>& trace);
failure_report structured_failure(const failure& f);

}  // namespace lockstep::rt
