#include "structured_trace.hpp"

#include <algorithm>
#include <cctype>

namespace lockstep::rt {
namespace {

// The file part of to_string(loc) (shortened to the repository) and the line.
void set_where(source_loc loc, std::string& file, int& line) {
  if (!loc.file) return;
  const std::string s = to_string(loc);
  file = s.substr(0, s.rfind(':'));
  line = loc.line;
}

}  // namespace

std::vector<trace_step> structured_trace(const std::vector<trace_event>& trace) {
  std::vector<trace_step> out;
  out.reserve(trace.size());
  for (const auto& e : trace) {
    trace_step s;
    s.step = e.step;
    s.thread = e.tid;
    s.op = to_string(e.kind);
    s.order = order_name(e.order);
    s.object = e.object;
    if (!e.object.empty()) set_where(e.obj_created, s.object_file, s.object_line);
    s.wake = e.how == wake::timeout ? "timeout" : e.how == wake::spurious ? "spurious" : "";
    s.note = e.note;
    set_where(e.loc, s.file, s.line);
    s.reads_from = e.reads_from;
    s.stale = e.stale;
    out.push_back(std::move(s));
  }
  return out;
}

void drop_incidental_accesses(std::vector<trace_event>& trace, const failure& f) {
  // race() words the message "data race on <object> ..." with the object's trace name.
  auto raced = [&](const std::string& object) {
    const std::string head = "data race on " + object;
    return f.kind == failure_kind::data_race && f.message.starts_with(head) &&
           (f.message.size() == head.size() || f.message[head.size()] == ' ' ||
            f.message[head.size()] == ':');
  };
  std::size_t kept = 0;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    trace_event& e = trace[i];
    if (e.incidental && !raced(e.object)) {
      if (!e.note.empty() && kept > 0) {
        std::string& to = trace[kept - 1].note;
        to += (to.empty() ? "" : "; ") + e.note;
      }
      continue;
    }
    if (kept != i) trace[kept] = std::move(e);
    ++kept;
  }
  trace.resize(kept);
}

void number_pointers(std::vector<trace_event>& trace) {
  std::vector<std::string> seen;
  for (auto& e : trace) {
    for (std::size_t at = e.note.find("ptr@"); at != std::string::npos;
         at = e.note.find("ptr@", at)) {
      std::size_t end = at + 4;
      auto addr_char = [](char c) {
        return c == 'x' || std::isxdigit(static_cast<unsigned char>(c)) != 0;
      };
      while (end < e.note.size() && addr_char(e.note[end])) ++end;
      const std::string addr = e.note.substr(at + 4, end - at - 4);
      auto it = std::find(seen.begin(), seen.end(), addr);
      if (it == seen.end()) it = seen.insert(seen.end(), addr);
      const std::string name = "ptr#" + std::to_string(it - seen.begin() + 1);
      e.note.replace(at, end - at, name);
      at += name.size();
    }
  }
}

failure_report structured_failure(const failure& f) {
  failure_report r;
  if (f.kind == failure_kind::none) return r;
  r.kind = to_string(f.kind);
  r.message = f.message + f.detail;
  r.thread = f.tid;
  if (f.tid >= 0) set_where(f.where, r.file, r.line);
  r.step = f.step;
  if (f.race)
    for (const race_site& site : f.race_sites) {
      race_access a;
      a.thread = site.tid;
      a.access = site.write ? "write" : "read";
      set_where(site.at, a.file, a.line);
      a.step = site.step;
      r.race.push_back(std::move(a));
    }
  return r;
}

}  // namespace lockstep::rt
