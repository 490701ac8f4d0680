#include "consistency.hpp"

#include <algorithm>
#include <cstdint>

namespace lockstep::rt::graph {

namespace {

// The working arrays of one check, kept between checks (the engine checks thousands of small
// graphs: allocation would dominate). One per OS thread.
struct scratch {
  std::vector<std::size_t> offset;         // per thread: id of its first event
  std::vector<std::int32_t> pos;           // per event: position in co (writes), -1 otherwise
  std::vector<std::int32_t> readers;       // per event (writes): reads of it not yet ordered
  std::vector<std::int32_t> init_readers;  // per location index
  std::vector<std::int32_t> loc_index;     // per event: index of its location, -1 if none
  std::vector<event_ref> spawn;            // per thread: the spawn that created it
  std::vector<std::int32_t> cursor;
  std::vector<event_ref> order;
  // hb
  std::vector<std::uint32_t> clk, cur, relf, acqp, rel;
  std::vector<std::uint8_t> has_rel, has_relf;
  // per location: its events
  std::vector<std::size_t> by_loc_start;
  std::vector<event_ref> by_loc;
};
thread_local scratch t_scratch;

std::size_t id_of(const scratch& s, event_ref e) noexcept {
  return s.offset[static_cast<std::size_t>(e.tid)] + static_cast<std::size_t>(e.idx);
}

// Numbers the events and fills co positions, reader counts and locations.
std::size_t prepare(const exec_graph& g, scratch& s) {
  const std::size_t nt = g.threads.size();
  s.offset.assign(nt + 1, 0);
  for (std::size_t t = 0; t < nt; ++t) s.offset[t + 1] = s.offset[t] + g.threads[t].size();
  const std::size_t n = s.offset[nt];
  s.pos.assign(n, -1);
  s.readers.assign(n, 0);
  s.init_readers.assign(g.locs.size(), 0);
  s.loc_index.assign(n, -1);
  s.spawn.assign(nt, event_ref{});
  for (std::size_t li = 0; li < g.locs.size(); ++li) {
    const auto& l = g.locs[li];
    for (std::size_t i = 0; i < l.co.size(); ++i)
      s.pos[id_of(s, l.co[i])] = static_cast<std::int32_t>(i + 1);
  }
  for (std::size_t t = 0; t < nt; ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& e = g.threads[t][k];
      if (e.kind == ev_kind::spawn && e.aux < nt)
        s.spawn[e.aux] = event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)};
      if (!e.has_read() && !e.has_write()) continue;
      std::int32_t li = -1;
      for (std::size_t j = 0; j < g.locs.size(); ++j)
        if (g.locs[j].key == e.loc) li = static_cast<std::int32_t>(j);
      s.loc_index[s.offset[t] + k] = li;
      if (e.has_read()) {
        if (e.rf.is_init())
          ++s.init_readers[static_cast<std::size_t>(li)];
        else
          ++s.readers[id_of(s, e.rf)];
      }
    }
  return n;
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

// A topological order of po ∪ rf ∪ thread edges (∪ co ∪ fr where they count) into s.order.
bool linearize_into(const exec_graph& g, scratch& s, std::size_t n, bool sc_everywhere) {
  const std::size_t nt = g.threads.size();
  s.cursor.assign(nt, 0);
  s.order.clear();
  std::size_t t = 0;
  // A thread's last step when the thread has not finished goes as late as it can: the
  // execution may go on inside that step with new events, which then see every write.
  auto last_open_step = [&](std::size_t u) {
    const auto& th = g.threads[u];
    if (th.back().kind == ev_kind::finish) return false;
    for (std::size_t i = static_cast<std::size_t>(s.cursor[u]) + 1; i < th.size(); ++i)
      if (th[i].step_start) return false;
    return true;
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

}  // namespace

bool linearize(const exec_graph& g, bool sc_everywhere, std::vector<event_ref>* order) {
  scratch& s = t_scratch;
  const std::size_t n = prepare(g, s);
  const bool ok = linearize_into(g, s, n, sc_everywhere);
  if (order) *order = s.order;
  return ok;
}

bool consistent(const exec_graph& g, model m, const consistency_options& o) {
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
  const std::size_t n = prepare(g, s);
  if (m == model::sc) return linearize_into(g, s, n, true);
  // Only seq_cst accesses (and no fences): RC11 is SC there (psc contains po, rf, co and fr).
  bool all_sc = true;
  for (const auto& th : g.threads)
    for (const event& e : th)
      if ((e.has_read() || e.has_write() || e.kind == ev_kind::fence) &&
          (e.kind == ev_kind::fence || !e.is_sc() ||
           (e.has_read() && e.mo_fail != std::memory_order_seq_cst)))
        all_sc = false;
  if (all_sc) return linearize_into(g, s, n, true);
  if (!linearize_into(g, s, n, false)) return false;
  const std::size_t nt = g.threads.size();
  compute_hb(g, s, n);
  auto pos_of_write = [&](event_ref w) -> std::int32_t {
    return w.is_init() ? 0 : s.pos[id_of(s, w)];
  };
  // Coherence, per location, over hb-ordered pairs (events bucketed by location).
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
  for (std::size_t li = 0; li < nl; ++li) {
    for (std::size_t ia = start[li]; ia < start[li + 1]; ++ia)
      for (std::size_t ib = start[li]; ib < start[li + 1]; ++ib) {
        const event_ref a = s.by_loc[ia], b = s.by_loc[ib];
        if (!hb(s, nt, a, b)) continue;
        const event& ea = g.at(a);
        const event& eb = g.at(b);
        if (ea.has_write() && eb.has_write() && !(pos_of_write(a) < pos_of_write(b))) return false;
        if (ea.has_write() && eb.has_read() &&
            !(eb.rf == a || pos_of_write(a) < pos_of_write(eb.rf)))
          return false;
        if (ea.has_read() && eb.has_write() && !(pos_of_write(ea.rf) < pos_of_write(b)))
          return false;
        if (ea.has_read() && eb.has_read() && !(pos_of_write(ea.rf) <= pos_of_write(eb.rf)))
          return false;
      }
  }
  // SC: acyclic(psc_base ∪ psc_F), only when there are seq_cst events.
  std::vector<event_ref> ref;
  bool any_sc = false;
  for (std::size_t t = 0; t < nt; ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& e = g.threads[t][k];
      if (e.has_read() || e.has_write() || e.kind == ev_kind::fence) {
        ref.push_back(event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)});
        any_sc = any_sc || e.is_sc();
      }
    }
  return !any_sc || psc_acyclic(g, s, nt, ref);
}

}  // namespace lockstep::rt::graph
