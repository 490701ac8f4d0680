#include "spin_report.hpp"

#include <algorithm>
#include <map>

namespace lockstep::rt {
namespace {

// Steps that are the same operation for the purpose of finding a cycle: kind, object and
// line (the values read may differ from round to round: a spin reads the same stale value,
// a counter loop does not repeat).
bool same_op(const trace_event& a, const trace_event& b) {
  return a.kind == b.kind && a.object == b.object && a.loc.line == b.loc.line &&
         (a.loc.file == b.loc.file ||
          (a.loc.file && b.loc.file && to_string(a.loc) == to_string(b.loc)));
}

bool only_reads(op k) {
  return k == op::atomic_load || k == op::var_read || k == op::clock_now || k == op::yield ||
         k == op::fence;
}

std::string op_text(const trace_event& e) {
  std::string s = to_string(e.kind);
  if (!e.object.empty()) s += " " + e.object;
  if (e.loc.file) s += " at " + to_string(e.loc);
  return s;
}

}  // namespace

std::string describe_spins(const std::vector<trace_event>& trace) {
  std::map<int, std::vector<const trace_event*>> by_thread;
  for (const auto& e : trace)
    if (!e.within_step) by_thread[e.tid].push_back(&e);
  std::string out;
  for (const auto& [tid, steps] : by_thread) {
    std::string line = "  thread " + std::to_string(tid) + " ";
    // The shortest period p (up to 12 operations) with which the thread's steps end, seen
    // at least three times in a row.
    const std::size_t n = steps.size();
    std::size_t period = 0;
    for (std::size_t p = 1; p <= 12 && 3 * p <= n && !period; ++p) {
      bool periodic = true;
      for (std::size_t i = n - 2 * p; i < n && periodic; ++i)
        periodic = same_op(*steps[i], *steps[i - p]);
      if (periodic) period = p;
    }
    if (period == 0) continue;  // not spinning: blocked ones are in the failure's waits
    // Extend the cycle backwards as far as the steps keep repeating.
    std::size_t start = n - period;
    while (start > 0 && same_op(*steps[start - 1], *steps[start - 1 + period])) --start;
    const std::size_t rounds = (n - start) / period;
    line += "spins since step " + std::to_string(steps[start]->step) + ": it repeats ";
    std::vector<std::string> waits;
    bool writes = false;
    for (std::size_t i = n - period; i < n; ++i) {
      if (i > n - period) line += ", ";
      line += op_text(*steps[i]);
      if (!only_reads(steps[i]->kind)) writes = true;
      if ((steps[i]->kind == op::atomic_load || steps[i]->kind == op::var_read) &&
          !steps[i]->object.empty() &&
          std::find(waits.begin(), waits.end(), steps[i]->object) == waits.end())
        waits.push_back(steps[i]->object);
    }
    line += " (" + std::to_string(rounds) + " times)";
    if (!writes && !waits.empty()) {
      line += "; it only reads: waiting for another thread to store to ";
      for (std::size_t i = 0; i < waits.size(); ++i) line += (i ? " or " : "") + waits[i];
    }
    out += line + "\n";
  }
  return out.empty() ? out : "spinning at the step bound:\n" + out;
}

}  // namespace lockstep::rt
