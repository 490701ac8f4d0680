#include "dpor.hpp"

#include <algorithm>
#include <cstdio>
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
  std::fill(std::begin(answer_), std::end(answer_), 0u);
  for (auto& row : thread_clock_) std::fill(std::begin(row), std::end(row), -1);
  objects_.clear();
}

int dpor_chooser::pick(int n) {
  if (redundant_) return 0;
  if (pos_ < path_.size()) {
    node& nd = path_[pos_++];
    if (!nd.data || nd.count != n) {
      error =
          "nondeterministic test: replaying the same choices led to a different choice "
          "point (does the test depend on real time, addresses, or global state?)";
      return 0;
    }
    return nd.chosen;
  }
  node nd;
  nd.data = true;
  nd.count = static_cast<std::uint16_t>(n);
  path_.push_back(nd);
  ++pos_;
  return 0;
}

std::uint32_t dpor_chooser::cand_mask_of_thread(const node& nd, int tid) const noexcept {
  std::uint32_t m = 0;
  for (int k = 0; k < nd.n; ++k)
    if (nd.cand_tid[k] == tid) m |= 1u << k;
  return m;
}

int dpor_chooser::pick_step(const step_candidate* c, int n, const access* pending) {
  if (redundant_) return 0;
  if (pos_ < path_.size()) {
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
  node nd;
  nd.n = static_cast<std::uint8_t>(n);
  for (int k = 0; k < n; ++k) {
    nd.cand_tid[k] = static_cast<std::uint8_t>(c[k].tid);
    nd.cand_how[k] = c[k].how;
  }
  std::copy(pending, pending + kMaxThreads, nd.pending);
  // Sleep set: what slept at the previous decision or was explored there before the branch
  // we are on, and is independent of the step that branch took.
  if (last_thread_node_ >= 0) {
    const node& par = path_[static_cast<std::size_t>(last_thread_node_)];
    std::uint32_t asleep = par.sleep;
    for (int k = 0; k < par.n; ++k)
      if (k != par.chosen_idx && ((par.done >> k) & 1u)) asleep |= 1u << par.cand_tid[k];
    for (int q = 0; q < kMaxThreads; ++q) {
      if (!((asleep >> q) & 1u)) continue;
      bool dep = false;
      for (int a = 0; a < par.nacc; ++a) dep = dep || dependent(par.pending[q], par.acc[a]);
      if (!dep) nd.sleep |= 1u << q;
    }
  }
  int first = -1;
  for (int k = 0; k < n; ++k)
    if (!((nd.sleep >> c[k].tid) & 1u)) {
      first = k;
      break;
    }
  if (first < 0) {
    // Every enabled thread is asleep: this execution is equivalent to one explored already.
    // It still has to run to its end (its fibers cannot simply be dropped), without adding
    // decisions or races.
    redundant_ = true;
    ++redundant_total_;
    return 0;
  }
  nd.backtrack = 1u << first;
  nd.done = 1u << first;
  // Above a split (partition.hpp): every awake candidate, so no subtree adds backtracking here.
  if (split_.fixed() && pos_ < split_.depth()) nd.backtrack |= awake_mask(nd);
  // Timeouts firing and spurious wake-ups are choices of the environment, not reorderings:
  // explore each of them (when awake).
  for (int k = 0; k < n; ++k)
    if (c[k].how != wake::normal && !((nd.sleep >> c[k].tid) & 1u)) nd.backtrack |= 1u << k;
  nd.chosen_idx = first;
  path_.push_back(nd);
  cur_event_ = static_cast<std::int32_t>(pos_++);
  return first;
}

void dpor_chooser::on_step(int tid, const access* acc, int nacc) {
  if (redundant_ || cur_event_ < 0) return;
  const std::int32_t i = cur_event_;
  node& ev = path_[static_cast<std::size_t>(i)];
  ev.tid = tid;
  ev.nacc = nacc;
  std::copy(acc, acc + nacc, ev.acc);
  std::int32_t pre[kMaxThreads];
  std::copy(std::begin(thread_clock_[tid]), std::end(thread_clock_[tid]), pre);
  std::int32_t clk[kMaxThreads];
  std::copy(pre, pre + kMaxThreads, clk);
  // See the header: a yield writes its thread's yield key; the next writing step of every
  // other thread reads the keys of the yields it answers.
  access all[2 + kMaxThreads];
  std::copy(acc, acc + nacc, all);
  int nall = nacc;
  bool is_yield = false, writes = false;
  for (int a = 0; a < nacc; ++a) {
    is_yield = is_yield || is_yield_key(acc[a].key);
    writes = writes || (acc[a].write && acc[a].key != 0 && !is_yield_key(acc[a].key));
  }
  if (writes && answer_[tid]) {
    for (int t = 0; t < kMaxThreads; ++t)
      if ((answer_[tid] >> t) & 1u)
        all[nall++] = access{kYieldKeyBase + static_cast<std::uint32_t>(t), false, access::plain};
    answer_[tid] = 0;
  }
  if (is_yield)
    for (int u = 0; u < kMaxThreads; ++u)
      if (u != tid) answer_[u] |= 1u << tid;
  for (int a = 0; a < nall; ++a) {
    if (all[a].key == 0) continue;
    object_state& o = objects_[all[a].key];
    const access::kind_t kind = all[a].kind;
    auto is_race = [&](std::int32_t j) {
      const node& ej = path_[static_cast<std::size_t>(j)];
      return ej.tid != tid && pre[ej.tid] < j;
    };
    auto consider = [&](std::int32_t j, bool may_race) {
      if (may_race && is_race(j)) race(j, i, pre);
      const node& ej = path_[static_cast<std::size_t>(j)];
      for (int t = 0; t < kMaxThreads; ++t) clk[t] = std::max(clk[t], ej.clock[t]);
    };
    // A blocking acquisition was enabled by the release before it: the reversible race is
    // with the previous acquisition (taking the lock first), which is what we record.
    if (kind == access::acquire || kind == access::try_acquire) {
      if (o.last_acquire >= 0 && is_race(o.last_acquire)) race(o.last_acquire, i, pre);
      o.last_acquire = i;
    }
    if (o.last_write >= 0)
      consider(o.last_write, kind == access::plain || kind == access::try_acquire);
    if (all[a].write) {
      for (std::int32_t j : o.reads) consider(j, kind != access::order_only);
      o.reads.clear();
      o.last_write = i;
    } else {
      o.reads.push_back(i);
    }
  }
  clk[tid] = i;
  std::copy(clk, clk + kMaxThreads, ev.clock);
  std::copy(clk, clk + kMaxThreads, thread_clock_[tid]);
  last_thread_node_ = i;
}

void dpor_chooser::race(std::int32_t j, std::int32_t i, const std::int32_t* pre_clock_i) {
  node& nj = path_[static_cast<std::size_t>(j)];
  // v = the events after j that do not happen after j, then i. Its initials are the threads
  // whose first event in v has no predecessor in v.
  std::int32_t first[kMaxThreads];
  std::fill(std::begin(first), std::end(first), -1);
  for (std::int32_t k = j + 1; k < i; ++k) {
    const node& ek = path_[static_cast<std::size_t>(k)];
    if (ek.data || ek.tid < 0) continue;
    if (ek.clock[nj.tid] >= j) continue;  // happens after j
    if (first[ek.tid] < 0) first[ek.tid] = k;
  }
  const int ti = path_[static_cast<std::size_t>(i)].tid;
  if (first[ti] < 0) first[ti] = i;
  std::uint32_t initials = 0;
  for (int p = 0; p < kMaxThreads; ++p) {
    if (first[p] < 0) continue;
    const std::int32_t f = first[p];
    const std::int32_t* cf = f == i ? pre_clock_i : path_[static_cast<std::size_t>(f)].clock;
    bool initial = true;
    for (int q = 0; q < kMaxThreads && initial; ++q)
      if (q != p && first[q] >= 0 && first[q] < f && cf[q] >= first[q]) initial = false;
    if (initial) initials |= 1u << p;
  }
  std::uint32_t explored = nj.backtrack | nj.done;
  for (int p = 0; p < kMaxThreads; ++p)
    if (((initials >> p) & 1u) && (cand_mask_of_thread(nj, p) & explored)) return;
  for (int p = 0; p < kMaxThreads; ++p)
    if (((initials >> p) & 1u) && !((nj.sleep >> p) & 1u)) {
      std::uint32_t m = cand_mask_of_thread(nj, p);
      if (m) {
        nj.backtrack |= m;
        return;
      }
    }
  if (initials & nj.sleep) return;  // an initial sleeps here: its traces are covered
  // No initial can be scheduled at j (blocked, or held back by fair scheduling): fall back to
  // every candidate that is awake.
  for (int k = 0; k < nj.n; ++k)
    if (!((nj.sleep >> nj.cand_tid[k]) & 1u)) nj.backtrack |= 1u << k;
}

std::uint32_t dpor_chooser::awake_mask(const node& nd) noexcept {
  std::uint32_t awake = 0;
  for (int k = 0; k < nd.n; ++k)
    if (!((nd.sleep >> nd.cand_tid[k]) & 1u)) awake |= 1u << k;
  return awake;
}

bool dpor_chooser::counted() {
  if (split_.active() && !split_.fixed()) {
    split_.fix(path_.size(), partition::kDporTarget, [&](std::size_t i) {
      const node& nd = path_[i];
      return nd.data ? nd.count : std::max(1, __builtin_popcount(awake_mask(nd)));
    });
    for (std::size_t i = 0; i < path_.size() && i < split_.depth(); ++i)
      if (!path_[i].data) path_[i].backtrack |= awake_mask(path_[i]);
  }
  return split_.counted(path_.size());
}

bool dpor_chooser::next() {
  reset_execution();
  path_.resize(split_.keep(path_.size()));  // a subtree of another part: left whole
  while (!path_.empty()) {
    node& last = path_.back();
    if (last.data) {
      if (last.chosen + 1 < last.count) {
        ++last.chosen;
        split_.moved_to(path_.size() - 1);
        return true;
      }
    } else {
      std::uint32_t awake = 0;
      for (int k = 0; k < last.n; ++k)
        if (!((last.sleep >> last.cand_tid[k]) & 1u)) awake |= 1u << k;
      std::uint32_t alt = last.backtrack & ~last.done & awake;
      if (alt) {
        int k = __builtin_ctz(alt);
        last.chosen_idx = k;
        last.done |= 1u << k;
        split_.moved_to(path_.size() - 1);
        return true;
      }
    }
    path_.pop_back();
  }
  return false;
}

}  // namespace lockstep::rt

namespace lockstep::rt {

double dpor_chooser::path_estimate() const noexcept {
  double e = 1;
  for (const node& nd : path_) {
    if (nd.data)
      e *= nd.count;
    else
      e *= std::max(1, __builtin_popcount(nd.backtrack | nd.done));
  }
  return e;
}

// One node per line: "d chosen count" or
// "t n chosen_idx backtrack done sleep  tid:how ...  key:write:kind x16".
std::string dpor_chooser::save() const {
  std::string s;
  for (const node& nd : path_) {
    if (nd.data) {
      s += "d " + std::to_string(nd.chosen) + " " + std::to_string(nd.count) + "\n";
      continue;
    }
    s += "t " + std::to_string(nd.n) + " " + std::to_string(nd.chosen_idx) + " " +
         std::to_string(nd.backtrack) + " " + std::to_string(nd.done) + " " +
         std::to_string(nd.sleep);
    for (int k = 0; k < nd.n; ++k)
      s += " " + std::to_string(nd.cand_tid[k]) + ":" + std::to_string(int(nd.cand_how[k]));
    for (const access& a : nd.pending)
      s += " " + std::to_string(a.key) + ":" + std::to_string(int(a.write)) + ":" +
           std::to_string(int(a.kind));
    s += "\n";
  }
  return s;
}

bool dpor_chooser::load(const std::string& text) {
  path_.clear();
  reset_execution();
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t eol = text.find('\n', i);
    if (eol == std::string::npos) return false;
    std::string line = text.substr(i, eol - i);
    i = eol + 1;
    node nd;
    const char* p = line.c_str();
    int used = 0;
    if (line[0] == 'd') {
      unsigned c, n;
      if (std::sscanf(p, "d %u %u", &c, &n) != 2 || c >= n) return false;
      nd.data = true;
      nd.chosen = static_cast<std::uint16_t>(c);
      nd.count = static_cast<std::uint16_t>(n);
    } else {
      unsigned n, ci, bt, dn, sl;
      if (std::sscanf(p, "t %u %u %u %u %u%n", &n, &ci, &bt, &dn, &sl, &used) != 5 ||
          n > kMaxCand || ci >= n)
        return false;
      nd.n = static_cast<std::uint8_t>(n);
      nd.chosen_idx = static_cast<int>(ci);
      nd.backtrack = bt;
      nd.done = dn;
      nd.sleep = sl;
      p += used;
      for (unsigned k = 0; k < n; ++k) {
        int tid, how;
        if (std::sscanf(p, " %d:%d%n", &tid, &how, &used) != 2 || tid < 0 || tid >= kMaxThreads ||
            how < 0 || how > 2)
          return false;
        nd.cand_tid[k] = static_cast<std::uint8_t>(tid);
        nd.cand_how[k] = static_cast<wake>(how);
        p += used;
      }
      for (auto& a : nd.pending) {
        unsigned key;
        int w, kind;
        if (std::sscanf(p, " %u:%d:%d%n", &key, &w, &kind, &used) != 3 || kind < 0 || kind > 3)
          return false;
        a = access{key, w != 0, static_cast<access::kind_t>(kind)};
        p += used;
      }
    }
    path_.push_back(nd);
  }
  return !path_.empty();
}

}  // namespace lockstep::rt
