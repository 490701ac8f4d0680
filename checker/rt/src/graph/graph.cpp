#include "graph.hpp"

#include <algorithm>

namespace lockstep::rt::graph {

const char* to_string(ev_kind k) noexcept {
  switch (k) {
    case ev_kind::start:
      return "start";
    case ev_kind::spawn:
      return "spawn";
    case ev_kind::join:
      return "join";
    case ev_kind::finish:
      return "finish";
    case ev_kind::yield:
      return "yield";
    case ev_kind::fence:
      return "fence";
    case ev_kind::read:
      return "read";
    case ev_kind::write:
      return "write";
    case ev_kind::choice:
      return "choice";
  }
  return "?";
}

bool exec_graph::writes_after(const event& e, std::uint64_t v) noexcept {
  switch (e.rmw) {
    case rmw_kind::none:
      return false;
    case rmw_kind::always:
      return true;
    case rmw_kind::cas:
      return v == e.expected && !e.spurious_fail;
    case rmw_kind::await:
      return e.spurious_ok || e.guard(v, e.expected);
    case rmw_kind::attempt:
      return e.guard(v, e.expected);
  }
  return false;
}

int exec_graph::spurious_wakeups(event_ref but) const {
  int n = 0;
  for (std::size_t t = 0; t < threads.size(); ++t)
    for (std::size_t k = 0; k < threads[t].size(); ++k) {
      const event& e = threads[t][k];
      const event_ref me{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)};
      if (me == but) continue;
      if (e.spurious_ok && e.has_read() && !e.guard(value_of(e.rf, e.loc), e.expected)) ++n;
      if (e.spurious_choice && e.rmw_write && e.aux == 1) ++n;
      if (e.spurious_fail) ++n;
    }
  return n;
}

bool exec_graph::may_read(const event& e, std::uint64_t v, bool backward) noexcept {
  if (e.rmw == rmw_kind::always) return !e.guard || e.guard(v, e.expected);
  // A spurious failure exists only where the CAS would have succeeded (elsewhere it is the
  // ordinary failure, explored without the flag).
  if (e.spurious_fail) return v == e.expected;
  // A spurious wake-up reads only states its guard rejects (one that accepts it is the
  // notified wake-up, another graph); a notified one only states that let it go on, or
  // (backward) that hold it back.
  if (e.rmw == rmw_kind::await)
    return e.spurious_ok ? !e.guard(v, e.expected) : backward || e.guard(v, e.expected);
  return true;
}

std::size_t exec_graph::size() const noexcept {
  std::size_t n = 0;
  for (const auto& t : threads) n += t.size();
  return n;
}

location* exec_graph::find_loc(loc_key k) noexcept {
  for (auto& l : locs)
    if (l.key == k) return &l;
  return nullptr;
}
const location* exec_graph::find_loc(loc_key k) const noexcept {
  for (const auto& l : locs)
    if (l.key == k) return &l;
  return nullptr;
}

location& exec_graph::loc(loc_key k, std::uint64_t init_bits, bool sync_object) {
  if (location* l = find_loc(k)) {
    l->init_bits = init_bits;  // this execution's (an address may differ from the last one's)
    return *l;
  }
  locs.push_back(location{k, init_bits, sync_object, {}});
  return locs.back();
}

std::uint64_t exec_graph::value_of(event_ref w, loc_key k) const {
  if (w.is_init()) return find_loc(k)->init_bits;
  return at(w).bits;
}

std::size_t exec_graph::co_index(const location& l, event_ref w) const {
  if (w.is_init()) return 0;
  for (std::size_t i = 0; i < l.co.size(); ++i)
    if (l.co[i] == w) return i + 1;
  return 0;
}

event_ref exec_graph::append(int tid, const event& e) {
  if (threads.size() <= static_cast<std::size_t>(tid))
    threads.resize(static_cast<std::size_t>(tid) + 1);
  auto& t = threads[static_cast<std::size_t>(tid)];
  t.push_back(e);
  t.back().stamp = next_stamp++;
  return event_ref{tid, static_cast<std::int32_t>(t.size() - 1)};
}

view exec_graph::stamp_view(std::uint32_t s) const {
  view v(threads.size(), 0);
  for (std::size_t t = 0; t < threads.size(); ++t) {
    std::int32_t n = 0;
    while (static_cast<std::size_t>(n) < threads[t].size() &&
           threads[t][static_cast<std::size_t>(n)].stamp <= s)
      ++n;
    v[t] = n;
  }
  return v;
}

void exec_graph::restrict_to(const view& v) {
  for (std::size_t t = 0; t < threads.size(); ++t) {
    std::size_t keep = t < v.size() ? static_cast<std::size_t>(v[t]) : 0;
    if (threads[t].size() > keep) threads[t].resize(keep);
  }
  while (!threads.empty() && threads.back().empty()) threads.pop_back();
  for (auto& l : locs)
    l.co.erase(std::remove_if(l.co.begin(), l.co.end(),
                              [&](event_ref w) {
                                return !contains(v, w) ||
                                       static_cast<std::size_t>(w.tid) >= threads.size() ||
                                       !at(w).has_write();
                              }),
               l.co.end());
  std::uint32_t max_stamp = 0;
  for (const auto& t : threads)
    for (const auto& e : t) max_stamp = std::max(max_stamp, e.stamp);
  next_stamp = max_stamp + 1;
}

void exec_graph::cut_to_stamp(std::uint32_t s) { restrict_to(stamp_view(s)); }

// The spawn that created thread tid: the parent's spawn event naming it. Cached per thread
// (the graph changes under it only by appending and cutting, so a cached entry is checked
// before it is used and searched again when it no longer fits).
event_ref exec_graph::spawn_of(int tid) const {
  const auto t = static_cast<std::size_t>(tid);
  if (t < spawn_cache_.size()) {
    const event_ref c = spawn_cache_[t];
    if (!c.is_init() && static_cast<std::size_t>(c.tid) < threads.size() &&
        static_cast<std::size_t>(c.idx) < threads[static_cast<std::size_t>(c.tid)].size()) {
      const event& e = at(c);
      if (e.kind == ev_kind::spawn && e.aux == static_cast<std::uint32_t>(tid)) return c;
    }
  }
  if (spawn_cache_.size() <= t) spawn_cache_.resize(t + 1);
  for (std::size_t p = 0; p < threads.size(); ++p)
    for (std::size_t k = 0; k < threads[p].size(); ++k)
      if (threads[p][k].kind == ev_kind::spawn &&
          threads[p][k].aux == static_cast<std::uint32_t>(tid))
        return spawn_cache_[t] =
                   event_ref{static_cast<std::int32_t>(p), static_cast<std::int32_t>(k)};
  return event_ref{};
}

void exec_graph::prefix_of(event_ref e, view& v) const {
  v.assign(threads.size(), 0);
  // The work list is kept between calls (one per OS thread): the engine asks for thousands of
  // prefixes per second, and its allocation was a tenth of a call.
  thread_local std::vector<event_ref> todo;
  todo.assign(1, e);
  while (!todo.empty()) {
    event_ref x = todo.back();
    todo.pop_back();
    if (x.is_init()) continue;
    auto& len = v[static_cast<std::size_t>(x.tid)];
    if (x.idx < len) continue;
    const std::int32_t from = len;
    len = x.idx + 1;
    const auto& th = threads[static_cast<std::size_t>(x.tid)];
    for (std::int32_t i = from; i <= x.idx; ++i) {
      const event& ev = th[static_cast<std::size_t>(i)];
      if (ev.has_read()) todo.push_back(ev.rf);
      if (ev.kind == ev_kind::start && x.tid > 0) {
        const event_ref sp = spawn_of(x.tid);
        if (!sp.is_init()) todo.push_back(sp);
      }
      if (ev.kind == ev_kind::join) {
        const auto& child = threads[ev.aux];
        todo.push_back(event_ref{static_cast<std::int32_t>(ev.aux),
                                 static_cast<std::int32_t>(child.size() - 1)});
      }
    }
  }
}

event_ref exec_graph::last_added() const noexcept {
  event_ref best{};
  std::uint32_t s = 0;
  for (std::size_t t = 0; t < threads.size(); ++t)
    if (!threads[t].empty() && threads[t].back().stamp > s) {
      s = threads[t].back().stamp;
      best =
          event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(threads[t].size() - 1)};
    }
  return best;
}

std::string exec_graph::describe() const {
  std::string s;
  for (std::size_t t = 0; t < threads.size(); ++t) {
    s += "T" + std::to_string(t) + ":";
    for (const auto& e : threads[t]) {
      s += std::string(e.step_start ? " |" : " ") + "[" + std::to_string(e.stamp) + "]" +
           to_string(e.kind);
      if (e.has_read() || e.has_write()) s += "@" + std::to_string(e.loc & 0xfffff);
      if (e.has_read())
        s += "<-" + (e.rf.is_init() ? std::string("init")
                                    : std::to_string(e.rf.tid) + "." + std::to_string(e.rf.idx));
      if (e.has_write()) s += "=" + std::to_string(e.bits);
      if (e.kind == ev_kind::choice) s += "=" + std::to_string(e.bits);
    }
    s += "\n";
  }
  for (const auto& l : locs) {
    s += "co@" + std::to_string(l.key & 0xfffff) + ":";
    for (auto w : l.co) s += " " + std::to_string(w.tid) + "." + std::to_string(w.idx);
    s += "\n";
  }
  return s;
}

}  // namespace lockstep::rt::graph
