// Minimising a failing execution: ICB-style search for fewer preemptions, then ddmin of the
// choice sequence, every candidate a (lenient) replay. See minimize.hpp.
#include "minimize.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "escape.hpp"
#include "graph/replay.hpp"
#include "stack_pool.hpp"
#include "strategies.hpp"

namespace lockstep::rt {
namespace {

// The interleaving engine's lenient replay: like graph::replay_engine's lenient mode, a
// missing or out-of-range choice takes the default (the previous step's thread if it can go
// on, else the first candidate; 0 for data choices). The execution records what was taken.
class lenient_chooser final : public chooser {
 public:
  explicit lenient_chooser(std::vector<std::uint16_t> c) : c_(std::move(c)) {}
  bool per_step() const noexcept override { return true; }  // to see the candidates' threads
  int pick_step(const step_candidate* c, int n, const access*) override {
    int k = 0;
    if (n > 1) {
      int stay = 0;
      for (int i = 0; i < n; ++i)
        if (c[i].tid == last_ && c[i].how == wake::normal) stay = i;
      k = next(n, stay);
    }
    last_ = c[k].tid;
    return k;
  }
  int pick(int n) override { return next(n, 0); }

 private:
  int next(int n, int fallback) {
    const int v = pos_ < c_.size() ? c_[pos_] : n;
    ++pos_;
    return v < n ? v : fallback;
  }
  std::vector<std::uint16_t> c_;
  std::size_t pos_ = 0;
  int last_ = -1;
};

// One minimisation: the token's family, the budget, and the best execution so far.
class minimizer {
 public:
  minimizer(const token& original, const min_run& orig, const execution_config& cfg,
            const min_runner& run, std::uint64_t budget)
      : orig_(orig), run_(run), budget_(budget), graph_(original.strategy == "graph") {
    tok_ = original;
    if (!graph_)
      bound_ = original.strategy.rfind("pb", 0) == 0 ? std::stoi(original.strategy.substr(2)) : -1;
    cfg_ = cfg;
    c11_ = cfg.weak_memory;
    cfg_.trace = false;
    cfg_.locks = nullptr;
    cfg_.max_steps = original.max_steps;
    cfg_.spurious_wakeups = original.spurious;
    best_ = orig;
    best_.choices = original.choices;
  }

  min_result run() {
    icb();
    if (!spent()) consider(lenient({}));  // the non-preemptive schedule
    ddmin();
    min_result r;
    r.reduced = reduced_;
    r.tok = tok_;
    if (reduced_) {
      r.tok.strategy = graph_ ? "graph" : bound_ >= 0 ? "pb" + std::to_string(bound_) : "dfs";
      r.tok.seed = 0;
      r.tok.choices = best_.choices;
    }
    r.steps = best_.steps;
    r.preemptions = best_.preemptions;
    r.executions = used_;
    r.budget_spent = spent();
    return r;
  }

 private:
  bool spent() const noexcept { return used_ >= budget_; }

  void set_context(const std::string& strategy) {
    token t = tok_;
    t.strategy = strategy;
    set_escape_context(t.test, prefix_of(t));
  }

  // Fewer preemptions or steps, more of neither, the same failure.
  bool better(const min_run& r) const noexcept {
    return same_failure(r.fail, orig_.fail) && r.preemptions <= best_.preemptions &&
           r.steps <= best_.steps && (r.preemptions < best_.preemptions || r.steps < best_.steps);
  }
  bool consider(const min_run& r) {
    if (!better(r)) return false;
    best_ = r;
    reduced_ = true;
    return true;
  }

  // A lenient replay of `wish` in the token's family; its choices are a strict token. Graph
  // tokens: `info` (if given) receives what each choice was made among.
  min_run lenient(std::vector<std::uint16_t> wish,
                  std::vector<graph::replay_engine::choice_info>* info = nullptr) {
    ++used_;
    execution_config c = cfg_;
    if (graph_) {
      c.weak_memory = false;  // the graph replay models memory itself
      c.preemption_bound = -1;
      set_context("graph");
      graph::replay_engine ch(c11_ ? graph::model::rc11 : graph::model::sc, std::move(wish),
                              tok_.spurious, graph::replay_engine::lenient_t{});
      min_run r = run_(ch, c);
      r.choices = ch.taken();
      if (info) *info = ch.taken_info();
      return r;
    }
    c.preemption_bound = bound_;
    set_context(bound_ >= 0 ? "pb" + std::to_string(bound_) : "dfs");
    lenient_chooser ch(std::move(wish));
    return run_(ch, c);
  }

  // Interleaving tokens: all schedules with k = 0, 1, ... preemptions below the original's,
  // until one fails the same way with no more steps (its bound becomes the family's).
  void icb() {
    if (graph_) return icb_graph();
    const int limit = bound_ >= 0 ? std::min(bound_, orig_.preemptions) : orig_.preemptions;
    for (int k = 0; k < limit && !spent(); ++k) {
      execution_config c = cfg_;
      c.preemption_bound = k;
      set_context("pb" + std::to_string(k));
      dfs_chooser dfs;
      for (;;) {
        ++used_;
        min_run r = run_(dfs, c);
        if (dfs.error.empty() && same_failure(r.fail, orig_.fail) && r.steps <= best_.steps) {
          best_ = r;
          reduced_ = true;
          bound_ = k;
          return;
        }
        if (spent() || !dfs.next()) break;
      }
    }
  }

  // Graph tokens: the same search over the token's own choices, as a depth-first search of
  // lenient replays. At each choice the default comes first (for a scheduling choice: the
  // previous step's thread goes on), then the other alternatives in order; an alternative to
  // staying is a preemption, taken only while fewer than k were taken before it.
  void icb_graph() {
    for (int k = 0; k < orig_.preemptions && !spent(); ++k) {
      std::vector<std::uint16_t> wish;
      std::vector<std::uint16_t> tried;  // per choice: how many of its alternatives were taken
      for (;;) {
        std::vector<graph::replay_engine::choice_info> info;
        min_run r = lenient(wish, &info);
        if (consider(r)) return;
        const std::size_t old = wish.size();
        tried.resize(r.choices.size(), 0);
        for (std::size_t i = old; i < tried.size(); ++i) tried[i] = 0;  // new: default taken
        // Backtrack to the deepest choice with an alternative the bound allows.
        std::size_t i = r.choices.size();
        int v = -1;
        while (i > 0 && v < 0) {
          --i;
          int before = 0;  // preemptions taken before choice i
          for (std::size_t p = 0; p < i; ++p)
            before += info[p].stay && r.choices[p] != info[p].fallback;
          const auto& ci = info[i];
          if (tried[i] + 1 >= ci.n || (ci.stay && before >= k)) continue;
          const int j = ++tried[i];  // the j-th alternative after the default
          v = j - 1 < ci.fallback ? j - 1 : j;
        }
        if (v < 0 || spent()) break;  // all schedules with k preemptions tried
        wish.assign(r.choices.begin(), r.choices.begin() + static_cast<std::ptrdiff_t>(i));
        wish.push_back(static_cast<std::uint16_t>(v));
        tried.resize(i + 1);
      }
    }
  }

  // ddmin over best_.choices: remove one of n chunks; on success keep the result, else refine.
  void ddmin() {
    std::size_t n = 2;
    while (!best_.choices.empty() && !spent()) {
      const std::vector<std::uint16_t> s = best_.choices;
      const std::size_t chunk = (s.size() + n - 1) / n;
      bool progressed = false;
      for (std::size_t start = 0; start < s.size() && !spent(); start += chunk) {
        std::vector<std::uint16_t> wish(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(start));
        wish.insert(wish.end(),
                    s.begin() + static_cast<std::ptrdiff_t>(std::min(start + chunk, s.size())),
                    s.end());
        if (consider(lenient(std::move(wish)))) {
          progressed = true;
          n = std::max<std::size_t>(n - 1, 2);
          break;
        }
      }
      if (progressed) continue;
      if (n >= s.size()) break;
      n = std::min(n * 2, s.size());
    }
  }

  min_run orig_;
  const min_runner& run_;
  std::uint64_t budget_;
  bool graph_;
  bool c11_ = false;
  int bound_ = -1;  // interleaving tokens: the preemption bound of the family's tokens
  token tok_;
  execution_config cfg_;
  min_run best_;
  bool reduced_ = false;
  std::uint64_t used_ = 0;
};

}  // namespace

bool same_failure(const failure& a, const failure& b) noexcept {
  const auto same_file = [](const char* x, const char* y) {
    return x == y || (x && y && std::strcmp(x, y) == 0);
  };
  return a.kind == b.kind && a.message == b.message && a.where.line == b.where.line &&
         same_file(a.where.file, b.where.file);
}

bool minimizable(failure_kind k) noexcept {
  return k != failure_kind::none && k != failure_kind::livelock &&
         k != failure_kind::stack_overflow;
}

min_result minimize(const token& original, const min_run& orig, const execution_config& cfg,
                    const min_runner& run, std::uint64_t budget) {
  return minimizer(original, orig, cfg, run, budget).run();
}

}  // namespace lockstep::rt
