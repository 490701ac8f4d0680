#include "consistency.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>

namespace lockstep::rt::graph {

namespace {

bool acquires(std::memory_order mo) {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst || mo == std::memory_order_consume;
}
bool releases(std::memory_order mo) {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

// Dense numbering of the events of a graph.
struct numbering {
  std::vector<std::size_t> offset;  // per thread
  std::size_t n = 0;
  explicit numbering(const exec_graph& g) : offset(g.threads.size() + 1, 0) {
    for (std::size_t t = 0; t < g.threads.size(); ++t)
      offset[t + 1] = offset[t] + g.threads[t].size();
    n = offset.back();
  }
  std::size_t id(event_ref e) const noexcept {
    return offset[static_cast<std::size_t>(e.tid)] + static_cast<std::size_t>(e.idx);
  }
};

event_ref spawn_of(const exec_graph& g, int child) {
  for (std::size_t p = 0; p < g.threads.size(); ++p)
    for (std::size_t k = 0; k < g.threads[p].size(); ++k) {
      const event& e = g.threads[p][k];
      if (e.kind == ev_kind::spawn && e.aux == static_cast<std::uint32_t>(child))
        return event_ref{static_cast<std::int32_t>(p), static_cast<std::int32_t>(k)};
    }
  return event_ref{};
}

bool done(const std::vector<std::int32_t>& cursor, event_ref e) {
  return e.is_init() || cursor[static_cast<std::size_t>(e.tid)] > e.idx;
}

// Which writes precede a write in co, and which reads read each write (per location).
struct co_info {
  std::vector<std::int32_t> pos;                // per event: position in co (writes), -1 otherwise
  std::vector<std::vector<event_ref>> readers;  // per event (writes): reads reading it
  std::vector<std::vector<event_ref>> init_readers;  // per location index
};

co_info co_of(const exec_graph& g, const numbering& num) {
  co_info c;
  c.pos.assign(num.n, -1);
  c.readers.resize(num.n);
  c.init_readers.resize(g.locs.size());
  for (const auto& l : g.locs)
    for (std::size_t i = 0; i < l.co.size(); ++i)
      c.pos[num.id(l.co[i])] = static_cast<std::int32_t>(i + 1);
  for (std::size_t t = 0; t < g.threads.size(); ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& e = g.threads[t][k];
      if (!e.has_read()) continue;
      event_ref me{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)};
      if (e.rf.is_init()) {
        for (std::size_t li = 0; li < g.locs.size(); ++li)
          if (g.locs[li].key == e.loc) c.init_readers[li].push_back(me);
      } else {
        c.readers[num.id(e.rf)].push_back(me);
      }
    }
  return c;
}

}  // namespace

bool linearize(const exec_graph& g, bool sc_everywhere, std::vector<event_ref>* order) {
  const numbering num(g);
  const co_info co = co_of(g, num);
  const std::size_t nt = g.threads.size();
  std::vector<event_ref> spawn(nt);
  for (std::size_t t = 1; t < nt; ++t) spawn[t] = spawn_of(g, static_cast<int>(t));
  std::vector<std::int32_t> cursor(nt, 0);
  std::size_t emitted = 0;
  if (order) order->clear();
  // own: an event that counts as done (the read of an RMW whose write part is checked).
  std::function<bool(std::size_t, std::int32_t, event_ref)> ready_at =
      [&](std::size_t t, std::int32_t i, event_ref own) -> bool {
    const event& e = g.threads[t][static_cast<std::size_t>(i)];
    auto fin = [&](event_ref x) { return x == own || done(cursor, x); };
    if (e.has_read() && !fin(e.rf)) return false;
    if (e.kind == ev_kind::start && t > 0 && (spawn[t].is_init() || !fin(spawn[t]))) return false;
    if (e.kind == ev_kind::join) {
      const auto& child = g.threads[e.aux];
      if (child.empty() || cursor[e.aux] < static_cast<std::int32_t>(child.size())) return false;
    }
    if (e.has_write()) {
      const location* l = g.find_loc(e.loc);
      if (sc_everywhere || l->sync_object) {
        const event_ref me{static_cast<std::int32_t>(t), i};
        const std::size_t p = static_cast<std::size_t>(co.pos[num.id(me)]);
        // The co-predecessor, and every read of it (fr), come first.
        const std::vector<event_ref>* rd;
        if (p == 1) {
          rd = &co.init_readers[static_cast<std::size_t>(l - g.locs.data())];
        } else {
          event_ref pred = l->co[p - 2];
          if (!fin(pred)) return false;
          rd = &co.readers[num.id(pred)];
        }
        for (event_ref r : *rd)
          if (!(r == me) && !fin(r)) return false;
      }
    }
    // The read of an RMW goes together with its write part (one step of the program).
    if (e.has_read() && g.has_write_part(event_ref{static_cast<std::int32_t>(t), i}))
      return ready_at(t, i + 1, event_ref{static_cast<std::int32_t>(t), i});
    return true;
  };
  auto ready = [&](std::size_t t) { return ready_at(t, cursor[t], event_ref{-2, -2}); };
  bool progress = true;
  while (emitted < num.n && progress) {
    progress = false;
    for (std::size_t t = 0; t < nt; ++t) {
      while (cursor[t] < static_cast<std::int32_t>(g.threads[t].size()) && ready(t)) {
        const bool pair = g.threads[t][static_cast<std::size_t>(cursor[t])].has_read() &&
                          g.has_write_part(event_ref{static_cast<std::int32_t>(t), cursor[t]});
        for (int k = pair ? 2 : 1; k > 0; --k) {
          if (order) order->push_back(event_ref{static_cast<std::int32_t>(t), cursor[t]});
          ++cursor[t];
          ++emitted;
        }
        progress = true;
        // Keep the order close to "one thread at a time": retry from the first thread so
        // that a write's readers follow it soon (readable replays).
        break;
      }
      if (progress) break;
    }
  }
  return emitted == num.n;
}

namespace {

// hb as vector clocks: clk[id(e)*nt + u] = how many events of thread u happen before or are e.
struct hb_clocks {
  std::size_t nt = 0;
  std::vector<std::uint32_t> clk;
  bool hb(const numbering& num, event_ref a, event_ref b) const {
    if (a == b) return false;
    return clk[num.id(b) * nt + static_cast<std::size_t>(a.tid)] >
           static_cast<std::uint32_t>(a.idx);
  }
};

hb_clocks compute_hb(const exec_graph& g, const numbering& num,
                     const std::vector<event_ref>& order) {
  hb_clocks h;
  h.nt = g.threads.size();
  const std::size_t nt = h.nt;
  h.clk.assign(num.n * nt, 0);
  std::vector<std::uint32_t> cur(nt * nt, 0), relf(nt * nt, 0), acqp(nt * nt, 0);
  std::vector<bool> has_relf(nt, false);
  std::vector<std::vector<std::uint32_t>> rel(num.n);  // release clock per write (empty: none)
  std::vector<event_ref> spawn(nt);
  for (std::size_t t = 1; t < nt; ++t) spawn[t] = spawn_of(g, static_cast<int>(t));
  auto join_into = [nt](std::uint32_t* dst, const std::uint32_t* src) {
    for (std::size_t u = 0; u < nt; ++u) dst[u] = std::max(dst[u], src[u]);
  };
  for (event_ref r : order) {
    const std::size_t t = static_cast<std::size_t>(r.tid);
    const event& e = g.at(r);
    std::uint32_t* c = &cur[t * nt];
    c[t] = static_cast<std::uint32_t>(r.idx) + 1;
    if (e.kind == ev_kind::start && t > 0 && !spawn[t].is_init())
      join_into(c, &h.clk[num.id(spawn[t]) * nt]);
    if (e.kind == ev_kind::join) {
      const auto& child = g.threads[e.aux];
      join_into(c, &h.clk[num.id(event_ref{static_cast<std::int32_t>(e.aux),
                                           static_cast<std::int32_t>(child.size() - 1)}) *
                          nt]);
    }
    if (e.has_read() && !e.rf.is_init()) {
      const auto& rc = rel[num.id(e.rf)];
      const std::memory_order mo =
          e.rmw == rmw_kind::none || g.has_write_part(r) ? e.mo : e.mo_fail;
      if (!rc.empty()) join_into(acquires(mo) ? c : &acqp[t * nt], rc.data());
    }
    if (e.kind == ev_kind::fence) {
      if (acquires(e.mo)) join_into(c, &acqp[t * nt]);
      if (releases(e.mo)) {
        std::copy(c, c + nt, &relf[t * nt]);
        has_relf[t] = true;
      }
    }
    if (e.has_write()) {
      auto& rc = rel[num.id(r)];
      if (releases(e.mo)) {
        rc.assign(c, c + nt);
      } else if (has_relf[t]) {
        rc.assign(&relf[t * nt], &relf[t * nt] + nt);
      }
      const event_ref from = e.rmw_write ? g.at(event_ref{r.tid, r.idx - 1}).rf : event_ref{};
      if (e.rmw_write && !from.is_init()) {
        const auto& prev = rel[num.id(from)];
        if (!prev.empty()) {
          if (rc.empty()) rc.assign(nt, 0);
          join_into(rc.data(), prev.data());
        }
      }
    }
    std::copy(c, c + nt, &h.clk[num.id(r) * nt]);
  }
  return h;
}

// Dense bit matrix.
struct bitrel {
  std::size_t n = 0, w = 0;
  std::vector<std::uint64_t> bits;
  explicit bitrel(std::size_t nn) : n(nn), w((nn + 63) / 64), bits(nn * ((nn + 63) / 64), 0) {}
  void set(std::size_t a, std::size_t b) { bits[a * w + b / 64] |= 1ull << (b % 64); }
  bool get(std::size_t a, std::size_t b) const { return (bits[a * w + b / 64] >> (b % 64)) & 1u; }
  std::uint64_t* row(std::size_t a) { return &bits[a * w]; }
  const std::uint64_t* row(std::size_t a) const { return &bits[a * w]; }
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

}  // namespace

bool consistent(const exec_graph& g, model m, const consistency_options& o) {
  const numbering num(g);
  // Atomicity: an RMW's write directly follows, in co, the write it read.
  if (o.atomicity) {
    for (const auto& l : g.locs)
      for (std::size_t i = 0; i < l.co.size(); ++i) {
        const event& e = g.at(l.co[i]);
        if (!e.rmw_write) continue;
        const event_ref pred = i == 0 ? event_ref{} : l.co[i - 1];
        if (!(pred == g.at(event_ref{l.co[i].tid, l.co[i].idx - 1}).rf)) return false;
      }
  }
  std::vector<event_ref> order;
  if (m == model::sc) return linearize(g, true, &order);
  if (!linearize(g, false, &order)) return false;
  const hb_clocks h = compute_hb(g, num, order);
  const co_info co = co_of(g, num);
  auto pos_of_write = [&](event_ref w) -> std::int32_t {
    return w.is_init() ? 0 : co.pos[num.id(w)];
  };
  // Coherence, per location.
  std::vector<event_ref> on;
  for (const auto& l : g.locs) {
    on.clear();
    for (std::size_t t = 0; t < g.threads.size(); ++t)
      for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
        const event& e = g.threads[t][k];
        if ((e.has_read() || e.has_write()) && e.loc == l.key)
          on.push_back(event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)});
      }
    for (event_ref a : on)
      for (event_ref b : on) {
        if (!h.hb(num, a, b)) continue;
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
  std::vector<std::size_t> idx;  // accesses and fences
  std::vector<event_ref> ref;
  bool any_sc = false;
  for (std::size_t t = 0; t < g.threads.size(); ++t)
    for (std::size_t k = 0; k < g.threads[t].size(); ++k) {
      const event& e = g.threads[t][k];
      if (e.has_read() || e.has_write() || e.kind == ev_kind::fence) {
        ref.push_back(event_ref{static_cast<std::int32_t>(t), static_cast<std::int32_t>(k)});
        any_sc = any_sc || e.is_sc();
      }
    }
  if (!any_sc) return true;
  const std::size_t n = ref.size();
  bitrel hb(n), po(n), pod(n), hbloc(n), cofr(n), eco(n);
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
      if (h.hb(num, ra, rb)) {
        hb.set(a, b);
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
  bitrel scb = pod.then(hb).then(pod);
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
  for (std::size_t a = 0; a < n; ++a)
    if (is_fence(a) && g.at(ref[a]).is_sc())
      for (std::size_t b = 0; b < n; ++b) {
        if (hb.get(a, b)) pre.set(a, b);   // a' hb-after the fence a
        if (hb.get(b, a)) post.set(b, a);  // b' hb-before the fence a
      }
  const bitrel base = pre.then(scb).then(post);
  const bitrel hb_eco_hb = hb.then(eco).then(hb);
  const std::size_t m_sc = sc.size();
  std::vector<std::vector<std::size_t>> succ(m_sc);
  for (std::size_t i = 0; i < m_sc; ++i)
    for (std::size_t j = 0; j < m_sc; ++j) {
      const std::size_t a = sc[i], b = sc[j];
      bool edge = base.get(a, b);
      if (!edge && is_fence(a) && is_fence(b) && a != b) edge = hb.get(a, b) || hb_eco_hb.get(a, b);
      if (edge) succ[i].push_back(j);
    }
  // Cycle detection (iterative DFS with colours).
  std::vector<std::uint8_t> colour(m_sc, 0);
  std::vector<std::pair<std::size_t, std::size_t>> stack;
  for (std::size_t s = 0; s < m_sc; ++s) {
    if (colour[s]) continue;
    stack.push_back({s, 0});
    colour[s] = 1;
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

}  // namespace lockstep::rt::graph
