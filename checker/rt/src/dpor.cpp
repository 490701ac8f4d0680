#include "dpor.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace lockstep::rt {

dpor_chooser::dpor_chooser() {
  path_.reserve(512);
  reset_execution();
}

void dpor_chooser::reset_execution() {
  pos_ = 0;
  cur_event_ = -1;
  last_thread_node_ = -1;
  redundant_ = false;
  nthreads_ = 0;
  for (auto& a : answer_) a.clear();
  for (auto& row : thread_clock_) row.clear();
  objects_.clear();
}

dpor_chooser::node& dpor_chooser::push_node() {
  if (len_ == path_.size()) path_.emplace_back();
  node& nd = path_[len_++];
  nd.data = false;
  nd.chosen = nd.count = 0;
  nd.n = 0;
  nd.cand.clear();
  nd.backtrack.clear();
  nd.done.clear();
  nd.sleep.clear();
  nd.chosen_idx = 0;
  nd.pending.clear();
  nd.tid = -1;
  nd.nacc = 0;
  nd.clock.clear();
  return nd;
}

std::vector<std::int32_t>& dpor_chooser::thread_clock(int tid) {
  if (static_cast<std::size_t>(tid) >= thread_clock_.size())
    thread_clock_.resize(static_cast<std::size_t>(tid) + 1);
  return thread_clock_[static_cast<std::size_t>(tid)];
}

int dpor_chooser::pick(int n) {
  if (redundant_) return 0;
  if (pos_ < len_) {
    node& nd = path_[pos_++];
    if (!nd.data || nd.count != n) {
      error =
          "nondeterministic test: replaying the same choices led to a different choice "
          "point (does the test depend on real time, addresses, or global state?)";
      return 0;
    }
    return nd.chosen;
  }
  node& nd = push_node();
  nd.data = true;
  nd.count = static_cast<std::uint16_t>(n);
  ++pos_;
  return 0;
}

thread_set dpor_chooser::cand_set_of_thread(const node& nd, int tid) const {
  thread_set m;
  for (int k = 0; k < nd.n; ++k)
    if (nd.cand[static_cast<std::size_t>(k)].tid == tid) m.insert(k);
  return m;
}

int dpor_chooser::pick_step(const step_candidate* c, int n, const access* pending) {
  if (redundant_) return 0;
  if (pos_ < len_) {
    node& nd = path_[pos_];
    if (nd.data || nd.n != n) {
      error =
          "nondeterministic test: replaying the same choices offered a different set of "
          "threads (does the test depend on real time, addresses, or global state?)";
      return 0;
    }
    cur_event_ = static_cast<std::int32_t>(pos_++);
    return nd.chosen_idx;
  }
  // (Called from the step loop: the running execution says how many threads there are.)
  nthreads_ = std::max(nthreads_, execution::active()->thread_count());
  node& nd = push_node();
  nd.n = n;
  nd.cand.assign(c, c + n);
  nd.pending.assign(pending, pending + nthreads_);
  // Sleep set: what slept at the previous decision or was explored there before the branch
  // we are on, and is independent of the step that branch took.
  if (last_thread_node_ >= 0) {
    const node& par = path_[static_cast<std::size_t>(last_thread_node_)];
    thread_set asleep = par.sleep;
    for (int k = 0; k < par.n; ++k)
      if (k != par.chosen_idx && par.done.contains(k))
        asleep.insert(par.cand[static_cast<std::size_t>(k)].tid);
    for (int q = asleep.first(), r = 0; q >= 0; q = asleep.nth(++r)) {
      bool dep = false;
      const access none{};
      const access& pq = static_cast<std::size_t>(q) < par.pending.size()
                             ? par.pending[static_cast<std::size_t>(q)]
                             : none;
      for (int a = 0; a < par.nacc; ++a) dep = dep || dependent(pq, par.acc[a]);
      if (!dep) nd.sleep.insert(q);
    }
  }
  int first = -1;
  for (int k = 0; k < n; ++k)
    if (!nd.sleep.contains(c[k].tid)) {
      first = k;
      break;
    }
  if (first < 0) {
    // Every enabled thread is asleep: this execution is equivalent to one explored already.
    // It still has to run to its end (its fibers cannot simply be dropped), without adding
    // decisions or races.
    --len_;
    redundant_ = true;
    ++redundant_total_;
    return 0;
  }
  nd.backtrack.insert(first);
  nd.done.insert(first);
  // Above a split (partition.hpp): every awake candidate, so no subtree adds backtracking here.
  if (split_.fixed() && pos_ < split_.depth()) nd.backtrack |= awake_set(nd);
  // Timeouts firing and spurious wake-ups are choices of the environment, not reorderings:
  // explore each of them (when awake).
  for (int k = 0; k < n; ++k)
    if (c[k].how != wake::normal && !nd.sleep.contains(c[k].tid)) nd.backtrack.insert(k);
  nd.chosen_idx = first;
  cur_event_ = static_cast<std::int32_t>(pos_++);
  return first;
}

void dpor_chooser::on_step(int tid, const access* acc, int nacc) {
  if (redundant_ || cur_event_ < 0) return;
  const std::int32_t i = cur_event_;
  nthreads_ = std::max(nthreads_, execution::active()->thread_count());
  const auto width = static_cast<std::size_t>(nthreads_);
  if (answer_.size() < width) answer_.resize(width);
  node& ev = path_[static_cast<std::size_t>(i)];
  ev.tid = tid;
  ev.nacc = nacc;
  std::copy(acc, acc + nacc, ev.acc);
  std::vector<std::int32_t>& tc = thread_clock(tid);
  pre_.assign(width, -1);
  std::copy(tc.begin(), tc.begin() + static_cast<std::ptrdiff_t>(std::min(tc.size(), width)),
            pre_.begin());
  clk_ = pre_;
  // See the header: a yield writes its thread's yield key; the next writing step of every
  // other thread reads the keys of the yields it answers.
  all_.assign(acc, acc + nacc);
  bool is_yield = false, writes = false;
  for (int a = 0; a < nacc; ++a) {
    is_yield = is_yield || is_yield_key(acc[a].key);
    writes = writes || (acc[a].write && acc[a].key != 0 && !is_yield_key(acc[a].key));
  }
  thread_set& answers = answer_[static_cast<std::size_t>(tid)];
  if (writes && !answers.empty()) {
    for (int t = answers.first(), r = 0; t >= 0; t = answers.nth(++r))
      all_.push_back(access{kYieldKeyBase + static_cast<std::uint32_t>(t), false, access::plain});
    answers.clear();
  }
  if (is_yield)
    for (int u = 0; u < nthreads_; ++u)
      if (u != tid) answer_[static_cast<std::size_t>(u)].insert(tid);
  for (const access& ac : all_) {
    if (ac.key == 0) continue;
    object_state& o = objects_[ac.key];
    const access::kind_t kind = ac.kind;
    auto is_race = [&](std::int32_t j) {
      const node& ej = path_[static_cast<std::size_t>(j)];
      return ej.tid != tid && pre_[static_cast<std::size_t>(ej.tid)] < j;
    };
    auto consider = [&](std::int32_t j, bool may_race) {
      if (may_race && is_race(j)) race(j, i, pre_);
      const node& ej = path_[static_cast<std::size_t>(j)];
      const std::size_t m = std::min<std::size_t>(ej.clock.size(), width);
      for (std::size_t t = 0; t < m; ++t) clk_[t] = std::max(clk_[t], ej.clock[t]);
    };
    // A blocking acquisition was enabled by the release before it: the reversible race is
    // with the previous acquisition (taking the lock first), which is what we record.
    if (kind == access::acquire || kind == access::try_acquire) {
      if (o.last_acquire >= 0 && is_race(o.last_acquire)) race(o.last_acquire, i, pre_);
      o.last_acquire = i;
    }
    if (o.last_write >= 0)
      consider(o.last_write, kind == access::plain || kind == access::try_acquire);
    if (ac.write) {
      for (std::int32_t j : o.reads) consider(j, kind != access::order_only);
      o.reads.clear();
      o.last_write = i;
    } else {
      o.reads.push_back(i);
    }
  }
  clk_[static_cast<std::size_t>(tid)] = i;
  node& ev2 = path_[static_cast<std::size_t>(i)];  // (race() does not move nodes: same ev)
  ev2.clock.assign(clk_.data(), clk_.data() + clk_.size());
  tc = clk_;
  last_thread_node_ = i;
}

void dpor_chooser::race(std::int32_t j, std::int32_t i,
                        const std::vector<std::int32_t>& pre_clock_i) {
  node& nj = path_[static_cast<std::size_t>(j)];
  const int width = nthreads_;
  // v = the events after j that do not happen after j, then i. Its initials are the threads
  // whose first event in v has no predecessor in v.
  first_.assign(static_cast<std::size_t>(width), -1);
  for (std::int32_t k = j + 1; k < i; ++k) {
    const node& ek = path_[static_cast<std::size_t>(k)];
    if (ek.data || ek.tid < 0) continue;
    if (ek.clock_of(nj.tid) >= j) continue;  // happens after j
    if (first_[static_cast<std::size_t>(ek.tid)] < 0) first_[static_cast<std::size_t>(ek.tid)] = k;
  }
  const int ti = path_[static_cast<std::size_t>(i)].tid;
  if (first_[static_cast<std::size_t>(ti)] < 0) first_[static_cast<std::size_t>(ti)] = i;
  thread_set initials;
  for (int p = 0; p < width; ++p) {
    const std::int32_t f = first_[static_cast<std::size_t>(p)];
    if (f < 0) continue;
    auto cf = [&](int q) {
      return f == i ? pre_clock_i[static_cast<std::size_t>(q)]
                    : path_[static_cast<std::size_t>(f)].clock_of(q);
    };
    bool initial = true;
    for (int q = 0; q < width && initial; ++q) {
      const std::int32_t fq = first_[static_cast<std::size_t>(q)];
      if (q != p && fq >= 0 && fq < f && cf(q) >= fq) initial = false;
    }
    if (initial) initials.insert(p);
  }
  thread_set explored = nj.backtrack;
  explored |= nj.done;
  for (int p = initials.first(), r = 0; p >= 0; p = initials.nth(++r))
    if (cand_set_of_thread(nj, p).intersects(explored)) return;
  for (int p = initials.first(), r = 0; p >= 0; p = initials.nth(++r))
    if (!nj.sleep.contains(p)) {
      thread_set m = cand_set_of_thread(nj, p);
      if (!m.empty()) {
        nj.backtrack |= m;
        return;
      }
    }
  if (initials.intersects(nj.sleep)) return;  // an initial sleeps here: its traces are covered
  // No initial can be scheduled at j (blocked, or held back by fair scheduling): fall back to
  // every candidate that is awake.
  for (int k = 0; k < nj.n; ++k)
    if (!nj.sleep.contains(nj.cand[static_cast<std::size_t>(k)].tid)) nj.backtrack.insert(k);
}

thread_set dpor_chooser::awake_set(const node& nd) {
  thread_set awake;
  for (int k = 0; k < nd.n; ++k)
    if (!nd.sleep.contains(nd.cand[static_cast<std::size_t>(k)].tid)) awake.insert(k);
  return awake;
}

bool dpor_chooser::counted() {
  if (split_.active() && !split_.fixed()) {
    split_.fix(len_, partition::kDporTarget, [&](std::size_t i) {
      const node& nd = path_[i];
      return nd.data ? nd.count : std::max(1, awake_set(nd).count());
    });
    for (std::size_t i = 0; i < len_ && i < split_.depth(); ++i)
      if (!path_[i].data) path_[i].backtrack |= awake_set(path_[i]);
  }
  return split_.counted(len_);
}

bool dpor_chooser::next() {
  reset_execution();
  len_ = split_.keep(len_);  // a subtree of another part: left whole
  while (len_ > 0) {
    node& last = path_[len_ - 1];
    if (last.data) {
      if (last.chosen + 1 < last.count) {
        ++last.chosen;
        split_.moved_to(len_ - 1);
        return true;
      }
    } else {
      for (int k = 0; k < last.n; ++k)
        if (last.backtrack.contains(k) && !last.done.contains(k) &&
            !last.sleep.contains(last.cand[static_cast<std::size_t>(k)].tid)) {
          last.chosen_idx = k;
          last.done.insert(k);
          split_.moved_to(len_ - 1);
          return true;
        }
    }
    --len_;
  }
  return false;
}

}  // namespace lockstep::rt

namespace lockstep::rt {

double dpor_chooser::path_estimate() const noexcept {
  double e = 1;
  for (std::size_t i = 0; i < len_; ++i) {
    const node& nd = path_[i];
    if (nd.data) {
      e *= nd.count;
    } else {
      thread_set alts = nd.backtrack;
      alts |= nd.done;
      e *= std::max(1, alts.count());
    }
  }
  return e;
}

namespace {
// A set as its members, comma-separated ("-": empty).
std::string set_text(const thread_set& s) {
  std::string t;
  for (int m = s.first(), r = 0; m >= 0; m = s.nth(++r))
    t += (t.empty() ? "" : ",") + std::to_string(m);
  return t.empty() ? "-" : t;
}
bool parse_set(const char*& p, thread_set& out) {
  out.clear();
  while (*p == ' ') ++p;
  if (*p == '-') {
    ++p;
    return true;
  }
  for (;;) {
    char* end = nullptr;
    const long v = std::strtol(p, &end, 10);
    if (end == p || v < 0 || v > (1 << 24)) return false;
    out.insert(static_cast<int>(v));
    p = end;
    if (*p != ',') return true;
    ++p;
  }
}
}  // namespace

// One node per line: "d chosen count" or
// "t n chosen_idx backtrack done sleep npending  tid:how ...  key:write:kind ..." (sets as
// comma-separated members, "-" when empty).
std::string dpor_chooser::save() const {
  std::string s;
  for (std::size_t i = 0; i < len_; ++i) {
    const node& nd = path_[i];
    if (nd.data) {
      s += "d " + std::to_string(nd.chosen) + " " + std::to_string(nd.count) + "\n";
      continue;
    }
    s += "t " + std::to_string(nd.n) + " " + std::to_string(nd.chosen_idx) + " " +
         set_text(nd.backtrack) + " " + set_text(nd.done) + " " + set_text(nd.sleep) + " " +
         std::to_string(nd.pending.size());
    for (const step_candidate& c : nd.cand)
      s += " " + std::to_string(c.tid) + ":" + std::to_string(int(c.how));
    for (const access& a : nd.pending)
      s += " " + std::to_string(a.key) + ":" + std::to_string(int(a.write)) + ":" +
           std::to_string(int(a.kind));
    s += "\n";
  }
  return s;
}

bool dpor_chooser::load(const std::string& text) {
  len_ = 0;
  reset_execution();
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t eol = text.find('\n', i);
    if (eol == std::string::npos) return false;
    std::string line = text.substr(i, eol - i);
    i = eol + 1;
    node& nd = push_node();
    const char* p = line.c_str();
    int used = 0;
    if (line[0] == 'd') {
      unsigned c, n;
      if (std::sscanf(p, "d %u %u", &c, &n) != 2 || c >= n) return false;
      nd.data = true;
      nd.chosen = static_cast<std::uint16_t>(c);
      nd.count = static_cast<std::uint16_t>(n);
    } else {
      unsigned n, ci, np;
      if (std::sscanf(p, "t %u %u%n", &n, &ci, &used) != 2 || ci >= n || n > (1u << 24))
        return false;
      p += used;
      if (!parse_set(p, nd.backtrack) || !parse_set(p, nd.done) || !parse_set(p, nd.sleep))
        return false;
      if (std::sscanf(p, " %u%n", &np, &used) != 1 || np > (1u << 24)) return false;
      p += used;
      nd.n = static_cast<int>(n);
      nd.chosen_idx = static_cast<int>(ci);
      for (unsigned k = 0; k < n; ++k) {
        int tid, how;
        if (std::sscanf(p, " %d:%d%n", &tid, &how, &used) != 2 || tid < 0 ||
            static_cast<unsigned>(tid) >= np || how < 0 || how > 2)
          return false;
        nd.cand.push_back(step_candidate{tid, static_cast<wake>(how)});
        p += used;
      }
      for (unsigned k = 0; k < np; ++k) {
        unsigned key;
        int w, kind;
        if (std::sscanf(p, " %u:%d:%d%n", &key, &w, &kind, &used) != 3 || kind < 0 || kind > 3)
          return false;
        nd.pending.push_back(access{key, w != 0, static_cast<access::kind_t>(kind)});
        p += used;
      }
    }
  }
  return len_ > 0;
}

}  // namespace lockstep::rt
