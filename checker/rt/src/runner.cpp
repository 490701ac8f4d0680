// The runner behind LOCKSTEP_TEST: runs a test's plan (exhaustive, random, or a replay),
// replays every failure it finds to confirm it and to print the trace.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "dpor.hpp"
#include "escape.hpp"
#include "execution.hpp"
#include "graph/replay.hpp"
#include "graph/trust.hpp"
#include "liveness.hpp"
#include "lock_graph.hpp"
#include "lockstep/check.hpp"
#include "minimize.hpp"
#include "parallel.hpp"
#include "partition.hpp"
#include "spin_report.hpp"
#include "stack_pool.hpp"
#include "strategies.hpp"
#include "structured_trace.hpp"
#include "token.hpp"

namespace lockstep {

namespace {

using clk = std::chrono::steady_clock;

rt::stack_pool& pool() {
  static rt::stack_pool p;
  return p;
}

struct one_result {
  rt::failure fail;
  std::uint64_t steps = 0;
  int preemptions = 0;
  bool blocked = false;  // cut by lockstep::assume
  std::vector<std::uint16_t> choices;
  std::vector<rt::trace_event> trace;
};

// FNV-1a of a choice sequence.
std::uint64_t hash_of(const std::vector<std::uint16_t>& choices) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (std::uint16_t c : choices) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A failed LOCKSTEP_ASSERT in a simulated thread fails its execution. Installed on the
// thread that runs executions once per search (not around each execution): outside a
// simulated thread's step it does nothing and the assertion throws as without it.
void install_assert_hook() noexcept {
  detail::set_assert_hook([](const std::string& msg, source_loc where) {
    if (auto* ex = rt::execution::active(); ex && ex->current_id() >= 0)
      ex->fail(failure_kind::assertion, msg, where);
  });
}

// Runs one execution in `e` (with the settings of its last prepare: once per search) into r,
// reusing the storage of e and of r.choices (no allocation per execution once warm). The
// assert hook is installed (install_assert_hook).
void run_into(const test_info& t, rt::execution& e, one_result& r) {
  e.run(t.body);
  // (r.fail is a default failure whenever its kind is none: it is only ever assigned a
  // failure taken from an execution that failed, or {}.)
  if (e.result().kind != failure_kind::none)
    r.fail = e.take_result();
  else if (r.fail.kind != failure_kind::none)
    r.fail = {};
  r.steps = e.steps();
  r.preemptions = e.preemptions();
  r.blocked = e.blocked();
  e.swap_choices(r.choices);
  if (e.config().trace) {
    r.trace = e.trace();
    rt::drop_incidental_accesses(r.trace, r.fail);
    rt::number_pointers(r.trace);
  } else {
    r.trace.clear();
  }
}

one_result run_one(const test_info& t, const rt::execution_config& cfg, rt::chooser& ch) {
  one_result r;
  rt::execution e(pool());
  e.prepare(cfg, ch);
  install_assert_hook();
  run_into(t, e, r);
  return r;
}

std::string format_trace(const std::vector<rt::trace_event>& tr, std::size_t max_events) {
  std::ostringstream os;
  std::size_t first = tr.size() > max_events ? tr.size() - max_events : 0;
  const auto accesses = static_cast<std::size_t>(
      std::count_if(tr.begin(), tr.end(), [](const rt::trace_event& e) { return e.within_step; }));
  os << "trace (" << tr.size() - accesses << " steps";
  if (accesses) os << " and " << accesses << " var accesses";
  os << "; one column of indentation per thread):\n";
  if (first) os << "  ... " << first << " earlier events omitted (--replay prints all)\n";
  char buf[64];
  std::vector<std::string> named;  // objects whose creation site was already printed
  for (std::size_t i = first; i < tr.size(); ++i) {
    const auto& e = tr[i];
    std::string what = std::string(rt::to_string(e.kind));
    if (e.order >= 0) what += std::string("(") + rt::order_name(e.order) + ")";
    if (!e.object.empty()) {
      what += " " + e.object;
      if (std::find(named.begin(), named.end(), e.object) == named.end()) {
        named.push_back(e.object);
        if (e.obj_created.file)
          what += std::string(e.within_step ? " (declared at " : " (created at ") +
                  to_string(e.obj_created) + ")";
      }
    }
    if (e.how == rt::wake::timeout) what += " [timeout fires]";
    if (e.how == rt::wake::spurious) what += " [spurious wake-up]";
    if (!e.note.empty()) what += " -> " + e.note;
    // A var access belongs to its thread's step above it: no step number of its own.
    if (e.within_step)
      std::snprintf(buf, sizeof buf, "         ");
    else
      std::snprintf(buf, sizeof buf, "  %5llu  ", static_cast<unsigned long long>(e.step));
    std::string line = buf + std::string(static_cast<std::size_t>(e.tid) * 4, ' ') + "T" +
                       std::to_string(e.tid) + " " + what;
    if (e.loc.file) {
      if (line.size() < 72) line.append(72 - line.size(), ' ');
      line += "  " + to_string(e.loc);
    }
    os << line;
    os << "\n";
  }
  // Thread by thread: which steps each thread took.
  int max_tid = -1;
  for (const auto& e : tr) max_tid = std::max(max_tid, e.tid);
  os << "per thread:\n";
  for (int t = 0; t <= max_tid; ++t) {
    os << "  T" << t << ":";
    std::size_t shown = 0, total = 0;
    for (std::size_t i = 0; i < tr.size(); ++i)
      if (tr[i].tid == t && !tr[i].within_step) {
        ++total;
        if (i >= first && shown < 40) {
          os << " " << tr[i].step << ":" << rt::to_string(tr[i].kind);
          ++shown;
        }
      }
    if (total > shown) os << " ... (" << total << " steps in all)";
    os << "\n";
  }
  return os.str();
}

std::string describe_failure(const rt::failure& f) {
  std::string s = std::string(to_string(f.kind)) + ": " + f.message + f.detail;
  if (f.tid >= 0) s += "\n  in thread " + std::to_string(f.tid) + " at " + to_string(f.where);
  return s;
}

enum class strategy_kind { exhaustive, icb, random, pct };
struct mode_plan {
  const char* name;
  strategy_kind kind;
};

// Why a replay chooser's token does not fit the execution it replayed (its schedule too short
// or too long for it), or an empty string.
template <class Replayer>
std::string misfit_of(const Replayer& ch) {
  if (!ch.error.empty()) return ch.error;
  if (ch.unused() > 0)
    return "the replay token has " + std::to_string(ch.unused()) +
           " more schedule choices than the execution made (" + std::to_string(ch.used()) +
           "): token from different code, or edited?";
  return {};
}

// A traced livelock says what each thread was doing when the step bound was hit.
void explain(one_result& r) {
  if (r.fail.kind == failure_kind::livelock) r.fail.detail += "\n" + rt::describe_spins(r.trace);
  if (!r.fail.detail.empty() && r.fail.detail.back() == '\n') r.fail.detail.pop_back();
}

// Re-runs the execution of `tok` with tracing on. Returns why the token does not fit the test
// (misfit_of), or an empty string.
std::string replay_report(const test_info& t, const rt::execution_config& cfg, const rt::token& tok,
                          one_result& rerun) {
  rt::execution_config c = cfg;
  c.max_steps = tok.max_steps;
  c.spurious_wakeups = tok.spurious;
  c.preemption_bound = -1;
  if (tok.strategy.rfind("pb", 0) == 0) c.preemption_bound = std::stoi(tok.strategy.substr(2));
  c.trace = true;
  rt::set_escape_context(t.name, rt::prefix_of(tok));
  if (tok.strategy == "graph") {
    // The graph engine's token: schedule plus (C++11 model) reads-from and co choices.
    c.weak_memory = false;
    rt::graph::replay_engine ch(cfg.weak_memory ? rt::graph::model::rc11 : rt::graph::model::sc,
                                tok.choices, tok.spurious);
    rerun = run_one(t, c, ch);
    explain(rerun);
    return misfit_of(ch);
  }
  rt::replay_chooser ch(tok.choices);
  rerun = run_one(t, c, ch);
  explain(rerun);
  return misfit_of(ch);
}

// Minimises a confirmed failure (minimize.hpp) within a budget tied to the `spent` executions
// that found it. When a smaller execution fails the same way, `tok`, `found` and `rerun` (the
// traced replay) become its own and the row keeps the original token; returns the report's
// line about it (empty when nothing smaller was found).
std::string minimize_failure(const test_info& t, const rt::execution_config& cfg,
                             std::uint64_t spent, rt::token& tok, one_result& found,
                             one_result& rerun, run_row& row) {
  if (!rt::minimizable(found.fail.kind)) return {};
  const rt::min_run orig{found.fail, rerun.steps, rerun.preemptions, tok.choices};
  const rt::min_runner run = [&](rt::chooser& ch, const rt::execution_config& c) {
    one_result r = run_one(t, c, ch);
    return rt::min_run{r.fail, r.steps, r.preemptions, std::move(r.choices)};
  };
  const rt::min_result m =
      rt::minimize(tok, orig, cfg, run, std::min(rt::kMinimizeBudget, spent + rt::kMinimizeBase));
  minimization_report& mr = row.minimized;
  mr.attempted = true;
  mr.original_token = row.token;
  mr.original_steps = mr.steps = orig.steps;
  mr.original_preemptions = mr.preemptions = static_cast<std::uint64_t>(orig.preemptions);
  mr.executions = m.executions;
  mr.budget_spent = m.budget_spent;
  // Traced replays are compared with traced replays (tracing may describe a failure better
  // than the untraced runs the minimiser compares among themselves).
  one_result again;
  if (!m.reduced || !replay_report(t, cfg, m.tok, again).empty() ||
      !rt::same_failure(again.fail, rerun.fail))
    return {};  // (a strict replay of a lenient candidate is that candidate: kept for safety)
  tok = m.tok;
  found.fail = again.fail;
  found.choices = tok.choices;
  rerun = std::move(again);
  row.token = rt::encode(tok);
  mr.reduced = true;
  mr.steps = rerun.steps;
  mr.preemptions = static_cast<std::uint64_t>(rerun.preemptions);
  return "minimised from " + std::to_string(mr.original_preemptions) + " preemptions and " +
         std::to_string(mr.original_steps) + " steps to " + std::to_string(mr.preemptions) +
         " and " + std::to_string(mr.steps) + " (" + std::to_string(mr.executions) +
         " executions; --no-minimize: off); as first found: --replay=" + mr.original_token + "\n";
}

bool read_file(const std::string& path, std::string& out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[4096];
  std::size_t k;
  out.clear();
  while ((k = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, k);
  std::fclose(f);
  return true;
}

bool write_file(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

// After an exhaustive search ran out of max_executions: finds the largest preemption bound
// below `below` whose (preemption-bounded DFS) search completes within `cap` executions,
// trying 0, 1, 2, ... in turn (the searches grow with the bound: this costs about one or two
// more runs of `cap` executions), and says how to use it. A livelock does not stop the probe:
// whether it fails the test is for the probability-1 termination rule of the real run.
std::string suggest_bound(const test_info& t, const rt::execution_config& cfg, std::uint64_t cap,
                          int below) {
  int best = -1;
  std::uint64_t best_n = 0;
  for (int k = 0; k < below; ++k) {
    rt::execution_config c = cfg;
    c.preemption_bound = k;
    rt::token tok;  // for the report of a fiber stack overflow
    tok.test = t.name;
    tok.strategy = "pb" + std::to_string(k);
    tok.max_steps = cfg.max_steps;
    tok.spurious = cfg.spurious_wakeups;
    rt::set_escape_context(t.name, rt::prefix_of(tok));
    rt::dfs_chooser dfs;
    std::uint64_t n = 0;
    bool complete = false;
    for (;;) {
      one_result r = run_one(t, c, dfs);
      ++n;
      if (r.fail.kind != failure_kind::none && r.fail.kind != failure_kind::livelock)
        return std::string("with --preemption-bound=") + std::to_string(k) + " the search finds " +
               to_string(r.fail.kind) + " after " + std::to_string(n) +
               " executions: run that to see it";
      if (!dfs.next()) {
        complete = true;
        break;
      }
      if (n >= cap) break;
    }
    if (!complete) break;
    best = k;
    best_n = n;
  }
  if (best < 0)
    return "not even the schedules without preemptions fit in " + std::to_string(cap) +
           " executions: raise .max_executions, or use --mode=random";
  return "a preemption bound of " + std::to_string(best) + " completes in " +
         std::to_string(best_n) + " executions: try .preemption_bound = " + std::to_string(best) +
         " in the test's options, or --preemption-bound=" + std::to_string(best) +
         " (or raise .max_executions)";
}

// The workers of a mode (--jobs, model_test_options::jobs; parallel.hpp). By default the
// number of cores, except where a split is not the same search or cannot be continued: DPOR
// (split, it explores the levels above the split unreduced: partition.hpp), icb, --budget,
// --frontier/--resume, check_optimality.
int jobs_for(const model_test_options& opts, const run_config& rc, const mode_plan& m, bool dpor) {
  const int asked = rc.jobs > 0 ? rc.jobs : opts.jobs;
  if (m.kind == strategy_kind::icb || rc.budget_executions || rc.budget_seconds > 0 ||
      !rc.frontier_path.empty() || !rc.resume_path.empty() || opts.check_optimality)
    return 1;
  if (asked > 0) return asked;
  return dpor ? 1 : rt::hardware_jobs();
}

run_row run_one_mode(const test_info& t, const model_test_options& opts, const run_config& rc,
                     const rt::execution_config& cfg, const mode_plan& m) {
  const bool strict = rc.strict_liveness >= 0 ? rc.strict_liveness == 1 : opts.strict_liveness;
  install_assert_hook();  // for every execution of the mode
  run_row row;
  row.mode = m.name;
  auto t0 = clk::now();
  auto last_progress = t0;
  one_result found;
  rt::token tok;
  tok.test = t.name;
  tok.max_steps = cfg.max_steps;
  tok.spurious = cfg.spurious_wakeups;
  bool incomplete = false;     // the exploration stopped before it was complete
  bool asked = false;          // ... because of --budget (else: the test's max_executions)
  bool frontier_lost = false;  // --frontier given, but the file could not be written
  std::string stop_reason;
  std::uint64_t redundant = 0;  // DPOR: sleep-set-blocked executions among the n
  std::uint64_t n = 0;
  double estimate_sum = 0;  // Knuth estimator of the exhaustive search size
  std::string note;
  std::unique_ptr<rt::worker_pool> workers;  // --jobs (below)
  // --resume / --frontier of exhaustive mode. A frontier file is a header naming the test and
  // the strategy, then that strategy's own text (dfs/dpor: the choice stack; graph: the state
  // stack, graph/frontier.cpp). resume_from is false (the row says why) when --resume names
  // no loadable frontier; save_to writes body() when --frontier was given.
  auto frontier_header = [&] {
    return "lockstep-frontier 1 " + t.name + " " + tok.strategy + "\n";
  };
  auto resume_from = [&](auto&& load) {
    if (rc.resume_path.empty()) return true;
    const std::string header = frontier_header();
    std::string text;
    if (!read_file(rc.resume_path, text) || text.rfind(header, 0) != 0 ||
        !load(text.substr(header.size()))) {
      row.verdict = "FAIL: bad frontier";
      row.detail = "cannot resume from '" + rc.resume_path + "': missing, not a frontier of " +
                   "this test and strategy (" + tok.strategy + ") in this binary, or corrupt";
      return false;
    }
    note = "resumed from " + rc.resume_path + "\n";
    return true;
  };
  auto save_to = [&](auto&& body) {
    if (rc.frontier_path.empty()) return;
    if (write_file(rc.frontier_path, frontier_header() + body())) {
      note += "frontier saved to " + rc.frontier_path +
              " (continue with --resume=" + rc.frontier_path + ")\n";
    } else {
      frontier_lost = true;
      note += "could not write the frontier to " + rc.frontier_path + "\n";
    }
  };
  auto elapsed = [&] { return std::chrono::duration<double>(clk::now() - t0).count(); };
  auto estimate = [&] { return n ? estimate_sum / static_cast<double>(n) : 0.0; };
  auto progress = [&] {
    if (!rc.progress || (workers && workers->worker() != 0)) return;
    auto now = clk::now();
    if (now - last_progress > std::chrono::seconds(5)) {
      last_progress = now;
      if (estimate() > 0)
        std::fprintf(stderr, "[%s] %s: %llu executions (estimated search size ~%.3g), %.0f s\n",
                     t.name.c_str(), m.name, static_cast<unsigned long long>(n), estimate(),
                     elapsed());
      else
        std::fprintf(stderr, "[%s] %s: %llu executions, %.0f s\n", t.name.c_str(), m.name,
                     static_cast<unsigned long long>(n), elapsed());
    }
  };
  // --budget: per mode, in executions or seconds.
  auto over_budget = [&] {
    if (rc.budget_executions && n >= rc.budget_executions) return true;
    if (rc.budget_seconds > 0 && (n & 63) == 0 && elapsed() >= rc.budget_seconds) return true;
    return false;
  };
  rt::execution_config mcfg = cfg;
  rt::lock_graph graph;
  mcfg.locks = &graph;
  // Edges first seen in an execution are stamped with its token (for the report).
  auto stamp = [&](const one_result& r) {
    if (!graph.has_fresh()) return;
    rt::token et = tok;
    et.choices = r.choices;
    graph.stamp(rt::encode(et));
  };
  const bool debug = std::getenv("LOCKSTEP_DEBUG_EXPLORE") != nullptr;
  // LOCKSTEP_DEBUG_UNITS=1: the unit (partition.hpp) of every counted execution, for the
  // simulation of more workers from the sizes of the parts (BENCHMARKS.md).
  const bool debug_units = std::getenv("LOCKSTEP_DEBUG_UNITS") != nullptr;
  // --jobs: workers explore in parallel when the search is big (parallel.hpp). Not for DPOR
  // unless asked for (its split search differs from its unsplit one: partition.hpp), nor for
  // what continues across runs (--budget, --frontier, --resume) or compares every graph with
  // every other (check_optimality).
  // Exhaustive mode's preemption bound: --preemption-bound, else the test's own.
  const int bound = rc.preemption_bound >= 0 ? rc.preemption_bound : opts.preemption_bound;
  const bool use_graph = m.kind == strategy_kind::exhaustive && bound < 0 &&
                         (rc.engine >= 0 ? rc.engine == 1 : opts.engine == engine::graph);
  const bool use_dpor = (rc.dpor >= 0 ? rc.dpor == 1 : opts.dpor) && bound < 0;
  const int jobs =
      jobs_for(opts, rc, m, m.kind == strategy_kind::exhaustive && !use_graph && use_dpor);
  std::map<std::uint64_t, rt::unit_stats> units;  // --jobs: per unit (partition.hpp)
  std::uint64_t unit = 0;                         // of the execution just counted
  std::uint64_t found_unit = 0;
  // Random mode's units are its iterations; their stats are kept per 1024 of them.
  auto stats_key = [&](std::uint64_t key) {
    return m.kind == strategy_kind::random || m.kind == strategy_kind::pct ? key >> 10 : key;
  };
  std::function<rt::unit_stats&()> unit_of_this;
  if (jobs > 1) unit_of_this = [&]() -> rt::unit_stats& { return units[stats_key(unit)]; };
  // The probability-1 termination rule (liveness.hpp): a livelock whose cycle has a way out
  // is cut and counted unless the test (or --strict-liveness) asks for strict liveness.
  std::uint64_t adversarial = 0;
  std::string adversarial_token;
  auto only_adversarial = [&](const one_result& r) {
    if (strict || r.fail.kind != failure_kind::livelock) return false;
    rt::execution_config c = mcfg;
    c.locks = nullptr;
    c.max_steps = 2 * cfg.max_steps;
    const bool graph_token = tok.strategy == "graph";
    auto run_tail = [&](std::uint64_t seed) {
      if (graph_token) {
        rt::graph::replay_engine ch(cfg.weak_memory ? rt::graph::model::rc11 : rt::graph::model::sc,
                                    r.choices, cfg.spurious_wakeups, seed);
        return run_one(t, c, ch).fail.kind;
      }
      rt::replay_chooser ch(r.choices, seed);
      return run_one(t, c, ch).fail.kind;
    };
    // The probes' seed comes from the execution itself, not from how many came before it:
    // the same in a single run, a shard and a --jobs worker.
    if (!rt::cycle_has_way_out(run_tail, opts.seed + hash_of(r.choices))) return false;
    rt::token et = tok;
    et.choices = r.choices;
    if (adversarial++ == 0) adversarial_token = rt::encode(et);
    if (unit_of_this) {
      rt::unit_stats& u = unit_of_this();
      if (u.adversarial++ == 0) u.adversarial_token = rt::encode(et);
    }
    return true;
  };
  // Split exploration (--shard): this process explores part shard_index of shard_count.
  const rt::partition shard =
      rc.shard_count ? rt::partition(rc.shard_index, rc.shard_count) : rt::partition();
  // --jobs (parallel.hpp): worker processes share the search; `part` is this process's.
  if (jobs > 1) workers = std::make_unique<rt::worker_pool>(jobs, rc.shard_index, rc.shard_count);
  const rt::partition& part = workers ? workers->part() : shard;
  std::uint64_t total = 0;  // --jobs: counted executions of all workers
  bool counted_last = false;
  // --jobs: once the search has run kForkAfter executions, the other workers start from here;
  // each gives up the subtree this process is in (leave) and starts its own bookkeeping.
  auto maybe_fork = [&](auto&& leave) {
    if (!workers || workers->forked() || n < rt::worker_pool::kForkAfter) return;
    if (workers->fork_workers() == 0) return;
    leave();
    units.clear();
    n = 0;
    adversarial = 0;
    adversarial_token.clear();
  };
  // Books one counted execution of unit `key` (--jobs); false if the worker must stop there.
  auto book = [&](std::uint64_t key) {
    unit = key;
    if (!workers) return true;
    if (key > workers->stop_key()) return false;
    ++units[stats_key(key)].n;
    total = workers->add_execution();
    if (debug_units) std::fprintf(stderr, "unit %llu\n", static_cast<unsigned long long>(key));
    return true;
  };
  // Runs one execution; returns false when the mode must stop (failure found). mine(): whether
  // the execution is this part's (else it is neither counted nor reported); it sets `unit`.
  // execute()'s and the graph engine loop's: its storage is reused from one execution to the
  // next.
  one_result scratch;
  rt::execution exec(pool());  // runs every execution of the loops below
  auto execute = [&](auto&& mine) {
    one_result& r = scratch;
    run_into(t, exec, r);
    counted_last = mine();
    if (!counted_last) return !(workers && unit > workers->stop_key());
    if (!book(unit)) return false;
    ++n;
    stamp(r);
    if (debug) {
      rt::token et = tok;
      et.choices = r.choices;
      std::fprintf(stderr, "execution %llu: %s\n", static_cast<unsigned long long>(n),
                   rt::encode(et).c_str());
    }
    if (r.fail.kind == failure_kind::deadlock && opts.on_deadlock) {
      opts.on_deadlock(
          opts.on_deadlock_context);  // a cross-check collects it (model_test_options::on_deadlock)
      r.fail = {};
    }
    if (r.fail.kind != failure_kind::none && !only_adversarial(r)) {
      found = std::move(r);
      found_unit = unit;
      if (workers) workers->found_failure(unit);
      return false;
    }
    if ((n & 255) == 0) progress();
    return true;
  };

  std::uint64_t blocked = 0, moot = 0, duplicates = 0;
  if (use_graph) {
    // One execution per consistent execution graph (checker/rt/src/graph/trust.hpp).
    tok.strategy = "graph";
    rt::set_escape_context(t.name, rt::prefix_of(tok));
    rt::graph::trust_engine ge(cfg.weak_memory ? rt::graph::model::rc11 : rt::graph::model::sc,
                               opts.stale_spins, opts.prune_loops, opts.spurious_wakeups);
    if (part.split()) ge.set_partition(&part);
    if (strict) ge.set_strict_liveness(cfg.max_steps);
    mcfg.weak_memory = false;  // values come from the graph
    std::set<std::string> seen;
    // Strict liveness: the rounds the execution repeated, replayed over and over (trust.hpp);
    // a replay that runs into the step bound is the livelock found. Each candidate once (by
    // its hash: the candidates are as long as the step bound).
    std::unordered_set<std::uint64_t> tried;
    auto repeated_round = [&](one_result& r) {
      for (const auto& cand : ge.livelock_candidates()) {
        if (!tried.insert(hash_of(cand)).second) continue;
        rt::execution_config c = mcfg;
        c.locks = nullptr;
        rt::graph::replay_engine ch(cfg.weak_memory ? rt::graph::model::rc11 : rt::graph::model::sc,
                                    cand, cfg.spurious_wakeups);
        one_result rr = run_one(t, c, ch);
        if (debug)
          std::fprintf(stderr, "repeated round of %zu choices: %s\n", cand.size(),
                       to_string(rr.fail.kind));
        if (rr.fail.kind == failure_kind::livelock && ch.error.empty()) {
          r = std::move(rr);
          return;
        }
      }
    };
    if (!resume_from([&](const std::string& text) { return ge.load_frontier(text); })) return row;
    exec.prepare(mcfg, ge);
    for (;;) {
      one_result& r = scratch;
      run_into(t, exec, r);
      unit = ge.unit();
      if (workers && unit > workers->stop_key()) break;  // past a failure another worker found
      if (!ge.counted()) {  // the shared prefix, another part's execution
        if (!ge.next()) break;
        continue;
      }
      if (r.blocked) ge.mark_blocked();
      if (r.fail.kind == failure_kind::deadlock && opts.on_deadlock && !ge.moot()) {
        opts.on_deadlock(opts.on_deadlock_context);  // a cross-check collects it
                                                     // (model_test_options::on_deadlock)
        r.fail = {};
      }
      if (strict && !ge.moot() && r.fail.kind == failure_kind::none) repeated_round(r);
      if (r.fail.kind != failure_kind::none && !ge.moot() && only_adversarial(r)) {
        r.fail = {};
        ge.mark_blocked();
      }
      if (!ge.moot()) {  // a springboard graph is not an execution of the program
        book(unit);
        if (workers && ge.blocked()) ++units[unit].blocked;
        ++n;
        stamp(r);
        if (debug) {
          rt::token et = tok;
          et.choices = r.choices;
          std::fprintf(stderr, "execution %llu: %s\n", static_cast<unsigned long long>(n),
                       rt::encode(et).c_str());
        }
        if (opts.check_optimality && !ge.blocked() && !seen.insert(ge.signature()).second) {
          ++duplicates;
          if (debug) std::fprintf(stderr, "graph explored twice: %s\n", ge.signature().c_str());
        }
        if (r.fail.kind != failure_kind::none) {
          found = std::move(r);
          found_unit = unit;
          if (workers) workers->found_failure(unit);
          break;
        }
        if ((n & 255) == 0) progress();
      } else if (workers) {
        ++units[unit].moot;
      }
      estimate_sum += ge.path_estimate();
      if (workers) units[unit].estimate += ge.path_estimate();
      maybe_fork([&] { ge.leave_subtree(); });
      if (!ge.next()) break;
      if ((workers ? total : n) >= opts.max_executions || over_budget()) {
        incomplete = true;
        asked = (workers ? total : n) < opts.max_executions;
        stop_reason =
            asked ? "the --budget" : "max_executions = " + std::to_string(opts.max_executions);
        save_to([&] { return ge.save_frontier(); });
        break;
      }
    }
    blocked = ge.blocked_count();
    moot = ge.moot_count();
  } else if (m.kind == strategy_kind::exhaustive) {
    mcfg.preemption_bound = bound;
    tok.strategy = bound >= 0 ? "pb" + std::to_string(bound) : use_dpor ? "dpor" : "dfs";
    rt::set_escape_context(t.name, rt::prefix_of(tok));
    rt::dfs_chooser dfs;
    rt::dpor_chooser dpor;
    if (part.split()) {
      dfs.set_partition(&part);
      dpor.set_partition(&part);
    }
    rt::chooser& ch = use_dpor ? static_cast<rt::chooser&>(dpor) : dfs;
    if (!resume_from(
            [&](const std::string& text) { return use_dpor ? dpor.load(text) : dfs.load(text); }))
      return row;
    const std::uint64_t cap = opts.max_executions;
    std::uint64_t redundant_seen = 0;
    exec.prepare(mcfg, ch);
    for (;;) {
      if (!execute([&] {
            const bool c = use_dpor ? dpor.counted() : dfs.counted();
            unit = use_dpor ? dpor.unit() : dfs.unit();
            return c;
          }))
        break;
      const double e = use_dpor ? dpor.path_estimate() : dfs.path_estimate();
      estimate_sum += e;
      if (workers && counted_last) {
        units[unit].estimate += e;
        units[unit].redundant += dpor.redundant_executions() - redundant_seen;
      }
      redundant_seen = dpor.redundant_executions();
      maybe_fork([&] { use_dpor ? dpor.leave_subtree() : dfs.leave_subtree(); });
      if (!(use_dpor ? dpor.next() : dfs.next())) break;
      if ((workers ? total : n) >= cap || over_budget()) {
        incomplete = true;
        asked = (workers ? total : n) < cap;
        stop_reason = asked ? "the --budget" : "max_executions = " + std::to_string(cap);
        save_to([&] { return use_dpor ? dpor.save() : dfs.save(); });
        break;
      }
    }
    redundant = dpor.redundant_executions();
  } else if (m.kind == strategy_kind::icb) {
    // Iterative context bounding: all schedules with 0 preemptions, then 1, then 2, ...
    // A failure is thus found with the fewest preemptions, which keeps its trace simple.
    for (int k = 0; k <= rc.max_preemptions; ++k) {
      mcfg.preemption_bound = k;
      tok.strategy = "pb" + std::to_string(k);
      rt::set_escape_context(t.name, rt::prefix_of(tok));
      rt::dfs_chooser dfs;
      exec.prepare(mcfg, dfs);
      bool stop = false;
      for (;;) {
        if (!execute([] { return true; })) {
          stop = true;
          break;
        }
        if (!dfs.next()) break;
        if (n >= opts.max_executions || over_budget()) {
          incomplete = true;
          asked = n < opts.max_executions;
          stop_reason = (asked ? std::string("the --budget")
                               : "max_executions = " + std::to_string(opts.max_executions)) +
                        " at preemption bound " + std::to_string(k);
          stop = true;
          break;
        }
      }
      if (stop) break;
      note = "complete up to " + std::to_string(k) + " preemptions\n";
    }
  } else {
    const bool pct = m.kind == strategy_kind::pct;
    tok.strategy = pct ? "pct" : "rnd";
    std::uint64_t seed = rc.seed ? rc.seed : opts.seed;
    std::uint64_t iters = rc.iterations ? rc.iterations : opts.iterations;
    // Iteration i runs with the i-th seed of the run seed's sequence, whichever part runs it:
    // a split run (--shard) gives each iteration to one part, and its token replays alone.
    // PCT's estimate k of the execution length is the longest of the first kPctWarmup
    // executions, which every part runs (counting only its own), so that it is the same in
    // every part.
    constexpr std::uint64_t kPctWarmup = 16;
    std::uint64_t k = 50;
    rt::set_escape_context(t.name, rt::prefix_of(tok));  // then only the seed changes
    rt::random_chooser rnd(seed);  // reseeded for each iteration, prepared once
    if (!pct) exec.prepare(mcfg, rnd);
    for (std::uint64_t i = 0; i < iters; ++i) {
      if (workers && i > workers->stop_key()) break;  // past a failure another worker found
      const bool mine = part.claims(i);
      if (!mine && !(pct && i < kPctWarmup)) continue;
      unit = i;
      std::uint64_t s = rt::random_chooser::nth(seed, i);
      tok.seed = s;
      rt::set_escape_seed(s);
      if (pct) {
        rt::pct_chooser ch(s, rc.pct_depth, k);
        exec.prepare(mcfg, ch);
        if (!execute([&] { return mine; })) break;
        if (i < kPctWarmup) k = std::max(k, ch.steps());
      } else {
        rnd.reseed(s);
        if (!execute([&] { return mine; })) break;
      }
      if (over_budget()) break;
      maybe_fork([] {});
    }
  }
  if (workers && workers->forked()) {
    // --jobs: worker >= 1 hands over what it explored and ends; worker 0 merges in unit order.
    rt::worker_result res;
    res.units = std::move(units);
    res.failed = found.fail.kind != failure_kind::none;
    res.fail_key = found_unit;
    res.fail = found.fail;
    res.choices = found.choices;
    res.incomplete = incomplete && !asked;
    res.locks = graph.save();
    if (workers->worker() != 0) workers->finish_worker(res.save());
    std::string err;
    int status = 0;
    for (const std::string& text : workers->collect(err, &status)) {
      rt::worker_result o;
      if (!err.empty()) break;
      if (!o.load(text) || !graph.merge(o.locks)) err = "--jobs: a worker's result is corrupt";
      res.merge(std::move(o));
    }
    if (status == 3) {  // a fiber stack overflow, reported (with its token) by the worker
      std::fflush(stdout);
      std::_Exit(3);
    }
    if (!err.empty()) throw std::runtime_error(err);
    const bool rnd = m.kind == strategy_kind::random || m.kind == strategy_kind::pct;
    const rt::unit_stats tt = res.totals(res.failed ? stats_key(res.fail_key) : ~0ull);
    n = tt.n;
    if (rnd && res.failed)  // every iteration of this shard up to the failing one
      n = rc.shard_count ? (res.fail_key - rc.shard_index) / rc.shard_count + 1 : res.fail_key + 1;
    blocked = tt.blocked;
    moot = tt.moot;
    redundant = tt.redundant;
    estimate_sum = tt.estimate;
    adversarial = tt.adversarial;
    adversarial_token = tt.adversarial_token;
    found = one_result{};
    if (res.failed) {
      found.fail = res.fail;
      found.choices = res.choices;
      incomplete = false;
    } else if (res.incomplete || (!rnd && n > opts.max_executions)) {
      // (the workers tell their counts in batches: together they may overshoot the cap;
      // random mode has no cap but its iterations)
      incomplete = true;
      asked = false;
      n = std::min(n, opts.max_executions);
      stop_reason = "max_executions = " + std::to_string(opts.max_executions);
    }
  }
  row.executions = n;
  std::string report;
  std::string cycle;
  if (found.fail.kind == failure_kind::none) cycle = graph.find_cycle();
  if (found.fail.kind != failure_kind::none) {
    tok.choices = found.choices;
    row.token = rt::encode(tok);
    one_result rerun;
    // A failure the model cannot reproduce is reported as found: its replay would only run
    // (traced) to the step bound.
    const bool replayable = !found.fail.outside_model;
    if (replayable) replay_report(t, cfg, tok, rerun);
    bool same = !replayable ||
                (rerun.fail.kind == found.fail.kind && rerun.fail.message == found.fail.message);
    // The failure confirmed: search a smaller one that fails the same way, report it first.
    const std::string minimized = replayable && same && rc.minimize && opts.minimize
                                      ? minimize_failure(t, cfg, n, tok, found, rerun, row)
                                      : "";
    // The traced replay describes the same failure better (user frames, spins, race steps).
    const rt::failure& shown = replayable && same ? rerun.fail : found.fail;
    row.failure = rt::structured_failure(shown);
    row.trace = rt::structured_trace(rerun.trace);
    report = describe_failure(shown) + "\nreplay: --replay=" + row.token + "\n" + minimized +
             (replayable ? format_trace(rerun.trace, 60) : "");
    if (!same) {
      row.verdict = "FAIL: replay mismatch";
      report +=
          "\nTHE REPLAY DID NOT REPRODUCE THE FAILURE (got: " + describe_failure(rerun.fail) + ")";
    } else if (opts.expect == failure_kind::none) {
      row.verdict = std::string("FAIL: ") + to_string(found.fail.kind);
    } else if (found.fail.kind == opts.expect) {
      row.passed = true;
      row.verdict = std::string("caught: ") + to_string(found.fail.kind);
    } else {
      row.verdict = std::string("FAIL: got ") + to_string(found.fail.kind) + ", expected " +
                    to_string(opts.expect);
    }
  } else if (!cycle.empty()) {
    report = cycle +
             "\n(each execution passed; the orders were taken in different executions "
             "or the deadlocking schedule was not explored)";
    if (opts.expect == failure_kind::lock_order) {
      row.passed = true;
      row.verdict = "caught: lock order";
    } else {
      row.verdict = "FAIL: lock order";
    }
  } else if (incomplete) {
    // Stopping by an explicit --budget is what the user asked for; hitting the test's own
    // max_executions means the test is too big for the mode (exhaustive or icb alike).
    row.passed = asked && !frontier_lost && opts.expect == failure_kind::none;
    row.verdict = frontier_lost ? "FAIL: frontier not saved"
                  : asked       ? "budget spent (partial)"
                                : "FAIL: incomplete";
    report = std::string("the ") + m.name + " search stopped at " + stop_reason + " after " +
             std::to_string(n) + " executions";
    if (m.kind == strategy_kind::exhaustive) {
      char est[64];
      std::snprintf(est, sizeof est, "%.3g", estimate());
      report += std::string(" (estimated search size ~") + est + " executions)";
      if (!asked && bound != 0)
        report += "\n" + suggest_bound(t, cfg, opts.max_executions, bound < 0 ? 9 : bound);
    }
  } else if (opts.expect != failure_kind::none) {
    if (opts.gap) {
      row.passed = true;
      row.verdict = "known gap: not caught";
      report =
          std::string("expected ") + to_string(opts.expect) + " is not caught yet: " + opts.gap;
    } else if (shard.split()) {
      // Another shard's part of the search may hold the failure: the merged report decides.
      row.passed = true;
      row.verdict = "not caught in this shard";
      report = std::string("the expected ") + to_string(opts.expect) + " is not in shard " +
               std::to_string(rc.shard_index) + "/" + std::to_string(rc.shard_count) +
               "'s part of the search (" + std::to_string(n) +
               " executions); --merge the shards' --json reports to see whether one caught it";
    } else {
      row.verdict = std::string("FAIL: not caught");
      report = std::string("the checker did not find the expected ") + to_string(opts.expect) +
               " in " + std::to_string(n) + " executions";
    }
  } else {
    row.passed = true;
    if (m.kind == strategy_kind::exhaustive)
      row.verdict = bound >= 0                ? "pass (complete, pb<=" + std::to_string(bound) + ")"
                    : tok.strategy == "dpor"  ? "pass (complete, dpor)"
                    : tok.strategy == "graph" ? "pass (complete, graph)"
                                              : "pass (complete)";
    else if (m.kind == strategy_kind::icb)
      row.verdict = "pass (pb<=" + std::to_string(rc.max_preemptions) + ")";
    else
      row.verdict = "pass";
    if (redundant)
      report = std::to_string(redundant) + " of the " + std::to_string(n) +
               " executions were sleep-set blocked (redundant)";
  }
  if (adversarial > 0 && found.fail.kind == failure_kind::none) {
    row.notice = true;
    const std::string msg =
        "terminates with probability 1; livelocks only under adversarial scheduling: " +
        std::to_string(adversarial) + " of the " + std::to_string(n) +
        " executions reached the step bound in a cycle that a random scheduler leaves with "
        "probability 1 (cut there; strict_liveness / --strict-liveness reports them), the "
        "first: --replay=" +
        adversarial_token;
    report = report.empty() ? msg : report + "\n" + msg;
  }
  if (use_graph) {
    // "N complete + M blocked" (a springboard graph is counted apart: it is no execution).
    row.executions = n;
    row.blocked = blocked;
    row.duplicates = duplicates;
    if (report.empty() || found.fail.kind == failure_kind::none)
      report = std::to_string(n - blocked) + " complete + " + std::to_string(blocked) +
               " blocked executions (" + std::to_string(moot) + " springboard graphs)" +
               (report.empty() ? "" : "; " + report);
  }
  if (shard.split())
    note += "shard " + std::to_string(rc.shard_index) + "/" + std::to_string(rc.shard_count) +
            ": a disjoint part of the search (checker/README.md, Sharding)\n";
  row.detail = note + report;
  row.seconds = elapsed();
  return row;
}

}  // namespace

test_outcome run_model_test(const test_info& t, const run_config& rc) {
  const auto& opts = *static_cast<const model_test_options*>(t.options);
  rt::set_stall_timeout(rc.stall_timeout_ms);
  rt::install_escape_guards();
  rt::execution_config cfg;
  cfg.max_steps = rc.max_steps ? rc.max_steps : opts.max_steps;
  cfg.spurious_wakeups = opts.spurious_wakeups;
  cfg.stack_size = opts.stack_size;
  cfg.weak_memory = opts.memory == memory_model::c11;
  test_outcome out;

  if (rc.mode == run_mode::replay) {
    run_row row;
    row.mode = "replay";
    row.executions = 1;
    rt::token tok;
    if (std::string err = rt::decode(rc.replay_token, tok); !err.empty())
      throw usage_error("malformed replay token: " + err);
    one_result r;
    const std::string misfit = replay_report(t, cfg, tok, r);
    std::cout << "replaying " << rc.replay_token << "\n" << format_trace(r.trace, ~std::size_t{0});
    row.token = rc.replay_token;
    row.failure = rt::structured_failure(r.fail);
    row.trace = rt::structured_trace(r.trace);
    if (!misfit.empty()) {
      // Not this test's execution: its outcome says nothing about the test.
      std::cout << "outcome: the token does not fit this test: " << misfit << "\n";
      row.verdict = "FAIL: token does not fit";
      row.detail = misfit;
    } else if (r.fail.kind == failure_kind::none) {
      std::cout << "outcome: the execution passed\n";
      row.passed = opts.expect == failure_kind::none;
      row.verdict = row.passed ? "pass" : "FAIL: not reproduced";
    } else {
      std::cout << "outcome: " << describe_failure(r.fail) << "\n";
      row.passed = r.fail.kind == opts.expect;
      row.verdict = row.passed ? std::string("caught: ") + to_string(r.fail.kind)
                               : std::string("FAIL: ") + to_string(r.fail.kind);
    }
    out.rows.push_back(row);
    return out;
  }

  std::vector<mode_plan> plan;
  const run_mode md = rc.mode;
  const bool all = md == run_mode::portfolio;
  if (opts.exhaustive && (md == run_mode::default_plan || md == run_mode::exhaustive || all))
    plan.push_back({"exhaustive", strategy_kind::exhaustive});
  if (opts.exhaustive && (md == run_mode::icb || all)) plan.push_back({"icb", strategy_kind::icb});
  if (opts.random && (md == run_mode::default_plan || md == run_mode::random || all))
    plan.push_back({"random", strategy_kind::random});
  if (opts.random && (md == run_mode::pct || all)) plan.push_back({"pct", strategy_kind::pct});
  if (plan.empty()) {
    run_row row;
    row.mode = md == run_mode::random ? "random" : md == run_mode::pct ? "pct" : "exhaustive";
    row.skipped = true;
    row.passed = true;
    row.verdict = "n/a for this test";
    out.rows.push_back(row);
    return out;
  }

  for (const auto& m : plan) out.rows.push_back(run_one_mode(t, opts, rc, cfg, m));
  return out;
}

exploration explore(const std::string& name, std::function<void()> body,
                    const model_test_options& opts, bool exhaustive) {
  rt::install_escape_guards();
  test_info t{name, source_loc{}, "model", std::move(body), &run_model_test, &opts};
  run_config rc;
  rc.progress = false;
  rc.jobs = opts.jobs > 0 ? opts.jobs : 1;  // generated scenarios: small searches, many of them
  rt::execution_config cfg;
  cfg.max_steps = opts.max_steps;
  cfg.spurious_wakeups = opts.spurious_wakeups;
  cfg.stack_size = opts.stack_size;
  cfg.weak_memory = opts.memory == memory_model::c11;
  model_test_options plain = opts;
  plain.expect = failure_kind::none;  // report any failure
  plain.gap = nullptr;
  run_row row = run_one_mode(t, plain, rc, cfg,
                             exhaustive ? mode_plan{"exhaustive", strategy_kind::exhaustive}
                                        : mode_plan{"random", strategy_kind::random});
  exploration x;
  x.executions = row.executions;
  x.passed = row.passed;
  x.verdict = row.verdict;
  x.report = row.detail;
  x.token = row.token;
  if (row.minimized.reduced) x.original_token = row.minimized.original_token;
  x.blocked = row.blocked;
  x.duplicate_graphs = row.duplicates;
  return x;
}

exploration replay(const std::string& name, std::function<void()> body,
                   const model_test_options& opts, const std::string& token) {
  rt::install_escape_guards();
  test_info t{name, source_loc{}, "model", std::move(body), &run_model_test, &opts};
  rt::execution_config cfg;
  cfg.stack_size = opts.stack_size;
  cfg.weak_memory = opts.memory == memory_model::c11;
  exploration x;
  x.token = token;
  rt::token tok;
  if (std::string err = rt::decode(token, tok); !err.empty()) {
    x.verdict = "FAIL: bad token";
    x.report = "malformed replay token: " + err;
    return x;
  }
  one_result r;
  const std::string misfit = replay_report(t, cfg, tok, r);
  x.executions = 1;
  x.passed = misfit.empty() && r.fail.kind == failure_kind::none;
  x.verdict = !misfit.empty() ? "FAIL: token does not fit"
              : x.passed      ? "pass"
                              : std::string("FAIL: ") + to_string(r.fail.kind);
  x.report = "replaying " + token + "\n" + format_trace(r.trace, ~std::size_t{0}) + "outcome: " +
             (!misfit.empty() ? "the token does not fit this test: " + misfit
              : x.passed      ? std::string("the execution passed")
                              : describe_failure(r.fail)) +
             "\n";
  return x;
}

}  // namespace lockstep
