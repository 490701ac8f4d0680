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
// Removes the incidental accesses (a P::thread handle's: trace_event::incidental) unless `f` is
// a data race on that object; a note attached to a removed event moves to the event before it.
// The text and the structured trace are both made from the result, so they agree; the choices
// (and so the token) are not part of the trace.
void drop_incidental_accesses(std::vector<trace_event>& trace, const failure& f);
failure_report structured_failure(const failure& f);

}  // namespace lockstep::rt
