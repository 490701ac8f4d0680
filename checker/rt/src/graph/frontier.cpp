// The graph engine's resumable frontier: the stack of states (graph + work list) written as
// text, read back by a later run of the same test binary (--frontier / --resume).
//
// An event's guard (a function) and source file (a string literal) are pointers into the
// binary; they are written as offsets from anchors in this file, which hold across runs of
// the same binary (the image moves as a whole), and the header's image fingerprint — the
// distance between a code and a data anchor — turns a frontier of another binary away.
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "set_values.hpp"
#include "trust.hpp"

namespace lockstep::rt::graph {

namespace {

const char kDataAnchor[] = "lockstep graph frontier";
void code_anchor() {}

std::int64_t code_offset(rt::rmw_guard g) {
  return g ? static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(g) -
                                       reinterpret_cast<std::uintptr_t>(&code_anchor))
           : 0;
}
rt::rmw_guard guard_at(std::int64_t off) {
  if (off == 0) return nullptr;
  return reinterpret_cast<rt::rmw_guard>(reinterpret_cast<std::uintptr_t>(&code_anchor) +
                                         static_cast<std::uintptr_t>(off));
}
std::int64_t data_offset(const char* p) {
  return p ? static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(p) -
                                       reinterpret_cast<std::uintptr_t>(kDataAnchor))
           : 0;
}
const char* file_at(std::int64_t off) {
  if (off == 0) return nullptr;
  return reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(kDataAnchor) +
                                       static_cast<std::uintptr_t>(off));
}
std::int64_t fingerprint() {
  return static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(&code_anchor) -
                                   reinterpret_cast<std::uintptr_t>(kDataAnchor));
}

void put_ref(std::ostream& os, event_ref r) { os << ' ' << r.tid << ' ' << r.idx; }
bool get_ref(std::istream& is, event_ref& r) { return static_cast<bool>(is >> r.tid >> r.idx); }

}  // namespace

std::string trust_engine::save_frontier() const {
  std::ostringstream os;
  os << "image " << fingerprint() << "\nstates " << states_.size() << '\n';
  for (const state& st : states_) {
    const exec_graph& G = st.g;
    os << "graph " << G.threads.size() << ' ' << G.locs.size() << ' ' << G.next_stamp << ' '
       << st.work.size() << '\n';
    for (const auto& th : G.threads) {
      os << "thread " << th.size() << '\n';
      for (const event& e : th) {
        const unsigned flags =
            (e.rmw_write ? 1u : 0u) | (e.step_start ? 2u : 0u) | (e.spurious_ok ? 4u : 0u) |
            (e.spurious_choice ? 8u : 0u) | (e.revisitable ? 16u : 0u) | (e.added_max ? 32u : 0u) |
            (e.weak_cas ? 64u : 0u) | (e.spurious_fail ? 128u : 0u) | (e.wait_compare ? 256u : 0u);
        os << static_cast<int>(e.kind) << ' ' << static_cast<int>(e.rmw) << ' '
           << static_cast<int>(e.mo) << ' ' << static_cast<int>(e.mo_fail) << ' ' << flags << ' '
           << e.loc << ' ' << e.stamp << ' ' << e.aux;
        put_ref(os, e.rf);
        os << ' ' << e.bits << ' ' << e.expected << ' ' << code_offset(e.guard) << ' '
           << data_offset(e.file) << ' ' << e.line << '\n';
      }
    }
    for (const location& l : G.locs) {
      os << "loc " << l.key << ' ' << l.init_bits << ' ' << (l.sync_object ? 1 : 0) << ' '
         << l.co.size();
      for (event_ref w : l.co) put_ref(os, w);
      os << '\n';
    }
    for (const item& it : st.work) {
      os << "item " << static_cast<int>(it.kind) << ' ' << it.stamp;
      put_ref(os, it.e);
      put_ref(os, it.w);
      os << ' ' << it.value << ' ' << it.keep.size();
      for (std::int32_t k : it.keep) os << ' ' << k;
      os << '\n';
    }
  }
  os << save_set_values();  // the interned waiter sets the values above may name
  return os.str();
}

bool trust_engine::load_frontier(const std::string& text) {
  std::istringstream is(text);
  std::string word;
  std::int64_t image = 0;
  std::size_t nstates = 0;
  if (!(is >> word) || word != "image" || !(is >> image) || image != fingerprint()) return false;
  if (!(is >> word) || word != "states" || !(is >> nstates) || nstates == 0) return false;
  std::vector<state> loaded(nstates);
  for (state& st : loaded) {
    std::size_t nthreads = 0, nlocs = 0, nwork = 0;
    exec_graph& G = st.g;
    if (!(is >> word) || word != "graph" || !(is >> nthreads >> nlocs >> G.next_stamp >> nwork))
      return false;
    G.threads.resize(nthreads);
    for (auto& th : G.threads) {
      std::size_t n = 0;
      if (!(is >> word) || word != "thread" || !(is >> n)) return false;
      th.resize(n);
      for (event& e : th) {
        int kind = 0, rmw = 0, mo = 0, mo_fail = 0;
        unsigned flags = 0;
        std::int64_t guard = 0, file = 0;
        if (!(is >> kind >> rmw >> mo >> mo_fail >> flags >> e.loc >> e.stamp >> e.aux) ||
            !get_ref(is, e.rf) || !(is >> e.bits >> e.expected >> guard >> file >> e.line))
          return false;
        if (kind < 0 || kind > static_cast<int>(ev_kind::choice) || rmw < 0 ||
            rmw > static_cast<int>(rmw_kind::attempt) || mo < 0 || mo > 5 || mo_fail < 0 ||
            mo_fail > 5)
          return false;
        e.kind = static_cast<ev_kind>(kind);
        e.rmw = static_cast<rmw_kind>(rmw);
        e.mo = static_cast<std::memory_order>(mo);
        e.mo_fail = static_cast<std::memory_order>(mo_fail);
        e.rmw_write = flags & 1u;
        e.step_start = flags & 2u;
        e.spurious_ok = flags & 4u;
        e.spurious_choice = flags & 8u;
        e.revisitable = flags & 16u;
        e.added_max = flags & 32u;
        e.weak_cas = flags & 64u;
        e.spurious_fail = flags & 128u;
        e.wait_compare = flags & 256u;
        e.guard = guard_at(guard);
        e.file = file_at(file);
      }
    }
    G.locs.resize(nlocs);
    for (location& l : G.locs) {
      int sync = 0;
      std::size_t nco = 0;
      if (!(is >> word) || word != "loc" || !(is >> l.key >> l.init_bits >> sync >> nco))
        return false;
      l.sync_object = sync != 0;
      l.co.resize(nco);
      for (event_ref& w : l.co)
        if (!get_ref(is, w)) return false;
    }
    st.work.resize(nwork);
    for (item& it : st.work) {
      int kind = 0;
      std::size_t nkeep = 0;
      if (!(is >> word) || word != "item" || !(is >> kind >> it.stamp) || !get_ref(is, it.e) ||
          !get_ref(is, it.w) || !(is >> it.value >> nkeep))
        return false;
      if (kind < 0 || kind > static_cast<int>(item_kind::backward)) return false;
      it.kind = static_cast<item_kind>(kind);
      it.keep.resize(nkeep);
      for (std::int32_t& k : it.keep)
        if (!(is >> k)) return false;
    }
  }
  if (is >> word && (word != "sets" || !load_set_values(is) || is >> word))
    return false;  // trailing garbage
  // Event references must point into the graph (a corrupt file must not crash the engine).
  for (const state& st : loaded) {
    const exec_graph& G = st.g;
    auto valid = [&](event_ref r) {
      return r.is_init() ||
             (r.tid < G.nthreads() && r.idx >= 0 &&
              static_cast<std::size_t>(r.idx) < G.threads[static_cast<std::size_t>(r.tid)].size());
    };
    for (const auto& th : G.threads)
      for (const event& e : th)
        if (e.has_read() && !valid(e.rf)) return false;
    for (const location& l : G.locs)
      for (event_ref w : l.co)
        if (w.is_init() || !valid(w)) return false;
    for (const item& it : st.work)
      if (!valid(it.e) || it.e.is_init() || !valid(it.w)) return false;
  }
  // The prepared graph must be replayable (the graphs below it may be springboards, which
  // are inconsistent by design: only their work lists are used).
  std::vector<event_ref> order;
  if (!linearize(loaded.back().g, model_ == model::sc, &order)) return false;
  states_ = std::move(loaded);
  begin_execution();
  return true;
}

}  // namespace lockstep::rt::graph
