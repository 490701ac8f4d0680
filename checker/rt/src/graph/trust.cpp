#include "trust.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace lockstep::rt::graph {

namespace {

// An untimed wait's decision at its block: bits 1, it wakes spuriously next; 0, it sleeps.
bool is_wake_decision(const event& e) { return e.kind == ev_kind::choice && e.spurious_choice; }

bool is_await(const exec_graph& g, event_ref r) {
  const event& e = g.at(r);
  return e.has_read() && e.rmw == rmw_kind::await;
}

view join_views(view a, const view& b) {
  if (a.size() < b.size()) a.resize(b.size(), 0);
  for (std::size_t i = 0; i < b.size(); ++i) a[i] = std::max(a[i], b[i]);
  return a;
}

const bool g_debug = std::getenv("LOCKSTEP_DEBUG_GRAPH") != nullptr;

}  // namespace

trust_engine::trust_engine(model m, int stale_spins, bool prune_loops, int spurious_wakeups)
    : model_(m),
      stale_spins_(stale_spins),
      prune_loops_(prune_loops),
      spurious_budget_(spurious_wakeups) {
  states_.push_back(state{});
  begin_execution();
}

// ------------------------------------------------------------------ per execution

void trust_engine::begin_execution(bool ordered) {
  exec_graph& G = g();
  ++serial_;
  pos_.assign(static_cast<std::size_t>(G.nthreads()), 0);  // (grown by pick_step)
  // The graph is consistent (checked when it was made), so a replay order exists.
  if (!ordered && !linearize(G, model_ == model::sc, &order_)) {
    std::fprintf(stderr, "lockstep: graph engine internal error: no replay order for\n%s",
                 G.describe().c_str());
    std::abort();
  }
  order_pos_ = 0;
  sched_.clear();
  cycles_.clear();
  moot_ = false;
  showing_livelock_ = false;
  blocked_ = false;
  held_.assign(pos_.size(), hold::none);
  unprunable_.assign(pos_.size(), false);
  marks_.assign(pos_.size(), loop_mark{});
  cut_.assign(pos_.size(), false);
  for (int t = 0; t < G.nthreads(); ++t) {
    const auto& th = G.threads[static_cast<std::size_t>(t)];
    if (th.empty()) continue;
    event_ref last{t, static_cast<std::int32_t>(th.size() - 1)};
    const event& e = th.back();
    if (is_await(G, last) && !exec_graph::writes_after(e, G.value_of(e.rf, e.loc)))
      held_[static_cast<std::size_t>(t)] = hold::lock;
  }
  const event_ref la = G.last_added();
  turn_ = la.is_init() ? 0 : la.tid;
  writes_.reset();
  if (g_debug) {
    std::fprintf(stderr, "--- execution on\n%sorder:", G.describe().c_str());
    for (event_ref e : order_) std::fprintf(stderr, " %d.%d", e.tid, e.idx);
    std::fprintf(stderr, "\nheld:");
    for (std::size_t t = 0; t < held_.size(); ++t)
      if (held_[t] != hold::none) std::fprintf(stderr, " %zu", t);
    std::fprintf(stderr, "\n");
  }
}

bool trust_engine::replaying(int tid) const {
  const exec_graph& G = states_.back().g;
  return tid < G.nthreads() &&
         pos_[static_cast<std::size_t>(tid)] <
             static_cast<std::int32_t>(G.threads[static_cast<std::size_t>(tid)].size());
}

bool trust_engine::excuses_step_bound(const execution&) const noexcept {
  // A held lock whose mutex has changed since the state it read (it was unlocked, at least):
  // that thread would have gone on; the revisit of that unlock explores it doing so.
  const exec_graph& G = states_.back().g;
  for (int t = 0; t < G.nthreads(); ++t) {
    if (held_[static_cast<std::size_t>(t)] != hold::lock) continue;
    const event& r = G.threads[static_cast<std::size_t>(t)].back();
    if (!(r.rf == G.co_max(*G.find_loc(r.loc)))) return true;
  }
  return false;
}

bool trust_engine::replay_pending() const {
  const exec_graph& G = states_.back().g;
  for (int t = 0; t < G.nthreads(); ++t) {
    const auto len = static_cast<std::int32_t>(G.threads[static_cast<std::size_t>(t)].size());
    const std::int32_t left = len - pos_[static_cast<std::size_t>(t)];
    // (A held lock, or a decision to sleep, is no event still to happen.)
    if (left > 1 || (left == 1 && held_[static_cast<std::size_t>(t)] != hold::lock &&
                     !(is_wake_decision(G.threads[static_cast<std::size_t>(t)].back()) &&
                       G.threads[static_cast<std::size_t>(t)].back().bits == 0)))
      return true;
  }
  return false;
}

bool trust_engine::held_back(int tid) const noexcept {
  return static_cast<std::size_t>(tid) < held_.size() &&
         held_[static_cast<std::size_t>(tid)] != hold::none;
}

// Whether thread tid's reads from event index `from` on all read the co-latest write.
bool trust_engine::reads_latest(int tid, std::int32_t from) const {
  const exec_graph& G = states_.back().g;
  const auto& th = G.threads[static_cast<std::size_t>(tid)];
  for (std::size_t i = static_cast<std::size_t>(from); i < th.size(); ++i) {
    const event& e = th[i];
    if (e.has_read() && !(e.rf == G.co_max(*G.find_loc(e.loc)))) return false;
  }
  return true;
}

trust_engine::hold trust_engine::prune(int tid, const point_desc& d) const {
  if (!prune_loops_ || unprunable_[static_cast<std::size_t>(tid)]) return hold::none;
  if (cut_[static_cast<std::size_t>(tid)]) return hold::spin;  // a retry loop's (loop_head)
  const exec_graph& G = states_.back().g;
  if (tid >= G.nthreads()) return hold::none;
  const auto& th = G.threads[static_cast<std::size_t>(tid)];
  // The iteration: the events since the last yield (or since the CAS being retried), all of
  // them reads that wrote nothing.
  auto read_only = [](const event& e) {
    return e.kind == ev_kind::read &&
           (e.rmw == rmw_kind::none || e.rmw == rmw_kind::cas || e.rmw == rmw_kind::attempt);
  };
  if (d.kind == op::yield) {
    // spin_pause marks a spin loop: its first read-only iteration (since the last write or
    // yield) can be cut. A plain yield needs a yield before the iteration (two rounds).
    std::int32_t i = static_cast<std::int32_t>(th.size());
    while (i > 0 && th[static_cast<std::size_t>(i - 1)].kind != ev_kind::yield) {
      const event& e = th[static_cast<std::size_t>(i - 1)];
      if (!read_only(e) || G.has_write_part(event_ref{tid, i - 1})) {
        if (!d.spin) return hold::none;
        break;
      }
      --i;
    }
    if (i == static_cast<std::int32_t>(th.size()) || (i == 0 && !d.spin)) return hold::none;
    // Whatever it read: a read of a newer write is another graph, explored on its own.
    return hold::spin;
  }
  if (d.kind == op::atomic_cas) {
    for (std::int32_t i = static_cast<std::int32_t>(th.size()) - 1; i >= 0; --i) {
      const event& e = th[static_cast<std::size_t>(i)];
      if (!read_only(e) || G.has_write_part(event_ref{tid, i})) return hold::none;
      if (e.rmw == rmw_kind::cas && e.line == d.loc.line && e.file == d.loc.file) {
        // The same CAS again after it failed. With a new expected value it is a retry (it will
        // succeed unless the location changes again: cut) — if the failed iteration is
        // another graph's first one: its expected value came from a read of the location that
        // could have read what the failed CAS read instead. With the same expected value it
        // waits for the location to change back (a spin), cut only if it saw the latest writes.
        if (e.expected == d.expected) return hold::spin;
        return retry_redundant(event_ref{tid, i}) ? hold::retry : hold::none;
      }
    }
  }
  return hold::none;
}

// GenMC's dynamic spin-assume check at a loop head: the iteration since the last visit of the
// same head had no side effect (only reads — failed CASes included — yields and fences), so
// the thread, which starts every iteration afresh (loop_head's contract), is back where it was;
// had it read newer writes, that is another graph, explored on its own. It is held back at
// its next step, like a spin.
void trust_engine::loop_head(execution& x, source_loc at) noexcept {
  const auto t = static_cast<std::size_t>(x.current_id());
  if (t >= pos_.size()) return;
  loop_mark& m = marks_[t];
  const std::int32_t now = pos_[t];
  if (prune_loops_ && !unprunable_[t] && m.at >= 0 && now > m.at && m.line == at.line &&
      m.file == at.file && !replaying(static_cast<int>(t))) {
    const auto& th = g().threads[t];
    bool effect = false;
    for (std::int32_t i = m.at; i < now && !effect; ++i) {
      const ev_kind k = th[static_cast<std::size_t>(i)].kind;
      effect = k != ev_kind::read && k != ev_kind::yield && k != ev_kind::fence;
    }
    if (!effect) cut_[t] = true;
  }
  m = loop_mark{at.file, at.line, now};
}

// Whether the failed CAS `cas` repeats an iteration another graph explores as its first: the
// thread's latest earlier access of the location is a read with no write part (a load, a failed
// CAS) that read the expected value and could have read the failed CAS's write instead (not the
// thread's own, not porf-after that read). Expected values that came from elsewhere — an RMW's
// result (`r = fetch_add(); cas(r, ...)`), a constant, another location — do not: then the
// retry is the only way to its success (tests/rwlocks: BrokenFutexPhaseFairRwLock's reader).
bool trust_engine::retry_redundant(event_ref cas) const {
  const exec_graph& G = states_.back().g;
  const event& e = G.at(cas);
  if (e.rf.is_init() || e.rf.tid == cas.tid) return false;
  const auto& th = G.threads[static_cast<std::size_t>(cas.tid)];
  for (std::int32_t j = cas.idx - 1; j >= 0; --j) {
    const event& src = th[static_cast<std::size_t>(j)];
    if ((!src.has_read() && !src.has_write()) || src.loc != e.loc) continue;
    if (!src.has_read() || G.has_write_part(event_ref{cas.tid, j})) return false;
    if (G.value_of(src.rf, src.loc) != e.expected) return false;
    G.prefix_of(e.rf, prefix_);
    return !exec_graph::contains(prefix_, event_ref{cas.tid, j});
  }
  return false;
}

int trust_engine::pick_step(const step_candidate* c, int n, const access*) {
  const int k = pick_next(c, n);
  if (strict_steps_ && k >= 0) note_round(c, n, k);
  return k;
}

void trust_engine::note_round(const step_candidate* c, int n, int pick) {
  const execution& x = *execution::active();
  sched_point p{x.choices().size(), c[pick].tid, false, {}};
  for (int k = 0; k < n; ++k) {
    if (c[k].how != wake::normal) continue;
    const point_desc& d = x.thread(c[k].tid).pending;
    p.could.push_back(runnable{c[k].tid, d.kind, d.loc.line, d.loc.file});
    if (k == pick) p.yields = d.kind == op::yield;
  }
  sched_.push_back(std::move(p));
  const sched_point& end = sched_.back();
  if (end.could.size() < 2 || cycles_.size() >= 4 || sched_.size() < 2 ||
      !sched_[sched_.size() - 2].yields)
    return;
  // A round of some thread ends here. Where could the round of all of them have begun: the
  // latest earlier point with the same threads at the same operations, every one of which
  // yielded since.
  for (std::size_t j = sched_.size() - 1; j-- > 0;) {
    const sched_point& begin = sched_[j];
    if (begin.pos == end.pos || !(begin.could == end.could)) continue;
    bool fair = true;
    for (const runnable& r : end.could) {
      bool yielded = false;
      for (std::size_t i = j; i + 1 < sched_.size() && !yielded; ++i)
        yielded = sched_[i].tid == r.tid && sched_[i].yields;
      fair = fair && yielded;
    }
    if (!fair) continue;
    // The execution's choices up to here, then the round's until the step bound.
    const auto& ch = x.choices();
    std::vector<std::uint16_t> tok(ch.begin(), ch.begin() + static_cast<std::ptrdiff_t>(end.pos));
    const std::size_t steps = sched_.size() - 1 - j;
    for (std::uint64_t r = 0; r <= strict_steps_ / steps; ++r)
      tok.insert(tok.end(), ch.begin() + static_cast<std::ptrdiff_t>(begin.pos),
                 ch.begin() + static_cast<std::ptrdiff_t>(end.pos));
    cycles_.push_back(std::move(tok));
    return;
  }
}

void trust_engine::track_threads(const execution& x) {
  // Threads the graph does not have yet start with nothing consumed and nothing held.
  if (const auto nt = static_cast<std::size_t>(x.thread_count()); nt > pos_.size()) {
    pos_.resize(nt, 0);
    held_.resize(nt, hold::none);
    unprunable_.resize(nt, false);
    marks_.resize(nt);
    cut_.resize(nt, false);
  }
}

int trust_engine::pick_next(const step_candidate* c, int n) {
  track_threads(*execution::active());
  // A springboard graph (an RMW shares its write with another): its revisits are computed;
  // the rest of it is no execution of the program.
  if (moot_) return -1;
  // Replay: the next event of the replay order.
  while (order_pos_ < order_.size()) {
    if (spurious_budget_ > 0) {  // a wait that blocks where the graph has no decision yet
      const int k = decide_wakes(c, n);
      if (k >= 0 || moot_) return moot_ ? -1 : k;
    }
    const event_ref e = order_[order_pos_];
    const bool held_read =
        held_[static_cast<std::size_t>(e.tid)] == hold::lock &&
        e.idx + 1 == static_cast<std::int32_t>(g().threads[static_cast<std::size_t>(e.tid)].size());
    if (pos_[static_cast<std::size_t>(e.tid)] > e.idx || held_read) {
      ++order_pos_;  // consumed in an earlier step (choices, finish), or the held lock
      continue;
    }
    if (is_wake_decision(g().at(e))) {  // taken where its step ends (decide_wakes)
      ++pos_[static_cast<std::size_t>(e.tid)];
      ++order_pos_;
      continue;
    }
    // Normally the thread's own step; a spurious wake-up through its spurious candidate, if
    // another thread could run there.
    int spurious = -1;
    for (int k = 0; k < n; ++k) {
      if (c[k].tid != e.tid) continue;
      if (c[k].how == wake::normal) return k;
      if (c[k].how == wake::spurious) spurious = k;
    }
    if (spurious >= 0) {
      note_runnable(c, n);
      if (spurious_wake_possible(e, runnable_)) return spurious;
      moot_ = true;
      return -1;
    }
    error = "nondeterministic test: replaying an execution graph, thread " + std::to_string(e.tid) +
            " could not take its next step (does the test depend on real time, addresses, or "
            "global state?)";
    return 0;
  }
  // Extension: next_P. Loop iterations that are pruned hold their thread back first.
  execution& x = *execution::active();
  for (int k = 0; k < n; ++k) {
    const int t = c[k].tid;
    if (held_[static_cast<std::size_t>(t)] == hold::none)
      held_[static_cast<std::size_t>(t)] = prune(t, x.thread(t).pending);
  }
  if (spurious_budget_ > 0) {
    const int k = decide_wakes(c, n);
    if (k >= 0 || moot_) return moot_ ? -1 : k;
  }
  auto usable = [&](int k) { return c[k].how == wake::normal && !held_back(c[k].tid); };
  const exec_graph& G = g();
  // A held thread counts only if the runtime lets it go on (a held lock whose mutex is free
  // again, a spin): one whose operation cannot happen in this execution either (a lock whose
  // holder sleeps for good, or is itself stuck) is as stuck as a thread that is not held.
  bool any = false, held_any = false;
  for (int k = 0; k < n; ++k)
    if (c[k].how == wake::normal) (held_back(c[k].tid) ? held_any : any) = true;
  // Nothing can go on (locks blocked in the runtime get their reads first), or only by
  // spurious wake-ups: a program that needs one to progress is deadlocked (they are not
  // guaranteed to happen).
  if (!any) stuck(x);
  if (!any && !held_any) return -2;
  if (!any) {
    // Only held-back threads could go on. A spin that read the latest writes while nothing
    // else can run will never end: let it go (it runs into the step bound, a livelock with a
    // token). Otherwise the held threads' completions are explored by the revisits of the
    // writes that free them: this execution is blocked.
    // Every held thread that could go on must be a spin whose last iteration read the latest
    // writes.
    bool hopeless = true;
    int spinner = -1;
    for (int k = 0; k < n && hopeless; ++k) {
      if (c[k].how != wake::normal) continue;
      const int t = c[k].tid;
      if (held_[static_cast<std::size_t>(t)] != hold::spin) {
        hopeless = false;
        break;
      }
      const auto& th = G.threads[static_cast<std::size_t>(t)];
      std::int32_t i = static_cast<std::int32_t>(th.size());
      while (i > 0 && th[static_cast<std::size_t>(i - 1)].kind == ev_kind::read) --i;
      hopeless = reads_latest(t, i);
      if (spinner < 0) spinner = k;
    }
    if (!hopeless || spinner < 0) {
      blocked_ = true;
      return -1;
    }
    // Let every spin go; nothing more is learnt from this execution but its livelock.
    for (int t = 0; t < x.thread_count(); ++t)
      if (held_[static_cast<std::size_t>(t)] == hold::spin) {
        held_[static_cast<std::size_t>(t)] = hold::none;
        unprunable_[static_cast<std::size_t>(t)] = true;
      }
    showing_livelock_ = true;
    turn_ = c[spinner].tid;
    return spinner;
  }
  const bool yielded = turn_ >= 0 && turn_ < G.nthreads() &&
                       !G.threads[static_cast<std::size_t>(turn_)].empty() &&
                       G.threads[static_cast<std::size_t>(turn_)].back().kind == ev_kind::yield;
  if (!yielded)
    for (int k = 0; k < n; ++k)
      if (usable(k) && c[k].tid == turn_) return k;
  int best = -1;
  // Cyclic distance after turn_, modulo anything above every thread id (the order is the same).
  int m = turn_ + 1;
  for (int k = 0; k < n; ++k) m = std::max(m, c[k].tid + 1);
  auto dist = [&](int tid) { return ((tid - turn_ - 1) % m + m) % m; };
  for (int k = 0; k < n; ++k) {
    if (!usable(k)) continue;
    if (best < 0 || dist(c[k].tid) < dist(c[best].tid)) best = k;
  }
  turn_ = c[best].tid;
  if (g_debug) {
    std::fprintf(stderr, "next_P: yielded=%d cands", int(yielded));
    for (int k = 0; k < n; ++k) std::fprintf(stderr, " %d%s", c[k].tid, usable(k) ? "" : "(x)");
    std::fprintf(stderr, " -> %d\n", turn_);
  }
  return best;
}

// Whether a read of location k that is still to be replayed (not `but`) reads w.
bool trust_engine::read_to_replay(loc_key k, event_ref w, event_ref but) const {
  const exec_graph& G = states_.back().g;
  for (int t = 0; t < G.nthreads(); ++t) {
    const auto& th = G.threads[static_cast<std::size_t>(t)];
    for (auto i = static_cast<std::size_t>(pos_[static_cast<std::size_t>(t)]); i < th.size(); ++i)
      if (th[i].has_read() && th[i].loc == k && th[i].rf == w &&
          !(event_ref{t, static_cast<std::int32_t>(i)} == but))
        return true;
  }
  return false;
}

bool trust_engine::others_can_run(const step_candidate* c, int n, int tid) {
  for (int k = 0; k < n; ++k)
    if (c[k].how == wake::normal && c[k].tid != tid) return true;
  return false;
}

// Whether the spurious wake-up `wake` can happen where the graph has it: another thread could
// run there. Before it come, in every interleaving of the graph, its thread's earlier events,
// the write it reads and that write's other reads (fr), with their porf-prefixes; another
// thread could run if its first event beyond them could happen then (not a lock or wake-up
// that the object's state there does not let go on, nor a join of a thread not finished, nor a
// thread not started) or,
// with no event beyond them, if the runtime lets it go on (`could_run`, at the wake-up's point).
// Spurious wake-ups are not guaranteed: where nothing else could run, no execution has one.
bool trust_engine::spurious_wake_possible(event_ref wake,
                                          const std::vector<bool>& could_run) const {
  const exec_graph& G = states_.back().g;
  const event& w = G.at(wake);
  view before, more;
  G.prefix_of(event_ref{wake.tid, wake.idx - 1}, before);
  if (!w.rf.is_init()) {
    G.prefix_of(w.rf, more);
    before = join_views(std::move(before), more);
  }
  for (int t = 0; t < G.nthreads(); ++t)
    for (std::size_t k = 0; k < G.threads[static_cast<std::size_t>(t)].size(); ++k) {
      const event& r = G.threads[static_cast<std::size_t>(t)][k];
      const event_ref me{t, static_cast<std::int32_t>(k)};
      if (!(me == wake) && r.has_read() && r.loc == w.loc && r.rf == w.rf) {
        G.prefix_of(me, more);
        before = join_views(std::move(before), more);
      }
    }
  for (int t = 0; t < G.nthreads(); ++t) {
    if (t == wake.tid) continue;
    const auto& th = G.threads[static_cast<std::size_t>(t)];
    const auto len = static_cast<std::int32_t>(th.size());
    const std::int32_t f = static_cast<std::size_t>(t) < before.size()
                               ? std::min(before[static_cast<std::size_t>(t)], len)
                               : 0;
    if (f == len) {
      if (static_cast<std::size_t>(t) < could_run.size() && could_run[static_cast<std::size_t>(t)])
        return true;
      continue;
    }
    const event& e = th[static_cast<std::size_t>(f)];
    if (e.kind == ev_kind::start && !exec_graph::contains(before, G.spawn_of(t))) continue;
    if (e.kind == ev_kind::join) {
      const auto& child = G.threads[e.aux];
      if (child.empty() ||
          !exec_graph::contains(before, event_ref{static_cast<std::int32_t>(e.aux),
                                                  static_cast<std::int32_t>(child.size()) - 1}))
        continue;
    }
    if (e.has_read() && e.rmw == rmw_kind::await) {
      // The object's state there: its latest write among the events before.
      const location& l = *G.find_loc(e.loc);
      event_ref now{};
      for (event_ref x : l.co)
        if (exec_graph::contains(before, x)) now = x;
      if (!e.guard(G.value_of(now, e.loc), e.expected)) continue;
    }
    return true;
  }
  for (std::size_t t = static_cast<std::size_t>(G.nthreads()); t < could_run.size(); ++t)
    if (could_run[t]) return true;
  return false;
}

void trust_engine::note_runnable(const step_candidate* c, int n) {
  runnable_.assign(pos_.size(), false);
  for (int k = 0; k < n; ++k)
    if (c[k].how == wake::normal) runnable_[static_cast<std::size_t>(c[k].tid)] = true;
}

// A thread that has just blocked in an untimed wait nobody has notified (in the extension, or
// in the replay where the graph ends its thread at the block) decides whether it sleeps (the
// decision event, value 0, the last event of the step that blocked: a notify wakes it, or
// nothing does) or wakes spuriously right there (value 1, an alternative like a choice's; its
// wake-up event then reads the waiter set's state at that point — an RMW that another one
// shares is a springboard, as always — and later writes of the set revisit it). Offered once
// per block, only if another thread could run (spurious wake-ups are not guaranteed: a
// program that needs one is deadlocked) and within the execution's budget. Returns the
// candidate of a thread whose decision (applied) is to wake now, else -1.
int trust_engine::decide_wakes(const step_candidate* c, int n) {
  exec_graph& G = g();
  for (int k = 0; k < n; ++k) {
    if (c[k].how != wake::spurious || c[k].tid >= G.nthreads()) continue;
    const int t = c[k].tid;
    const auto& th = G.threads[static_cast<std::size_t>(t)];
    // (A thread still replaying has its decision, if any, ahead.)
    if (th.empty() || replaying(t)) continue;
    if (is_wake_decision(th.back())) {
      if (th.back().bits == 0) continue;  // asleep
      note_runnable(c, n);                // rmw() judges the wake-up once it is added
      return k;
    }
    if (moot_ || showing_livelock_ || G.spurious_wakeups(event_ref{}) >= spurious_budget_) continue;
    // Another thread that could run: one the runtime lets go on, or one with events of the
    // graph that need not come before the block (they could come after the wake-up).
    bool other = others_can_run(c, n, t);
    if (!other) {
      G.prefix_of(event_ref{t, static_cast<std::int32_t>(th.size()) - 1}, prefix_);
      const view& before = prefix_;
      for (int u = 0; u < G.nthreads() && !other; ++u)
        other = u != t && static_cast<std::int32_t>(G.threads[static_cast<std::size_t>(u)].size()) >
                              (static_cast<std::size_t>(u) < before.size()
                                   ? before[static_cast<std::size_t>(u)]
                                   : 0);
    }
    if (!other) continue;
    event d;
    d.kind = ev_kind::choice;
    d.spurious_choice = true;
    d.aux = 2;
    d.bits = 0;
    const point_desc& p = execution::active()->thread(t).pending;
    d.file = p.loc.file;
    d.line = p.loc.line;
    const bool step = new_step_;
    const int turn = turn_;
    new_step_ = false;  // the end of the step that blocks: replayed with it, where it blocked
    const event_ref r = add(t, d);
    new_step_ = step;
    turn_ = turn;
    push(item{item_kind::choice, G.at(r).stamp, r, {}, 1, {}});
  }
  return -1;
}

void trust_engine::mismatch(execution& x, const char* what) {
  x.fail(failure_kind::misuse,
         std::string("nondeterministic test: replaying an execution graph, ") + what +
             " (does the test depend on real time, addresses, or global state?)",
         x.current().pending.loc);
}

event_ref trust_engine::add(int tid, event e) {
  exec_graph& G = g();
  e.step_start = new_step_;
  new_step_ = false;
  e.values_of = serial_;
  const event_ref r = G.append(tid, e);
  pos_[static_cast<std::size_t>(tid)] = r.idx + 1;
  turn_ = tid;
  return r;
}

// The event the thread's step is at: replayed from the graph, or (checked by the caller with
// replaying()) to be added.
event& trust_engine::next_event(execution& x, int tid, ev_kind k, const char* what) {
  event& e = g().threads[static_cast<std::size_t>(tid)]
                        [static_cast<std::size_t>(pos_[static_cast<std::size_t>(tid)])];
  if (e.kind != k) mismatch(x, what);
  ++pos_[static_cast<std::size_t>(tid)];
  new_step_ = false;  // the step's first event was replayed
  return e;
}

void trust_engine::begin_step(execution& x, int tid, const point_desc& d, wake how) {
  if (const char* what = unsupported_op(d, how)) {
    x.fail_unsupported(what);
    return;
  }
  new_step_ = true;
  ev_kind k;
  std::uint32_t aux = 0;
  switch (d.kind) {
    case op::thread_start:
      k = ev_kind::start;
      break;
    case op::thread_spawn:
      k = ev_kind::spawn;
      aux = static_cast<std::uint32_t>(x.thread_count());
      break;
    case op::thread_join:
      k = ev_kind::join;
      for (int t = 0; t < x.thread_count(); ++t)
        if (d.blocker == static_cast<const waitable*>(&x.thread(t)))
          aux = static_cast<std::uint32_t>(t);
      break;
    case op::yield:
      k = ev_kind::yield;
      break;
    default:
      return;  // the operation's own hook makes its event
  }
  if (replaying(tid)) {
    const event& e = g().threads[static_cast<std::size_t>(tid)]
                                [static_cast<std::size_t>(pos_[static_cast<std::size_t>(tid)])];
    if (e.kind != k || e.aux != aux) {
      x.fail_unsupported_mismatch();
      return;
    }
    ++pos_[static_cast<std::size_t>(tid)];
    new_step_ = false;  // the step's first event was replayed
    return;
  }
  event e;
  e.kind = k;
  e.aux = aux;
  e.file = d.loc.file;
  e.line = d.loc.line;
  add(tid, e);
}

void trust_engine::end_step(execution& x, int tid, bool finished) {
  if (!finished) return;
  if (replaying(tid)) {
    // Scheduler context: report, do not jump.
    if (g().threads[static_cast<std::size_t>(tid)]
                   [static_cast<std::size_t>(pos_[static_cast<std::size_t>(tid)])]
                       .kind != ev_kind::finish)
      x.fail_unsupported_mismatch();
    ++pos_[static_cast<std::size_t>(tid)];
    new_step_ = false;  // the step's first event was replayed
    return;
  }
  event e;
  e.kind = ev_kind::finish;
  add(tid, e);
}

// ------------------------------------------------------------------ reads

bool trust_engine::allowed_after_yield(event_ref r, event_ref w) const {
  const exec_graph& G = states_.back().g;
  const auto& th = G.threads[static_cast<std::size_t>(r.tid)];
  const loc_key k = G.at(r).loc;
  std::uint32_t yield_stamp = 0;
  for (std::int32_t i = r.idx - 1; i >= 0; --i)
    if (th[static_cast<std::size_t>(i)].kind == ev_kind::yield) {
      yield_stamp = th[static_cast<std::size_t>(i)].stamp;
      break;
    }
  if (yield_stamp == 0) return true;
  // Stale reads after yields, per location: at most stale_spins of them.
  int stale = 0;
  bool yielded = false;
  for (std::int32_t i = 0; i < r.idx; ++i) {
    const event& e = th[static_cast<std::size_t>(i)];
    yielded = yielded || e.kind == ev_kind::yield;
    if (yielded && e.has_read() && e.loc == k && !e.added_max) ++stale;
  }
  if (stale >= stale_spins_) return false;
  // Strict liveness: the adversary may keep a thread reading what another overwrote since its
  // yield (lock step), within stale_spins; the repeated rounds then reach the step bound.
  if (strict_steps_) return true;
  const location& l = *G.find_loc(k);
  for (std::size_t i = G.co_index(l, w); i < l.co.size(); ++i) {
    const event_ref later = l.co[i];
    if (later.tid != r.tid && G.at(later).stamp > yield_stamp) return false;
  }
  return true;
}

std::vector<trust_engine::rf_choice> trust_engine::rf_candidates(event_ref r) {
  exec_graph& G = g();
  const event& e = G.at(r);
  const location& l = *G.find_loc(e.loc);
  view& before = prefix_;
  G.prefix_of(r, before);
  // The writes it may read in co order: write_at(0) is the initial write, write_at(i) = co[i - 1].
  auto write_at = [&](std::size_t i) { return i == 0 ? event_ref{} : l.co[i - 1]; };
  const std::size_t count = l.co.size() + 1;
  // Under SC a read cannot read a write that a write in its porf-prefix follows in co (the
  // fr edge to that write would close a cycle with porf): those are not even checked.
  std::size_t first = 0;
  if (model_ == model::sc)
    for (std::size_t i = count; i-- > 1;)
      if (!(write_at(i) == r) && exec_graph::contains(before, write_at(i))) {
        first = i;
        break;
      }
  // First the filters (which do not depend on what r reads), then the consistency of the
  // writes that pass one, checked together (consistent_rfs numbers the graph once), then the
  // candidates in co order. A weak CAS's spurious failure is consistent exactly when the
  // plain read of the same write is (the axioms do not look at the flag).
  auto executed = [&](event_ref w) {
    for (const auto& x : writes_.of(e.loc, 0).writes)
      if (x.ref == w) return true;
    return false;
  };
  const bool pending = replay_pending();
  // Whether the read (not a spurious failure) may read w, of value v (the co-latest: latest).
  auto may_read_plain = [&](event_ref w, std::uint64_t v, bool latest) {
    // An await waits rather than read that; a spurious wake-up reads only states without its
    // notify (its budget was kept when its thread's decision to wake was made).
    if (!exec_graph::may_read(e, v, false)) return false;
    if (!latest && !allowed_after_yield(r, w)) return false;
    if (exec_graph::writes_after(e, v)) {
      // A write another RMW has read for good (it can no longer be revisited, or it comes
      // before this read): this RMW cannot read it too.
      for (int t = 0; t < G.nthreads(); ++t)
        for (std::size_t k = 0; k < G.threads[static_cast<std::size_t>(t)].size(); ++k) {
          const event_ref u{t, static_cast<std::int32_t>(k)};
          if (u == r) continue;
          const event& eu = G.at(u);
          if (eu.has_read() && eu.loc == e.loc && eu.rf == w && G.has_write_part(u) &&
              (!eu.revisitable || exec_graph::contains(before, u)))
            return false;
        }
    }
    // A read added while other threads' events are still to be replayed (its thread went on
    // inside a step the graph had cut) happens at this point of the replay: it can only read
    // a write already executed.
    return !pending || executed(w);
  };
  std::vector<std::uint8_t>& want = cand_want_;  // bit 0: plain read; bit 1: spurious failure
  std::vector<event_ref>& ws = cand_ws_;
  want.assign(count, 0);
  ws.clear();
  for (std::size_t i = first; i < count; ++i) {
    const event_ref w = write_at(i);
    const std::uint64_t v = G.value_of(w, e.loc);
    const bool latest = i + 1 == count;
    // A weak CAS that would succeed may also fail spuriously (only reading), within the
    // budget: that variant is a candidate of its own.
    if (e.weak_cas && v == e.expected && G.spurious_wakeups(r) < spurious_budget_ &&
        (!pending || executed(w)) && (latest || allowed_after_yield(r, w)))
      want[i] |= 2;
    if (may_read_plain(w, v, latest)) want[i] |= 1;
    if (want[i]) ws.push_back(w);
  }
  std::vector<std::uint8_t>& ok = cand_ok_;
  consistent_rfs(G, model_, r, ws, ok);

  std::vector<rf_choice> out;
  for (std::size_t i = first, k = 0; i < count; ++i) {
    if (!want[i]) continue;
    if (ok[k++] == 0) continue;
    if (want[i] & 2) out.push_back({write_at(i), true});
    if (want[i] & 1) out.push_back({write_at(i), false});
  }
  return out;
}

void trust_engine::set_rf(event_ref r, event_ref w) { g().at(r).rf = w; }

event trust_engine::read_event(loc_key k, std::uint32_t hint, const rmw_request& op,
                               source_loc at) const {
  event e;
  e.kind = ev_kind::read;
  e.rmw = op.kind;
  e.mo = op.mo;
  e.mo_fail = op.mo_fail;
  e.expected = op.kind == rmw_kind::cas ? op.expected : op.guard_arg;
  e.guard = op.guard;
  e.spurious_ok = op.spurious && spurious_budget_ > 0;
  e.weak_cas = op.weak && op.kind == rmw_kind::cas && spurious_budget_ > 0;
  e.loc = k;
  e.loc_hint = hint;
  e.file = at.file;
  e.line = at.line;
  return e;
}

// GenMC's blocked lock read (a LockCasRead that reads a held state, then LockNotAcqBlock):
// a thread blocked in the runtime on a lock gets the lock's read, of the co-latest (held)
// state, when nothing can go on any more — before, it got no event, and when its holder never
// unlocked (a lock held across a join of the blocked thread) no revisit ever created the order
// in which the blocked thread locks first. Its alternatives are the free states it may read
// instead (forward revisits, as for any read: an earlier free state another lock read is a
// springboard, whose write revisits that lock); held by it, the thread stays back in the
// executions that replay the graph (begin_execution), and an unlock added later revisits it.
// Added only at the end (a next_P that takes the other threads' events first): a lock that
// would be freed in this execution is added the ordinary way, reading the unlock.
void trust_engine::stuck(execution& x) {
  if (moot_ || showing_livelock_ || replay_pending()) return;
  track_threads(x);
  exec_graph& G = g();
  for (int t = 0; t < x.thread_count(); ++t) {
    const thread_rec& th = x.thread(t);
    const point_desc& d = th.pending;
    if (th.finished || th.parked || !d.blocker || d.blocker->ready(t) || replaying(t)) continue;
    rmw_request op;
    std::uint64_t init = 0;
    const object* o = d.blocker->graph_blocked_read(t, op, init);
    if (!o) continue;
    location& l = G.loc(o->key(), init, true);
    const std::uint32_t hint = G.index_of(l);
    writes_.of(l.key, init);
    const event_ref held = G.co_max(l);
    if (op.guard(G.value_of(held, l.key), op.guard_arg)) continue;  // (the runtime disagrees)
    event e = read_event(l.key, hint, op, d.loc);
    e.step_start = true;
    const event_ref r = G.append(t, e);
    pos_[static_cast<std::size_t>(t)] = r.idx + 1;
    held_[static_cast<std::size_t>(t)] = hold::lock;
    // (Its candidates before its rf is set: rf_candidates takes the read's porf-prefix.)
    for (const rf_choice& c : rf_candidates(r))
      push(item{item_kind::read_rf, G.at(r).stamp, r, c.w, c.spurious ? 1u : 0u, {}});
    set_rf(r, held);
  }
}

rmw_result trust_engine::rmw(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                             const rmw_request& op, source_loc at) {
  const int tid = x.current_id();
  exec_graph& G = g();
  const std::uint32_t hint = G.index_of(G.loc(k, init, sync_object));
  writes_.of(k, init);
  event_ref r;
  if (replaying(tid)) {
    r = event_ref{tid, pos_[static_cast<std::size_t>(tid)]};
    event& e = next_event(x, tid, ev_kind::read, "a thread read where it did something else");
    if (e.loc != k || e.rmw != op.kind) mismatch(x, "a read of a different object or kind");
    // This execution's expected value, as a replayed write's bits: the graph's copy came from
    // an earlier execution, and a pointer of that one compared with one of this (loop
    // pruning's same-line CAS retry) made the search depend on the allocator's history.
    e.expected = op.kind == rmw_kind::cas ? op.expected : op.guard_arg;
    e.values_of = serial_;
  } else {
    r = add(tid, read_event(k, hint, op, at));
    const bool spurious_wake = G.at(r).spurious_ok;
    // An atomic wait's registration: the comparison just before it happens after what it reads.
    if (op.after_compare && r.idx > 0 && !G.at(r).step_start)
      G.at(event_ref{tid, r.idx - 1}).wait_compare = true;
    if (!moot_ && !showing_livelock_) {
      std::vector<rf_choice> cands = rf_candidates(r);
      const event_ref max = G.co_max(*G.find_loc(k));
      // No consistent choice: the graph was cut inside a step of this thread that cannot be
      // completed atomically (another thread's pending event sits between its halves). No
      // execution of the program has this graph: drop it.
      if (cands.empty()) moot_ = true;
      rf_choice pick = cands.empty() ? rf_choice{max, false} : cands.back();
      for (const rf_choice& c : cands)
        if (c.w == max && !c.spurious) pick = c;
      set_rf(r, pick.w);
      G.at(r).spurious_fail = pick.spurious;
      G.at(r).added_max = pick.w == max && !pick.spurious;
      for (const rf_choice& c : cands)
        if (!(c.w == pick.w && c.spurious == pick.spurious))
          push(item{item_kind::read_rf, G.at(r).stamp, r, c.w, c.spurious ? 1u : 0u, {}});
      // A spurious wake-up where nothing else could run: no execution has it (its alternatives
      // are judged where they are replayed).
      if (spurious_wake && !moot_ && !spurious_wake_possible(r, runnable_)) moot_ = true;
    } else {
      set_rf(r, G.co_max(*G.find_loc(k)));
    }
  }
  const event& e = G.at(r);
  rmw_result res;
  // The value as written in this execution (the graph's copy may come from an earlier one:
  // pointers to objects of that execution, say).
  res.old = executed_value(e.rf, k);
  res.wrote = rmw_writes(op, res.old) && !e.spurious_fail;
  // A spurious failure where this execution's values do not match (pushed by calc_revisits
  // before they were known) is the ordinary failure, another graph's: not counted.
  if (e.spurious_fail && res.old != e.expected) moot_ = true;
  // The read side: hb and the token (a weak CAS that could succeed: whether it failed).
  record_rf(x, r);
  if (e.weak_cas && res.old == e.expected)
    x.record_choice(static_cast<std::uint16_t>(e.spurious_fail ? 1 : 0));
  if (!sync_object) {
    const auto& lw = writes_.of(k, init).writes;
    for (const auto& w : lw)
      if (w.ref == e.rf) executed_writes::on_read(x.current(), w, res.wrote ? op.mo : op.mo_fail);
  }
  if (!res.wrote) {
    if (replaying(tid) && g().at(event_ref{tid, pos_[static_cast<std::size_t>(tid)]}).rmw_write)
      mismatch(x, "an RMW that wrote before did not write");
    return res;
  }
  // A choice the write depends on (which waiter a notify_one wakes) is kept in the write
  // event (aux); its other values are alternatives like a choice event's.
  const int n = op.choices ? std::max(1, op.choices(res.old)) : 1;
  event_ref w;
  if (replaying(tid)) {
    w = event_ref{tid, pos_[static_cast<std::size_t>(tid)]};
    event& ew = next_event(x, tid, ev_kind::write, "an RMW did not write as before");
    if (!ew.rmw_write || static_cast<int>(ew.aux) >= n)
      mismatch(x, "an RMW did not write as before");
    if (n > 1) x.record_choice(static_cast<std::uint16_t>(ew.aux));
    res.choice = static_cast<int>(ew.aux);
    ew.bits = op.apply ? op.apply(op.ctx, res.old, static_cast<int>(ew.aux)) : res.old;
    ew.values_of = serial_;
  } else {
    const std::uint64_t bits = op.apply ? op.apply(op.ctx, res.old, 0) : res.old;
    if (n > 1) x.record_choice(0);
    event ew;
    ew.kind = ev_kind::write;
    ew.rmw_write = true;
    ew.mo = op.mo;
    ew.loc = k;
    ew.loc_hint = hint;
    ew.bits = bits;
    ew.file = at.file;
    ew.line = at.line;
    const event_ref from = g().at(r).rf;
    ew.spurious_choice = op.choice_is_spurious;
    w = add(tid, ew);
    const bool choices_ok =
        !op.choice_is_spurious || g().spurious_wakeups(w) < spurious_budget_;  // within budget
    if (!moot_ && !showing_livelock_ && choices_ok)
      for (int c = n - 1; c >= 1; --c)
        push(item{
            item_kind::write_choice, g().at(w).stamp, w, {}, static_cast<std::uint32_t>(c), {}});
    location& l = *g().find_loc(k);
    const std::size_t at_pos = g().co_index(l, from);  // right after the write read
    // Another RMW's write already directly follows it — or, inside the replay, an operation
    // on the same object still to be replayed reads the same state (a spurious wake-up taken
    // where its thread blocked, before a notify the graph has reading that state) — this graph
    // breaks atomicity. It still tells which reads this write may revisit; then it is dropped.
    const bool clash = (at_pos < l.co.size() && g().at(l.co[at_pos]).rmw_write) ||
                       (sync_object && replay_pending() && read_to_replay(k, from, r));
    l.co.insert(l.co.begin() + static_cast<std::ptrdiff_t>(at_pos), w);
    calc_revisits(w);
    if (clash) moot_ = true;
    // Inside a step the graph had cut, with other threads' events still to replay: the step
    // may not fit atomically (as for reads).
    if (!moot_ && replay_pending() && !consistent(g(), model_, {.atomicity = false})) moot_ = true;
  }
  executed_write(x, w, op.mo, true, sync_object);
  res.written = g().at(w).bits;
  return res;
}

std::uint64_t trust_engine::executed_value(event_ref w, loc_key k) {
  for (const auto& e : writes_.of(k, 0).writes)
    if (e.ref == w) return e.bits;
  return g().value_of(w, k);  // not executed yet: record_rf reports it
}

void trust_engine::record_rf(execution& x, event_ref r) {
  const event& e = g().at(r);
  auto& lw = writes_.of(e.loc, 0).writes;
  std::size_t idx = lw.size();
  for (std::size_t i = 0; i < lw.size(); ++i)
    if (lw[i].ref == e.rf) idx = i;
  if (idx == lw.size()) {
    mismatch(x, "a read's write has not been executed yet");
    return;
  }
  if (model_ == model::rc11) {
    if (lw.size() > 1) x.record_choice(static_cast<std::uint16_t>(idx));
  } else if (idx + 1 != lw.size()) {
    if (g_debug) {
      std::fprintf(stderr, "SC read %d.%d reads %d.%d (index %zu of %zu executed:", r.tid, r.idx,
                   e.rf.tid, e.rf.idx, idx, lw.size());
      for (const auto& w : lw) std::fprintf(stderr, " %d.%d", w.ref.tid, w.ref.idx);
      std::fprintf(stderr, ")\n");
    }
    mismatch(x, "an SC read does not read the latest write");
  }
}

// ------------------------------------------------------------------ writes

void trust_engine::store(execution& x, loc_key k, std::uint64_t init, std::uint64_t bits,
                         std::memory_order mo, source_loc at) {
  const int tid = x.current_id();
  const std::uint32_t hint = g().index_of(g().loc(k, init, false));
  writes_.of(k, init);
  event_ref w;
  if (replaying(tid)) {
    w = event_ref{tid, pos_[static_cast<std::size_t>(tid)]};
    event& e = next_event(x, tid, ev_kind::write, "a thread wrote where it did something else");
    if (e.loc != k || e.rmw_write) mismatch(x, "a write of a different object");
    e.bits = bits;  // this execution's value (addresses differ between executions)
    e.values_of = serial_;
  } else {
    event e;
    e.kind = ev_kind::write;
    e.mo = mo;
    e.loc = k;
    e.loc_hint = hint;
    e.bits = bits;
    e.file = at.file;
    e.line = at.line;
    w = add(tid, e);
    g().find_loc(k)->co.push_back(w);
    if (!moot_ && replay_pending() && !consistent(g(), model_)) moot_ = true;  // as for reads
    if (!moot_ && !showing_livelock_) {
      add_write_alternatives(w);
      calc_revisits(w);
    }
  }
  executed_write(x, w, mo, false, false);
}

void trust_engine::add_write_alternatives(event_ref w) {
  exec_graph& G = g();
  location& l = *G.find_loc(G.at(w).loc);
  // w is last; try every earlier position (1 = right after the initial write), checked
  // together (consistent_co_positions numbers the graph once).
  const std::size_t last = l.co.size();
  std::vector<std::uint8_t>& ok = cand_ok_;
  consistent_co_positions(G, model_, w, ok);
  for (std::size_t p = 1; p < last; ++p)
    if (ok[p])
      push(item{item_kind::write_co, G.at(w).stamp, w, {}, static_cast<std::uint32_t>(p), {}});
}

void trust_engine::calc_revisits(event_ref w) {
  if (moot_ || showing_livelock_) return;
  exec_graph& G = g();
  const event& ew = G.at(w);
  view& before = prefix_;
  G.prefix_of(w, before);
  std::vector<event_ref> reads;
  for (int t = 0; t < G.nthreads(); ++t)
    for (std::size_t k = 0; k < G.threads[static_cast<std::size_t>(t)].size(); ++k) {
      const event_ref r{t, static_cast<std::int32_t>(k)};
      const event& er = G.at(r);
      if (!er.has_read() || er.loc != ew.loc || !er.revisitable || exec_graph::contains(before, r))
        continue;
      event plain = er;  // what it may read as a read (a spurious failure is a variant)
      plain.spurious_fail = false;
      // (A spurious wake-up does not read a state with its notify: that is the notified
      // wake-up of the graph in which its thread slept.)
      if (!exec_graph::may_read(plain, ew.bits, true)) continue;
      reads.push_back(r);
    }
  // Latest first (the order GenMC uses; it only changes the order of exploration).
  std::sort(reads.begin(), reads.end(),
            [&](event_ref a, event_ref b) { return G.at(a).stamp > G.at(b).stamp; });
  for (event_ref r : reads) {
    view keep = join_views(G.stamp_view(G.at(r).stamp), before);
    if (!is_maximal(r, w, keep)) continue;
    const event& er = G.at(r);
    // A weak CAS that would succeed on w may also fail spuriously (budget counted over the
    // events kept). Whether it would succeed compares two values of one execution: a read
    // that holds an older execution's expected value (one still to be replayed in this
    // execution, or that the last one on this graph did not reach) gets its variant, and its
    // replay drops the variant where the values differ (rmw()).
    if (er.weak_cas && (er.values_of != ew.values_of || ew.bits == er.expected) &&
        spurious_in(G, keep, r) < spurious_budget_)
      push(item{item_kind::backward, ew.stamp, r, w, 1, keep});
    push(item{item_kind::backward, ew.stamp, r, w, 0, std::move(keep)});
  }
}

// Spurious events (wake-ups, weak CAS failures) among the events of `keep`, but `but`.
int trust_engine::spurious_in(const exec_graph& G, const view& keep, event_ref but) const {
  int n = 0;
  for (int t = 0; t < G.nthreads(); ++t) {
    const auto& th = G.threads[static_cast<std::size_t>(t)];
    const std::int32_t len =
        static_cast<std::size_t>(t) < keep.size()
            ? std::min(keep[static_cast<std::size_t>(t)], static_cast<std::int32_t>(th.size()))
            : 0;
    for (std::int32_t k = 0; k < len; ++k) {
      const event& e = th[static_cast<std::size_t>(k)];
      if (event_ref{t, k} == but) continue;
      if (e.spurious_ok && e.has_read() && !e.guard(G.value_of(e.rf, e.loc), e.expected)) ++n;
      if (e.spurious_choice && e.rmw_write && e.aux == 1) ++n;
      if (e.spurious_fail) ++n;
    }
  }
  return n;
}

// TruSt's maximality condition for Revisit(G, r, w): every deleted event and r itself were
// added maximally, so that the revisited graph is produced from this graph only.
bool trust_engine::is_maximal(event_ref r, event_ref w, const view& keep) const {
  const exec_graph& G = states_.back().g;
  const event& ew = G.at(w);
  const location& l = *G.find_loc(ew.loc);
  const std::size_t wi = G.co_index(l, w);
  // A write placed before others in co: the writes after it must stay.
  if (!ew.rmw_write && wi < l.co.size() && !exec_graph::contains(keep, l.co[wi])) return false;
  // A write of any location that a kept write follows in co (the deleted event did not read
  // or write the co-latest value of what is kept).
  auto co_later_kept = [&](const location& at, event_ref x) {
    const std::size_t xi = G.co_index(at, x);
    for (std::size_t i = xi; i < at.co.size(); ++i)
      if (!(at.co[i] == w) && exec_graph::contains(keep, at.co[i])) return true;
    return false;
  };
  for (int t = 0; t < G.nthreads(); ++t)
    for (std::size_t k = 0; k < G.threads[static_cast<std::size_t>(t)].size(); ++k) {
      const event_ref e{t, static_cast<std::int32_t>(k)};
      if (!(e == r) && exec_graph::contains(keep, e)) continue;
      const event& ee = G.at(e);
      if (!ee.added_max) return false;
      if (ee.has_read() && co_later_kept(*G.find_loc(ee.loc), ee.rf)) return false;
      if (ee.has_write() && co_later_kept(*G.find_loc(ee.loc), e)) return false;
      if (ee.has_read() && !ee.rf.is_init() && !exec_graph::contains(keep, ee.rf) &&
          G.at(ee.rf).stamp > ee.stamp)
        return false;  // it was revisited by a write that is deleted now
    }
  return true;
}

void trust_engine::executed_write(execution& x, event_ref w, std::memory_order mo, bool rmw,
                                  bool sync_object) {
  const event& e = g().at(w);
  auto& lw = writes_.of(e.loc, 0).writes;
  executed_writes::entry ent;
  ent.ref = w;
  ent.bits = e.bits;
  if (!sync_object) {
    const executed_writes::entry* src = nullptr;
    if (rmw) {
      const event_ref from = g().at(event_ref{w.tid, w.idx - 1}).rf;
      for (const auto& o : lw)
        if (o.ref == from) src = &o;
    }
    executed_writes::on_write(x.current(), ent, mo, src);
  }
  // The token: where the write goes in co among the writes executed so far (C++11 model).
  if (model_ == model::rc11 && !rmw && lw.size() > 1) {
    const location& l = *g().find_loc(e.loc);
    const std::size_t mine = g().co_index(l, w);
    std::uint16_t before = 0;
    for (std::size_t i = 1; i < lw.size(); ++i)
      if (g().co_index(l, lw[i].ref) < mine) ++before;
    x.record_choice(before);
  }
  lw.push_back(std::move(ent));
}

std::uint64_t trust_engine::latest(loc_key k, std::uint64_t init) {
  // Under C++11 the replay order need not follow co: the latest in co of those executed.
  const auto& lw = writes_.of(k, init).writes;
  if (const location* l = g().find_loc(k))
    for (auto w = l->co.rbegin(); w != l->co.rend(); ++w)
      for (const auto& x : lw)
        if (x.ref == *w) return x.bits;
  return lw.front().bits;
}

void trust_engine::fence(execution& x, std::memory_order mo, source_loc at) {
  const int tid = x.current_id();
  if (replaying(tid)) {
    event& e = next_event(x, tid, ev_kind::fence, "a thread fenced where it did something else");
    if (e.mo != mo) mismatch(x, "a fence of a different order");
  } else {
    event e;
    e.kind = ev_kind::fence;
    e.mo = mo;
    e.file = at.file;
    e.line = at.line;
    add(tid, e);
  }
  executed_writes::on_fence(x.current(), mo);
}

int trust_engine::pick(int n) {
  execution& x = *execution::active();
  const int tid = x.current_id();
  if (replaying(tid)) {
    event& e = next_event(x, tid, ev_kind::choice, "a choice where the thread did something else");
    if (e.aux != static_cast<std::uint32_t>(n)) mismatch(x, "a choice among a different number");
    return static_cast<int>(e.bits);
  }
  event e;
  e.kind = ev_kind::choice;
  e.aux = static_cast<std::uint32_t>(n);
  e.bits = 0;
  const event_ref c = add(tid, e);
  if (!moot_ && !showing_livelock_)
    for (int k = n - 1; k >= 1; --k)
      push(item{item_kind::choice, g().at(c).stamp, c, {}, static_cast<std::uint32_t>(k), {}});
  return 0;
}

// ------------------------------------------------------------------ the work list

bool trust_engine::apply(item& it) {
  state& st = states_.back();
  exec_graph& G = st.g;
  switch (it.kind) {
    case item_kind::read_rf: {
      G.cut_to_stamp(it.stamp);
      G.at(it.e).rf = it.w;
      G.at(it.e).spurious_fail = it.value == 1;  // a weak CAS's spurious failure
      G.at(it.e).added_max = false;
      // consistent_rfs found it consistent on this graph (the events up to r's stamp) when it
      // was pushed.
      return replay_order_of_decided(G, model_, "read alternative", it.e, &order_);
    }
    case item_kind::write_co: {
      G.cut_to_stamp(it.stamp);
      location& l = *G.find_loc(G.at(it.e).loc);
      l.co.erase(std::find(l.co.begin(), l.co.end(), it.e));
      l.co.insert(l.co.begin() + static_cast<std::ptrdiff_t>(it.value - 1), it.e);
      G.at(it.e).added_max = false;
      if (!replay_order_of_decided(G, model_, "co position", it.e, &order_)) return false;
      calc_revisits(it.e);
      return true;
    }
    case item_kind::choice: {
      G.cut_to_stamp(it.stamp);
      G.at(it.e).bits = it.value;
      G.at(it.e).added_max = false;
      return replay_order_of_decided(G, model_, "choice", it.e, &order_);
    }
    case item_kind::write_choice: {
      G.cut_to_stamp(it.stamp);
      G.at(it.e).aux = it.value;  // the value follows when the execution replays it
      G.at(it.e).added_max = false;
      // Not decided when pushed: rmw pushes a write's choices before it finds the graph moot
      // (atomicity, or no atomic fit of the step while replaying), so the full check.
      return consistent(G, model_, {}, &order_);
    }
    case item_kind::backward: {
      exec_graph copy = G;
      copy.restrict_to(it.keep);
      view& pre = prefix_;
      copy.prefix_of(it.w, pre);
      copy.at(it.e).rf = it.w;
      copy.at(it.e).spurious_fail = it.value == 1;  // a weak CAS's spurious failure
      const event& er = copy.at(it.e);
      copy.at(it.e).added_max = it.w == copy.co_max(*copy.find_loc(er.loc)) && it.value != 1;
      for (int t = 0; t < copy.nthreads(); ++t)
        for (std::int32_t k = 0; k < pre[static_cast<std::size_t>(t)]; ++k)
          copy.threads[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)].revisitable =
              false;
      if (!consistent(copy, model_, {}, &order_)) return false;
      states_.push_back(state{std::move(copy), {}});
      return true;
    }
  }
  return false;
}

bool trust_engine::next() {
  if (!counted())
    ;  // another part's
  else if (moot_)
    ++moot_total_;
  else if (blocked_)
    ++blocked_total_;
  else
    ++complete_;
  if (part_ && part_->split() && split_ == 0) {
    // On the first chain; deeper than any item applied so far, so no subtree began yet.
    chain_ *= std::max<std::uint32_t>(pushed_, 1);
    if (pushed_ == 0 || chain_ >= static_cast<double>(part_->target())) split_ = max_depth_ + 1;
  }
  // The flags of the execution just run must not reach the items applied below (a write_co
  // item computes its write's revisits in apply(), which a moot previous execution would
  // skip): what an item explores depends on the item alone, not on which execution ran last.
  moot_ = false;
  showing_livelock_ = false;
  if (leave_) {
    // Everything below the split depth on the stack is the current subtree's.
    leave_ = false;
    mine_ = false;
    for (state& st : states_)
      st.work.erase(std::remove_if(st.work.begin(), st.work.end(),
                                   [&](const item& it) { return it.depth > split_; }),
                    st.work.end());
  }
  for (;;) {
    while (!states_.empty() && states_.back().work.empty()) states_.pop_back();
    if (states_.empty()) return false;
    item it = std::move(states_.back().work.back());
    states_.back().work.pop_back();
    if (split_ && it.depth == split_) {
      mine_ = part_->claims(seen_++);
      if (!mine_) continue;  // another part's subtree: dropped whole
    }
    depth_ = it.depth;
    max_depth_ = std::max(max_depth_, depth_);
    pushed_ = 0;
    if (apply(it)) {  // it left the replay order of the graph it checked in order_
      begin_execution(true);
      return true;
    }
  }
}

std::string trust_engine::signature() const {
  const exec_graph& G = states_.back().g;
  std::string s;
  for (int t = 0; t < G.nthreads(); ++t) {
    s += "|";
    for (const auto& e : G.threads[static_cast<std::size_t>(t)]) {
      s += to_string(e.kind)[0];
      if (e.has_read())
        s += e.rf.is_init() ? std::string("i")
                            : std::to_string(e.rf.tid) + "." + std::to_string(e.rf.idx);
      if (e.spurious_fail) s += "s";
      if (e.kind == ev_kind::choice || (e.rmw_write && e.aux != 0))
        s += std::to_string(e.kind == ev_kind::choice ? e.bits : e.aux);
      s += ",";
    }
  }
  for (const auto& l : G.locs) {
    s += "#";
    for (event_ref w : l.co) s += std::to_string(w.tid) + "." + std::to_string(w.idx) + ",";
  }
  return s;
}

double trust_engine::path_estimate() const noexcept {
  double e = 1;
  for (const auto& st : states_) e *= 1.0 + static_cast<double>(st.work.size());
  return e;
}

}  // namespace lockstep::rt::graph
