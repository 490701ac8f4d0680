#include "consistency.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace lockstep::rt::graph {

namespace {

// The working arrays of one check, kept between checks (the engine checks thousands of small
// graphs: allocation would dominate). One per OS thread. `prepare` fills what depends on the
// graph but not on the reads' rf (except the reader counts, which `consistent_rfs` adjusts
// per candidate); `check_prepared` the rest.
struct scratch {
  std::vector<std::size_t> offset;         // per thread: id of its first event
  std::vector<std::int32_t> last_step;     // per thread: index of its last step start, or -1
  std::vector<std::int32_t> pos;           // per event: position in co (writes), -1 otherwise
  std::vector<std::int32_t> readers;       // per event (writes): reads of it not yet ordered
  std::vector<std::int32_t> init_readers;  // per location index
  std::vector<std::int32_t> loc_index;     // per event: index of its location, -1 if none
  std::vector<std::pair<loc_key, std::int32_t>> keys;  // the locations' keys, sorted: index
  std::vector<event_ref> spawn;                        // per thread: the spawn that created it
  std::vector<std::int32_t> cursor;
  std::vector<event_ref> order;
  bool readers_taken = false;  // linearize_into used up the reader counts of the reads ordered
  // hb
  std::vector<std::uint32_t> clk, cur, relf, acqp, rel;
  std::vector<std::uint8_t> has_rel, has_relf;
  // RC11 only: whether every access is seq_cst (then RC11 is SC), per location its events,
  // and the accesses and fences (psc) if any is seq_cst.
  bool all_sc = false;
  bool any_sc = false;
  std::vector<std::size_t> by_loc_start;
  std::vector<event_ref> by_loc;
  std::vector<event_ref> accesses;
  // sc_ancestors: per thread, how many of its events are ordered before the event asked
  // about; the reads of each write (CSR over event ids, then one slot per location's initial
  // write); the work list.
  std::vector<std::int32_t> anc;
  std::vector<std::int32_t> rd_start;
  std::vector<event_ref> rd;
  std::vector<event_ref> todo;
  // coherent: per event of the location checked, its thread, index, val and whether a write.
  std::vector<std::uint32_t> coh_tid, coh_idx;
  std::vector<std::int32_t> coh_val;
  std::vector<std::uint8_t> coh_write;
};
thread_local scratch t_scratch;

std::size_t id_of(const scratch& s, event_ref e) noexcept {
  return s.offset[static_cast<std::size_t>(e.tid)] + static_cast<std::size_t>(e.idx);
}

void prepare_rc11(const exec_graph& g, scratch& s, std::size_t n);

// Numbers the events and fills co positions, reader counts and locations.
std::size_t prepare(const exec_graph& g, scratch& s, model m) {
  const std::size_t nt = g.threads.size();
  s.offset.assign(nt + 1, 0);
  for (std::size_t t = 0; t < nt; ++t) s.offset[t + 1] = s.offset[t] + g.threads[t].size();
  const std::size_t n = s.offset[nt];
  s.pos.assign(n, -1);
  s.readers.assign(n, 0);
  s.readers_taken = false;
  s.init_readers.assign(g.locs.size(), 0);
  s.loc_index.assign(n, -1);
  s.spawn.assign(nt, event_ref{});
  s.last_step.assign(nt, -1);
  for (std::size_t li = 0; li < g.locs.size(); ++li) {
    const auto& l = g.locs[li];
    for (std::size_t i = 0; i < l.co.size(); ++i)
      s.pos[id_of(s, l.co[i])] = static_cast<std::int32_t>(i + 1);
  }
  // Each event's location: its hint, else a binary search (a scan of the locations per event
  // was a tenth of the engine's time on models with many locations).
  bool keys_sorted = false;
  auto search = [&](loc_key k) {
    if (!keys_sorted) {
      s.keys.clear();
      for (std::size_t li = 0; li < g.locs.size(); ++li)
        s.keys.emplace_back(g.locs[li].key, static_cast<std::int32_t>(li));
      std::sort(s.keys.begin(), s.keys.end());
      keys_sorted = true;
    }
    const auto it =
        std::lower_bound(s.keys.begin(), s.keys.end(), std::pair<loc_key, std::int32_t>{k, -1});
    return it != s.keys.end() && it->first == k ? it->second : -1;
  };
  for (std::size_t t = 0; t < nt; ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& e = g.threads[t][k];
      if (e.step_start) s.last_step[t] = static_cast<std::int32_t>(k);
      if (e.kind == ev_kind::spawn && e.aux < nt)
        s.spawn[e.aux] = event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)};
      if (!e.has_read() && !e.has_write()) continue;
      const std::int32_t li = e.loc_hint < g.locs.size() && g.locs[e.loc_hint].key == e.loc
                                  ? static_cast<std::int32_t>(e.loc_hint)
                                  : search(e.loc);
      s.loc_index[s.offset[t] + k] = li;
      if (e.has_read()) {
        if (e.rf.is_init())
          ++s.init_readers[static_cast<std::size_t>(li)];
        else
          ++s.readers[id_of(s, e.rf)];
      }
    }
  if (m == model::rc11) prepare_rc11(g, s, n);
  return n;
}

void prepare_rc11(const exec_graph& g, scratch& s, std::size_t n) {
  const std::size_t nt = g.threads.size();
  // Only seq_cst accesses (and no fences): RC11 is SC there (psc contains po, rf, co and fr).
  // Not with an atomic wait's comparison: its hb edge from what the registration reads
  // (compute_hb) is no po, rf, co or fr edge, so the SC order alone would miss it (a waiter
  // found asleep after a notify_all: graph_wait_cross_check_test.cpp).
  s.all_sc = true;
  s.any_sc = false;
  for (const auto& th : g.threads)
    for (const event& e : th)
      if (e.has_read() || e.has_write() || e.kind == ev_kind::fence) {
        s.any_sc = s.any_sc || e.is_sc();
        if (e.kind == ev_kind::fence || !e.is_sc() || e.wait_compare ||
            (e.has_read() && e.mo_fail != std::memory_order_seq_cst))
          s.all_sc = false;
      }
  if (s.all_sc) return;
  // Events bucketed by location (coherence is checked per location).
  const std::size_t nl = g.locs.size();
  std::vector<std::size_t>& start = s.by_loc_start;
  start.assign(nl + 2, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (s.loc_index[i] >= 0) ++start[static_cast<std::size_t>(s.loc_index[i]) + 2];
  for (std::size_t li = 0; li < nl; ++li) start[li + 2] += start[li + 1];
  s.by_loc.assign(start[nl + 1], event_ref{});
  for (std::size_t t = 0; t < nt; ++t)  // start[li + 1] is the fill position of li
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const std::int32_t li = s.loc_index[s.offset[t] + k];
      if (li >= 0)
        s.by_loc[start[static_cast<std::size_t>(li) + 1]++] =
            event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)};
    }
  // Now start[li] .. start[li + 1] is location li.
  s.accesses.clear();
  if (!s.any_sc) return;
  for (std::size_t t = 0; t < nt; ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& e = g.threads[t][k];
      if (e.has_read() || e.has_write() || e.kind == ev_kind::fence)
        s.accesses.push_back(event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)});
    }
}

bool done(const scratch& s, event_ref e) {
  return e.is_init() || s.cursor[static_cast<std::size_t>(e.tid)] > e.idx;
}

// Whether event i of thread t (its earlier events ordered) can be ordered next.
bool ready_at(const exec_graph& g, const scratch& s, bool sc_everywhere, std::size_t t,
              std::int32_t i) {
  const event& e = g.threads[t][static_cast<std::size_t>(i)];
  if (e.has_read() && !done(s, e.rf)) return false;
  if (e.kind == ev_kind::start && t > 0 && (s.spawn[t].is_init() || !done(s, s.spawn[t])))
    return false;
  if (e.kind == ev_kind::join) {
    const auto& child = g.threads[e.aux];
    if (child.empty() || s.cursor[e.aux] < static_cast<std::int32_t>(child.size())) return false;
  }
  if (e.has_write()) {
    const std::size_t me = s.offset[t] + static_cast<std::size_t>(i);
    const std::size_t li = static_cast<std::size_t>(s.loc_index[me]);
    const location& l = g.locs[li];
    if (sc_everywhere || l.sync_object) {
      // The co-predecessor, and every read of it (fr), come first.
      const std::size_t p = static_cast<std::size_t>(s.pos[me]);
      if (p == 1) {
        if (s.init_readers[li] > 0) return false;
      } else {
        const event_ref pred = l.co[p - 2];
        if (!done(s, pred) || s.readers[id_of(s, pred)] > 0) return false;
      }
    }
  }
  return true;
}

std::int32_t& readers_of(const exec_graph& g, scratch& s, std::size_t t, std::int32_t i) {
  const event& e = g.threads[t][static_cast<std::size_t>(i)];
  if (e.rf.is_init())
    return s.init_readers[static_cast<std::size_t>(
        s.loc_index[s.offset[t] + static_cast<std::size_t>(i)])];
  return s.readers[id_of(s, e.rf)];
}

void order_one(const exec_graph& g, scratch& s, std::size_t t) {
  if (g.threads[t][static_cast<std::size_t>(s.cursor[t])].has_read())
    --readers_of(g, s, t, s.cursor[t]);
  s.order.push_back(event_ref{static_cast<std::int32_t>(t), s.cursor[t]});
  ++s.cursor[t];
}

void unorder_one(const exec_graph& g, scratch& s, std::size_t t) {
  --s.cursor[t];
  s.order.pop_back();
  if (g.threads[t][static_cast<std::size_t>(s.cursor[t])].has_read())
    ++readers_of(g, s, t, s.cursor[t]);
}

// Orders the step that starts at thread t's cursor — its events up to the next step start
// (an RMW's read and write, a timed wait's attempt and the clock moving, choices): a step of
// the program is atomic. False (and nothing ordered) when it cannot go next.
bool order_step(const exec_graph& g, scratch& s, bool sc_everywhere, std::size_t t) {
  const auto& th = g.threads[t];
  std::int32_t n = 0;
  do {
    if (!ready_at(g, s, sc_everywhere, t, s.cursor[t])) {
      while (n-- > 0) unorder_one(g, s, t);
      return false;
    }
    order_one(g, s, t);
    ++n;
  } while (s.cursor[t] < static_cast<std::int32_t>(th.size()) &&
           !th[static_cast<std::size_t>(s.cursor[t])].step_start);
  return true;
}

// Gives back the reader counts that linearize_into used up ordering the reads of s.order: a
// graph prepared once and linearised again (consistent_rfs per candidate, consistent's replay
// order) needs them. (Before, the next candidate's order saw no read but the new one — fr
// missing for every other read — and candidates that are not consistent were pushed, to be
// rejected when applied.)
void give_back_readers(const exec_graph& g, scratch& s) {
  if (!s.readers_taken) return;  // (no linearisation since the last time)
  s.readers_taken = false;
  for (event_ref e : s.order)
    if (g.at(e).has_read()) ++readers_of(g, s, static_cast<std::size_t>(e.tid), e.idx);
}

// A topological order of po ∪ rf ∪ thread edges (∪ co ∪ fr where they count) into s.order.
bool linearize_into(const exec_graph& g, scratch& s, std::size_t n, bool sc_everywhere) {
  const std::size_t nt = g.threads.size();
  s.cursor.assign(nt, 0);
  s.order.clear();
  s.readers_taken = true;
  std::size_t t = 0;
  // A thread's last step when the thread has not finished goes as late as it can: the
  // execution may go on inside that step with new events, which then see every write.
  auto last_open_step = [&](std::size_t u) {
    return g.threads[u].back().kind != ev_kind::finish && s.last_step[u] <= s.cursor[u];
  };
  while (s.order.size() < n) {
    // The same thread as long as it can go on (readable replays); then the first that can.
    bool moved = false;
    for (int pass = 0; pass < 2 && !moved; ++pass)
      for (std::size_t k = 0; k < nt && !moved; ++k) {
        const std::size_t u = (t + k) % nt;
        if (s.cursor[u] >= static_cast<std::int32_t>(g.threads[u].size())) continue;
        if (pass == 0 && last_open_step(u)) continue;
        if (!order_step(g, s, sc_everywhere, u)) continue;
        t = u;
        moved = true;
      }
    if (!moved) return false;
  }
  return true;
}

// hb as vector clocks: clk[id(e) * nt + u] = events of thread u that happen before e, or are e.
bool hb(const scratch& s, std::size_t nt, event_ref a, event_ref b) {
  if (a == b) return false;
  return s.clk[id_of(s, b) * nt + static_cast<std::size_t>(a.tid)] >
         static_cast<std::uint32_t>(a.idx);
}

void compute_hb(const exec_graph& g, scratch& s, std::size_t n) {
  const std::size_t nt = g.threads.size();
  s.clk.assign(n * nt, 0);
  s.cur.assign(nt * nt, 0);
  s.relf.assign(nt * nt, 0);
  s.acqp.assign(nt * nt, 0);
  s.has_relf.assign(nt, 0);
  s.rel.assign(n * nt, 0);
  s.has_rel.assign(n, 0);
  auto join_into = [nt](std::uint32_t* dst, const std::uint32_t* src) {
    for (std::size_t u = 0; u < nt; ++u) dst[u] = std::max(dst[u], src[u]);
  };
  for (event_ref r : s.order) {
    const std::size_t t = static_cast<std::size_t>(r.tid);
    const std::size_t me = id_of(s, r);
    const event& e = g.at(r);
    std::uint32_t* c = &s.cur[t * nt];
    c[t] = static_cast<std::uint32_t>(r.idx) + 1;
    if (e.kind == ev_kind::start && t > 0 && !s.spawn[t].is_init())
      join_into(c, &s.clk[id_of(s, s.spawn[t]) * nt]);
    if (e.kind == ev_kind::join) {
      const auto& child = g.threads[e.aux];
      join_into(c, &s.clk[(s.offset[e.aux] + child.size() - 1) * nt]);
    }
    if (e.has_read() && !e.rf.is_init()) {
      const std::size_t w = id_of(s, e.rf);
      const std::memory_order mo =
          e.rmw == rmw_kind::none || g.has_write_part(r) ? e.mo : e.mo_fail;
      if (s.has_rel[w]) join_into(acquires(mo) ? c : &s.acqp[t * nt], &s.rel[w * nt]);
    }
    // An atomic wait's comparison happens after what its registration (the next event, in the
    // same step, so already ordered: order_step) reads: a futex compares under the waker's lock.
    if (e.wait_compare && static_cast<std::size_t>(r.idx) + 1 < g.threads[t].size()) {
      // (A revisit may have cut the registration: the next event then starts another step.)
      const event& reg = g.threads[t][static_cast<std::size_t>(r.idx) + 1];
      if (!reg.step_start && reg.has_read() && !reg.rf.is_init() && s.has_rel[id_of(s, reg.rf)])
        join_into(c, &s.rel[id_of(s, reg.rf) * nt]);
    }
    if (e.kind == ev_kind::fence) {
      if (acquires(e.mo)) join_into(c, &s.acqp[t * nt]);
      if (releases(e.mo)) {
        std::copy(c, c + nt, &s.relf[t * nt]);
        s.has_relf[t] = 1;
      }
    }
    if (e.has_write()) {
      std::uint32_t* rc = &s.rel[me * nt];
      if (releases(e.mo)) {
        std::copy(c, c + nt, rc);
        s.has_rel[me] = 1;
      } else if (s.has_relf[t]) {
        std::copy(&s.relf[t * nt], &s.relf[t * nt] + nt, rc);
        s.has_rel[me] = 1;
      }
      // A release sequence continues through RMWs.
      const event_ref from = e.rmw_write ? g.at(event_ref{r.tid, r.idx - 1}).rf : event_ref{};
      if (e.rmw_write && !from.is_init() && s.has_rel[id_of(s, from)]) {
        join_into(rc, &s.rel[id_of(s, from) * nt]);
        s.has_rel[me] = 1;
      }
    }
    std::copy(c, c + nt, &s.clk[me * nt]);
  }
}

// Dense bit matrix.
struct bitrel {
  std::size_t n = 0, w = 0;
  std::vector<std::uint64_t> bits;
  explicit bitrel(std::size_t nn) : n(nn), w((nn + 63) / 64), bits(nn * ((nn + 63) / 64), 0) {}
  void set(std::size_t a, std::size_t b) { bits[a * w + b / 64] |= 1ull << (b % 64); }
  bool get(std::size_t a, std::size_t b) const { return (bits[a * w + b / 64] >> (b % 64)) & 1u; }
  // this ; o
  bitrel then(const bitrel& o) const {
    bitrel r(n);
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b)
        if (get(a, b))
          for (std::size_t k = 0; k < w; ++k) r.bits[a * w + k] |= o.bits[b * w + k];
    return r;
  }
};

bool psc_acyclic(const exec_graph& g, const scratch& s, std::size_t nt,
                 const std::vector<event_ref>& ref) {
  auto pos_of_write = [&](event_ref x) -> std::int32_t {
    return x.is_init() ? 0 : s.pos[id_of(s, x)];
  };
  const std::size_t n = ref.size();
  bitrel hbr(n), po(n), pod(n), hbloc(n), cofr(n), eco(n);
  auto is_access = [&](std::size_t a) { return g.at(ref[a]).kind != ev_kind::fence; };
  auto same_loc = [&](std::size_t a, std::size_t b) {
    return is_access(a) && is_access(b) && g.at(ref[a]).loc == g.at(ref[b]).loc;
  };
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) {
      if (a == b) continue;
      const event_ref ra = ref[a], rb = ref[b];
      const event& ea = g.at(ra);
      const event& eb = g.at(rb);
      if (hb(s, nt, ra, rb)) {
        hbr.set(a, b);
        if (same_loc(a, b)) hbloc.set(a, b);
      }
      if (ra.tid == rb.tid && ra.idx < rb.idx) {
        po.set(a, b);
        if (!same_loc(a, b)) pod.set(a, b);
      }
      if (!same_loc(a, b)) continue;
      const bool co_ab = ea.has_write() && eb.has_write() && pos_of_write(ra) < pos_of_write(rb);
      const bool fr_ab = ea.has_read() && eb.has_write() && pos_of_write(ea.rf) < pos_of_write(rb);
      if (co_ab || fr_ab) cofr.set(a, b);
      const bool rf_ab = ea.has_write() && eb.has_read() && eb.rf == ra;
      const bool co_rf = ea.has_write() && eb.has_read() && pos_of_write(ra) < pos_of_write(eb.rf);
      const bool fr_rf =
          ea.has_read() && eb.has_read() && pos_of_write(ea.rf) < pos_of_write(eb.rf);
      if (co_ab || fr_ab || rf_ab || co_rf || fr_rf) eco.set(a, b);
    }
  bitrel scb = pod.then(hbr).then(pod);
  for (std::size_t k = 0; k < scb.bits.size(); ++k)
    scb.bits[k] |= po.bits[k] | hbloc.bits[k] | cofr.bits[k];
  std::vector<std::size_t> sc;
  for (std::size_t a = 0; a < n; ++a)
    if (g.at(ref[a]).is_sc()) sc.push_back(a);
  auto is_fence = [&](std::size_t a) { return !is_access(a); };
  // pre = [E] ∪ [F_sc];hb and post = [E] ∪ hb;[F_sc]: psc_base = pre ; scb ; post on SC events.
  bitrel pre(n), post(n);
  for (std::size_t a = 0; a < n; ++a) {
    pre.set(a, a);
    post.set(a, a);
  }
  bool any_fence = false;
  for (std::size_t a = 0; a < n; ++a)
    if (is_fence(a) && g.at(ref[a]).is_sc()) {
      any_fence = true;
      for (std::size_t b = 0; b < n; ++b) {
        if (hbr.get(a, b)) pre.set(a, b);   // a' hb-after the fence a
        if (hbr.get(b, a)) post.set(b, a);  // b' hb-before the fence a
      }
    }
  const bitrel base = any_fence ? pre.then(scb).then(post) : scb;
  const bitrel hb_eco_hb = any_fence ? hbr.then(eco).then(hbr) : bitrel(0);
  const std::size_t m_sc = sc.size();
  std::vector<std::vector<std::size_t>> succ(m_sc);
  for (std::size_t i = 0; i < m_sc; ++i)
    for (std::size_t j = 0; j < m_sc; ++j) {
      const std::size_t a = sc[i], b = sc[j];
      bool edge = base.get(a, b);
      if (!edge && is_fence(a) && is_fence(b) && a != b)
        edge = hbr.get(a, b) || hb_eco_hb.get(a, b);
      if (edge) succ[i].push_back(j);
    }
  std::vector<std::uint8_t> colour(m_sc, 0);
  std::vector<std::pair<std::size_t, std::size_t>> stack;
  for (std::size_t st = 0; st < m_sc; ++st) {
    if (colour[st]) continue;
    stack.push_back({st, 0});
    colour[st] = 1;
    while (!stack.empty()) {
      auto& [v, k] = stack.back();
      if (k < succ[v].size()) {
        const std::size_t u = succ[v][k++];
        if (colour[u] == 1) return false;
        if (colour[u] == 0) {
          colour[u] = 1;
          stack.push_back({u, 0});
        }
      } else {
        colour[v] = 2;
        stack.pop_back();
      }
    }
  }
  return true;
}

// Coherence over the hb-ordered pairs of location li's events; with `but`, only the pairs
// without it (and none with it). With val(a) = a's co position for a write and its rf's for a
// read, the four axioms (CoWW, CoWR, CoRW, CoRR) say the same per event b: the largest val of
// the events hb-before b is below val(b) when b is a write, at most val(b) when b is a read (a
// write hb-before a read with the same val is the write it reads). So one maximum per b, over
// arrays filled once per location (not the events looked up per pair).
bool coherent(const exec_graph& g, scratch& s, std::size_t li, event_ref but) {
  const std::size_t nt = g.threads.size();
  const std::size_t from = s.by_loc_start[li], to = s.by_loc_start[li + 1];
  const std::size_t k = to - from;
  s.coh_tid.resize(k);
  s.coh_idx.resize(k);
  s.coh_val.resize(k);
  s.coh_write.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    const event_ref a = s.by_loc[from + i];
    const event& ea = g.at(a);
    const bool w = ea.has_write();
    const event_ref of = w ? a : ea.rf;
    s.coh_tid[i] = static_cast<std::uint32_t>(a.tid);
    s.coh_idx[i] = a == but ? ~0u : static_cast<std::uint32_t>(a.idx);  // ~0u: never hb-before
    s.coh_val[i] = of.is_init() ? 0 : s.pos[id_of(s, of)];
    s.coh_write[i] = w ? 1 : 0;
  }
  for (std::size_t ib = 0; ib < k; ++ib) {
    const event_ref b = s.by_loc[from + ib];
    if (b == but) continue;
    const std::uint32_t* cb = &s.clk[id_of(s, b) * nt];
    std::int32_t m = -1;
    for (std::size_t ia = 0; ia < k; ++ia)
      if (ia != ib && cb[s.coh_tid[ia]] > s.coh_idx[ia]) m = std::max(m, s.coh_val[ia]);
    if (s.coh_write[ib] ? m >= s.coh_val[ib] : m > s.coh_val[ib]) return false;
  }
  return true;
}

// Everything but atomicity, on a prepared graph.
bool check_prepared(const exec_graph& g, model m, scratch& s, std::size_t n) {
  if (m == model::sc || s.all_sc) return linearize_into(g, s, n, true);
  if (!linearize_into(g, s, n, false)) return false;
  const std::size_t nt = g.threads.size();
  compute_hb(g, s, n);
  // Coherence, per location, over hb-ordered pairs.
  for (std::size_t li = 0; li < g.locs.size(); ++li)
    if (!coherent(g, s, li, event_ref{-2, 0})) return false;
  // SC: acyclic(psc_base ∪ psc_F), only when there are seq_cst events.
  return !s.any_sc || psc_acyclic(g, s, nt, s.accesses);
}

std::atomic<bool> g_cross_check{std::getenv("LOCKSTEP_GRAPH_CROSS_CHECK") != nullptr};
std::atomic<std::uint64_t> g_cross_checks{0};

// A decision of the incremental checks below against the full check's: they must agree.
void cross_checked(bool full, bool incremental, const exec_graph& g, const char* what, event_ref e,
                   event_ref alt) {
  g_cross_checks.fetch_add(1, std::memory_order_relaxed);
  if (full == incremental) return;
  std::fprintf(stderr,
               "lockstep: graph engine internal error: the incremental consistency check of %s "
               "%d.%d (%d.%d) says %s, the full check %s, on\n%s",
               what, e.tid, e.idx, alt.tid, alt.idx, incremental ? "consistent" : "inconsistent",
               full ? "consistent" : "inconsistent", g.describe().c_str());
  std::abort();
}

// RC11 without seq_cst events, for a read r that nothing follows in po (nor, therefore, in hb)
// and that is no atomic wait's registration (consistent_rfs): what r reads changes only r's own
// clock and the coherence pairs ending in r. hb and the
// other pairs are computed once; then r's clock is its po-predecessor's joined, if r acquires,
// with the release clock of the write it reads. When r is a step of its own on a location
// that is not a synchronization object, no edge of the replay order leaves r: the graph has a
// replay order with r last iff it has one without r, whatever r reads (linearize_into finds
// an order whenever there is one: every condition of readiness only grows with the events
// ordered), so that too is decided once. The coherence pairs without r hold: the graph without
// r is consistent.
struct last_read_state {
  bool fixed_order = false;  // the replay order does not depend on what r reads
  int order_ok = -1;         // fixed_order: whether there is one (-1: not known yet)
  bool hb_done = false;
};
bool check_last_read(const exec_graph& g, scratch& s, std::size_t n, event_ref r,
                     last_read_state& st) {
  if (st.fixed_order && st.order_ok >= 0) {
    if (st.order_ok == 0) return false;
  } else {
    const bool ok = linearize_into(g, s, n, false);
    if (st.fixed_order) st.order_ok = ok ? 1 : 0;
    if (!ok) return false;
  }
  const std::size_t nt = g.threads.size();
  const std::size_t li = static_cast<std::size_t>(s.loc_index[id_of(s, r)]);
  if (!st.hb_done) {  // s.order is the order just found
    st.hb_done = true;
    compute_hb(g, s, n);
    // The graph without r is consistent (consistent_rfs' contract), so are its coherence pairs
    // (r is no atomic wait's registration: consistent_rfs). Taken the full way only under the
    // cross-check.
    if (g_cross_check.load(std::memory_order_relaxed)) {
      bool rest_ok = true;
      for (std::size_t l = 0; l < g.locs.size() && rest_ok; ++l) rest_ok = coherent(g, s, l, r);
      cross_checked(rest_ok, true, g, "coherence without the new read", r, r);
    }
  }
  const event& e = g.at(r);
  std::uint32_t* c = &s.cur[static_cast<std::size_t>(r.tid) * nt];  // r's clock (scratch row)
  std::copy(&s.clk[id_of(s, event_ref{r.tid, r.idx - 1}) * nt],
            &s.clk[id_of(s, event_ref{r.tid, r.idx - 1}) * nt] + nt, c);
  c[static_cast<std::size_t>(r.tid)] = static_cast<std::uint32_t>(r.idx) + 1;
  const std::memory_order mo = e.rmw == rmw_kind::none ? e.mo : e.mo_fail;  // no write part yet
  if (!e.rf.is_init() && acquires(mo) && s.has_rel[id_of(s, e.rf)]) {
    const std::uint32_t* rel = &s.rel[id_of(s, e.rf) * nt];
    for (std::size_t u = 0; u < nt; ++u) c[u] = std::max(c[u], rel[u]);
  }
  const std::int32_t mine = e.rf.is_init() ? 0 : s.pos[id_of(s, e.rf)];
  for (std::size_t ia = s.by_loc_start[li]; ia < s.by_loc_start[li + 1]; ++ia) {
    const event_ref a = s.by_loc[ia];
    if (a == r || c[static_cast<std::size_t>(a.tid)] <= static_cast<std::uint32_t>(a.idx))
      continue;  // not hb-before r
    const event& ea = g.at(a);
    if (ea.has_write() && !(e.rf == a || s.pos[id_of(s, a)] < mine)) return false;
    if (ea.has_read() && !((ea.rf.is_init() ? 0 : s.pos[id_of(s, ea.rf)]) <= mine)) return false;
  }
  return true;
}

// SC without a linearisation per candidate (Lamport's SC as acyclicity of po ∪ rf ∪ co ∪ fr,
// PLDI'19 §3; here over the program's atomic steps, as linearize_into orders them). e is the
// last event of its thread, the first of a step of its own, and the graph without e is
// consistent. Then the steps that must come before e's are the closure of the thread's earlier
// events under the predecessors of linearize_into's readiness — po, rf, spawn -> start,
// finish -> join, and for a write (co counting at its location) its co-predecessor and that
// one's reads (fr) — where a step that has one event in the closure is in it whole (atomic).
// Fills s.anc: per thread, the length of the prefix in the closure. e itself (a read of a
// write, say) is not followed. On a prepared graph.
void sc_ancestors(const exec_graph& g, scratch& s, std::size_t n, bool sc_everywhere, event_ref e) {
  const std::size_t nt = g.threads.size();
  const std::size_t nl = g.locs.size();
  // The reads of each write: s.rd[s.rd_start[id] .. s.rd_start[id + 1]], the initial write of
  // location li at id n + li.
  s.rd_start.assign(n + nl + 2, 0);
  auto slot = [&](const event& x, std::size_t id) {
    return x.rf.is_init() ? n + static_cast<std::size_t>(s.loc_index[id]) : id_of(s, x.rf);
  };
  for (std::size_t t = 0; t < nt; ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& x = g.threads[t][k];
      if (!x.has_read() ||
          event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)} == e)
        continue;
      ++s.rd_start[slot(x, s.offset[t] + k) + 2];
    }
  for (std::size_t i = 2; i < s.rd_start.size(); ++i) s.rd_start[i] += s.rd_start[i - 1];
  s.rd.assign(static_cast<std::size_t>(s.rd_start.back()), event_ref{});
  for (std::size_t t = 0; t < nt; ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& x = g.threads[t][k];
      const event_ref me{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)};
      if (!x.has_read() || me == e) continue;
      s.rd[static_cast<std::size_t>(s.rd_start[slot(x, s.offset[t] + k) + 1]++)] = me;
    }
  // Now the reads of slot i are s.rd[s.rd_start[i] .. s.rd_start[i + 1]].
  s.anc.assign(nt, 0);
  s.todo.clear();
  if (e.idx > 0) s.todo.push_back(event_ref{e.tid, e.idx - 1});
  while (!s.todo.empty()) {
    const event_ref x = s.todo.back();
    s.todo.pop_back();
    if (x.is_init()) continue;
    const std::size_t u = static_cast<std::size_t>(x.tid);
    const auto& th = g.threads[u];
    if (x.idx < s.anc[u]) continue;
    std::int32_t to = x.idx + 1;  // to the end of x's step
    while (static_cast<std::size_t>(to) < th.size() && !th[static_cast<std::size_t>(to)].step_start)
      ++to;
    for (std::int32_t k = s.anc[u]; k < to; ++k) {
      const event& ev = th[static_cast<std::size_t>(k)];
      if (ev.has_read()) s.todo.push_back(ev.rf);
      if (ev.kind == ev_kind::start && u > 0) s.todo.push_back(s.spawn[u]);
      if (ev.kind == ev_kind::join && !g.threads[ev.aux].empty())
        s.todo.push_back(event_ref{static_cast<std::int32_t>(ev.aux),
                                   static_cast<std::int32_t>(g.threads[ev.aux].size() - 1)});
      if (!ev.has_write()) continue;
      const std::size_t me = s.offset[u] + static_cast<std::size_t>(k);
      const std::size_t li = static_cast<std::size_t>(s.loc_index[me]);
      const location& l = g.locs[li];
      if (!sc_everywhere && !l.sync_object) continue;
      const std::size_t p = static_cast<std::size_t>(s.pos[me]);
      if (p == 0) continue;  // (every write is in co)
      std::size_t from_slot = n + li;
      if (p > 1) {
        s.todo.push_back(l.co[p - 2]);
        from_slot = id_of(s, l.co[p - 2]);
      }
      for (std::int32_t j = s.rd_start[from_slot]; j < s.rd_start[from_slot + 1]; ++j)
        s.todo.push_back(s.rd[static_cast<std::size_t>(j)]);
    }
    s.anc[u] = to;
  }
}

// Whether x is in the closure sc_ancestors computed.
bool in_ancestors(const scratch& s, event_ref x) {
  return !x.is_init() && x.idx < s.anc[static_cast<std::size_t>(x.tid)];
}

// The step of thread t that event index k belongs to: the index of its first event.
std::int32_t step_of(const exec_graph& g, std::size_t t, std::int32_t k) {
  while (k > 0 && !g.threads[t][static_cast<std::size_t>(k)].step_start) --k;
  return k;
}

std::int32_t& readers_of_write(scratch& s, event_ref r, event_ref w) {
  if (w.is_init()) return s.init_readers[static_cast<std::size_t>(s.loc_index[id_of(s, r)])];
  return s.readers[id_of(s, w)];
}

}  // namespace

bool linearize(const exec_graph& g, bool sc_everywhere, std::vector<event_ref>* order) {
  scratch& s = t_scratch;
  const std::size_t n = prepare(g, s, model::sc);
  const bool ok = linearize_into(g, s, n, sc_everywhere);
  if (order) *order = s.order;
  return ok;
}

bool consistent(const exec_graph& g, model m, const consistency_options& o,
                std::vector<event_ref>* replay_order) {
  // Atomicity: an RMW's write directly follows, in co, the write its read read.
  if (o.atomicity) {
    for (const auto& l : g.locs)
      for (std::size_t i = 0; i < l.co.size(); ++i) {
        const event& e = g.at(l.co[i]);
        if (!e.rmw_write) continue;
        const event_ref pred = i == 0 ? event_ref{} : l.co[i - 1];
        if (!(pred == g.at(event_ref{l.co[i].tid, l.co[i].idx - 1}).rf)) return false;
      }
  }
  scratch& s = t_scratch;
  const std::size_t n = prepare(g, s, m);
  if (!check_prepared(g, m, s, n)) return false;
  if (replay_order) {
    // The check's own order is linearize's when it had the same relation: co and fr for every
    // location under SC, for synchronization objects only under RC11 (not when all is seq_cst).
    if (m == model::rc11 && s.all_sc) {
      give_back_readers(g, s);
      linearize_into(g, s, n, false);
    }
    *replay_order = s.order;
  }
  return true;
}

void consistent_rfs(exec_graph& g, model m, event_ref r, const std::vector<event_ref>& ws,
                    std::vector<std::uint8_t>& ok) {
  scratch& s = t_scratch;
  const std::size_t n = prepare(g, s, m);
  event& e = g.at(r);
  const event_ref saved = e.rf;
  ok.assign(ws.size(), 0);
  const auto& th = g.threads[static_cast<std::size_t>(r.tid)];
  // check_last_read takes hb from one computation for all candidates, and r's clock from its
  // po-predecessor's: not for an atomic wait's registration, whose comparison (the event
  // before it) happens after what the registration reads (compute_hb), so that clock, and the
  // comparison's coherence pairs, change with the candidate. (Not reached today either way: the
  // registration is a seq_cst RMW of the waiter set, so any_sc already holds; the test here
  // keeps the path correct whatever order the waiter set is given.
  // graph_wait_registration_candidates_match_full_search cross-checks such candidates.)
  const bool last_read = m == model::rc11 && !s.all_sc && !s.any_sc && r.idx > 0 &&
                         static_cast<std::size_t>(r.idx) + 1 == th.size() &&
                         !g.at(event_ref{r.tid, r.idx - 1}).wait_compare;
  if ((m == model::sc || s.all_sc) && e.step_start && r.idx > 0 &&
      static_cast<std::size_t>(r.idx) + 1 == th.size()) {
    // SC, a read that is a step of its own and last in its thread: with rf(r) = w the new
    // edges are w -> r and, fr, r -> w+ (w's co-successor; the later ones follow through co).
    // The graph without r is consistent, so a cycle goes through r: w+ comes before r's
    // predecessors — is in the closure of the thread's earlier events — or w+ is in w's step
    // (r cannot go between them). One closure for all candidates.
    sc_ancestors(g, s, n, true, r);
    const location& l = g.locs[static_cast<std::size_t>(s.loc_index[id_of(s, r)])];
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const std::size_t p = ws[i].is_init() ? 0 : static_cast<std::size_t>(s.pos[id_of(s, ws[i])]);
      if (p >= l.co.size()) {  // the co-latest write: nothing to come after r
        ok[i] = 1;
        continue;
      }
      const event_ref next = l.co[p];
      const bool same_step = !ws[i].is_init() && next.tid == ws[i].tid &&
                             step_of(g, static_cast<std::size_t>(next.tid), next.idx) ==
                                 step_of(g, static_cast<std::size_t>(next.tid), ws[i].idx);
      ok[i] = !in_ancestors(s, next) && !same_step ? 1 : 0;
    }
    if (g_cross_check.load(std::memory_order_relaxed)) {
      for (std::size_t i = 0; i < ws.size(); ++i) {
        --readers_of_write(s, r, e.rf);
        e.rf = ws[i];
        ++readers_of_write(s, r, e.rf);
        cross_checked(check_prepared(g, m, s, n), ok[i] == 1, g, "rf", r, ws[i]);
        give_back_readers(g, s);
      }
      --readers_of_write(s, r, e.rf);
      e.rf = saved;
      ++readers_of_write(s, r, e.rf);
    }
    return;
  }
  last_read_state st;
  st.fixed_order =
      e.step_start && !g.locs[static_cast<std::size_t>(s.loc_index[id_of(s, r)])].sync_object;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    // Only the reader counts depend on what r reads.
    --readers_of_write(s, r, e.rf);
    e.rf = ws[i];
    ++readers_of_write(s, r, e.rf);
    const bool c = last_read ? check_last_read(g, s, n, r, st) : check_prepared(g, m, s, n);
    ok[i] = c ? 1 : 0;
    if (i + 1 < ws.size()) give_back_readers(g, s);
  }
  e.rf = saved;
}

bool replay_order_of_decided(const exec_graph& g, model m, const char* what, event_ref e,
                             std::vector<event_ref>* order) {
  if (!g_cross_check.load(std::memory_order_relaxed)) return linearize(g, m == model::sc, order);
  g_cross_checks.fetch_add(1, std::memory_order_relaxed);
  if (consistent(g, m, {}, order)) return true;
  std::fprintf(stderr,
               "lockstep: graph engine internal error: the %s of %d.%d, found consistent when "
               "pushed, is not when applied, on\n%s",
               what, e.tid, e.idx, g.describe().c_str());
  std::abort();
}

void set_cross_check(bool on) noexcept { g_cross_check.store(on, std::memory_order_relaxed); }
bool cross_check() noexcept { return g_cross_check.load(std::memory_order_relaxed); }
std::uint64_t cross_checks() noexcept { return g_cross_checks.load(std::memory_order_relaxed); }

void consistent_co_positions(exec_graph& g, model m, event_ref w, std::vector<std::uint8_t>& ok) {
  scratch& s = t_scratch;
  const std::size_t n = prepare(g, s, m);
  const event& e = g.at(w);
  const std::size_t li = static_cast<std::size_t>(s.loc_index[id_of(s, w)]);
  location& l = g.locs[li];
  const std::size_t last = l.co.size();  // w is co[last - 1]
  ok.assign(last, 0);
  // The full check of position p, for what the cases below do not decide.
  auto full = [&](std::size_t p) {
    std::vector<event_ref> co = l.co;
    co.pop_back();
    co.insert(co.begin() + static_cast<std::ptrdiff_t>(p - 1), w);
    std::swap(l.co, co);
    const bool c = consistent(g, m);
    std::swap(l.co, co);
    return c;
  };
  // Atomicity (RC11, PLDI'17 §3): w right before an RMW's write b separates b from the write
  // its read read (the one before it in co, and not w, which nothing has read yet).
  auto splits_rmw = [&](std::size_t p) { return g.at(l.co[p - 1]).rmw_write; };
  auto cross_check = [&] {
    if (!g_cross_check.load(std::memory_order_relaxed)) return;
    for (std::size_t p = 1; p < last; ++p)
      cross_checked(full(p), ok[p] == 1, g, "co position", w,
                    event_ref{-1, static_cast<std::int32_t>(p)});
  };
  const auto& th = g.threads[static_cast<std::size_t>(w.tid)];
  const bool own_step = e.step_start && static_cast<std::size_t>(w.idx) + 1 == th.size();
  if ((m == model::sc || s.all_sc) && own_step) {
    // SC: w before b = co[p - 1] adds a -> w -> b (a = co[p - 2] or the initial write) and
    // fr from a's reads to w, where w (co-last, a step of its own) had only its in-edges: the
    // graph with w last is consistent, so a cycle goes b ->* w's predecessors — b is in the
    // closure of w's thread's earlier events (sc_ancestors). b ->* a or ->* a read of a would
    // have been a cycle already (a -> b, fr), unless they share b's step: then the full check.
    sc_ancestors(g, s, n, true, w);
    for (std::size_t p = 1; p < last; ++p) {
      if (splits_rmw(p)) continue;
      const event_ref b = l.co[p - 1];
      const std::int32_t bstep = step_of(g, static_cast<std::size_t>(b.tid), b.idx);
      auto in_bstep = [&](event_ref x) {
        return !x.is_init() && x.tid == b.tid &&
               step_of(g, static_cast<std::size_t>(x.tid), x.idx) == bstep;
      };
      const event_ref a = p == 1 ? event_ref{} : l.co[p - 2];
      const std::size_t from_slot = a.is_init() ? n + li : id_of(s, a);
      bool shared = in_bstep(a);
      for (std::int32_t j = s.rd_start[from_slot]; j < s.rd_start[from_slot + 1] && !shared; ++j)
        shared = in_bstep(s.rd[static_cast<std::size_t>(j)]);
      ok[p] = shared ? 2 : (in_ancestors(s, b) ? 0 : 1);
    }
    // (After the loop: the full check numbers the graph anew.)
    for (std::size_t p = 1; p < last; ++p)
      if (ok[p] == 2) ok[p] = full(p) ? 1 : 0;
    cross_check();
    return;
  }
  if (m == model::rc11 && !s.all_sc && !l.sync_object && own_step) {
    // RC11 on a location whose co the replay order does not follow: neither that order nor hb
    // (po ∪ sw; sw through rf and release sequences, RC11 §3) depends on where w is in co. The
    // graph with w last is consistent, so what a position can break is coherence at w's
    // location and psc: the order and hb are computed once, then per position w's location's
    // co positions are renumbered and only those two checked.
    if (!linearize_into(g, s, n, false)) return;  // (consistent: there is an order)
    const std::size_t nt = g.threads.size();
    compute_hb(g, s, n);
    auto number = [&](std::size_t p) {  // co positions with w at p
      for (std::size_t i = 0, at = 1; i + 1 < last; ++i, ++at) {
        if (at == p) ++at;
        s.pos[id_of(s, l.co[i])] = static_cast<std::int32_t>(at);
      }
      s.pos[id_of(s, w)] = static_cast<std::int32_t>(p);
    };
    for (std::size_t p = 1; p < last; ++p) {
      if (splits_rmw(p)) continue;
      number(p);
      ok[p] =
          coherent(g, s, li, event_ref{-2, 0}) && (!s.any_sc || psc_acyclic(g, s, nt, s.accesses))
              ? 1
              : 0;
    }
    number(last);
    cross_check();
    return;
  }
  for (std::size_t p = 1; p < last; ++p) ok[p] = full(p) ? 1 : 0;
}

}  // namespace lockstep::rt::graph
