// The runner behind LOCKSTEP_TEST: runs a test's plan (exhaustive, random, or a replay),
// replays every failure it finds to confirm it and to print the trace.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "dpor.hpp"
#include "execution.hpp"
#include "graph/replay.hpp"
#include "graph/trust.hpp"
#include "liveness.hpp"
#include "lock_graph.hpp"
#include "lockstep/check.hpp"
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
  bool blocked = false;  // cut by lockstep::assume
  std::vector<std::uint16_t> choices;
  std::vector<rt::trace_event> trace;
};

one_result run_one(const test_info& t, const rt::execution_config& cfg, rt::chooser& ch) {
  rt::execution e(cfg, ch, pool());
  detail::set_assert_hook([](const std::string& msg, source_loc where) {
    if (auto* ex = rt::execution::active(); ex && ex->current_id() >= 0)
      ex->fail(failure_kind::assertion, msg, where);
  });
  e.run(t.body);
  detail::set_assert_hook(nullptr);
  one_result r;
  r.fail = e.result();
  r.steps = e.steps();
  r.blocked = e.blocked();
  r.choices = e.take_choices();
  if (cfg.trace) r.trace = e.trace();
  return r;
}

std::string format_trace(const std::vector<rt::trace_event>& tr, std::size_t max_events) {
  std::ostringstream os;
  std::size_t first = tr.size() > max_events ? tr.size() - max_events : 0;
  os << "trace (" << tr.size() << " steps; one column of indentation per thread):\n";
  if (first) os << "  ... " << first << " earlier steps omitted (--replay prints all)\n";
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
        if (e.obj_created.file) what += " (created at " + to_string(e.obj_created) + ")";
      }
    }
    if (e.how == rt::wake::timeout) what += " [timeout fires]";
    if (e.how == rt::wake::spurious) what += " [spurious wake-up]";
    if (!e.note.empty()) what += " -> " + e.note;
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
      if (tr[i].tid == t) {
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
  std::string s = std::string(to_string(f.kind)) + ": " + f.message;
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
  rt::set_overflow_context(t.name, rt::prefix_of(tok));
  if (tok.strategy == "graph") {
    // The graph engine's token: schedule plus (C++11 model) reads-from and co choices.
    c.weak_memory = false;
    rt::graph::replay_engine ch(cfg.weak_memory ? rt::graph::model::rc11 : rt::graph::model::sc,
                                tok.choices, tok.spurious);
    rerun = run_one(t, c, ch);
    return misfit_of(ch);
  }
  rt::replay_chooser ch(tok.choices);
  rerun = run_one(t, c, ch);
  return misfit_of(ch);
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
    rt::set_overflow_context(t.name, rt::prefix_of(tok));
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

run_row run_one_mode(const test_info& t, const model_test_options& opts, const run_config& rc,
                     const rt::execution_config& cfg, const mode_plan& m) {
  const bool strict = rc.strict_liveness >= 0 ? rc.strict_liveness == 1 : opts.strict_liveness;
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
    if (!rc.progress) return;
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
    if (!rt::cycle_has_way_out(run_tail, opts.seed + n)) return false;
    if (adversarial++ == 0) {
      rt::token et = tok;
      et.choices = r.choices;
      adversarial_token = rt::encode(et);
    }
    return true;
  };
  // Runs one execution; returns false when the mode must stop (failure found).
  auto execute = [&](rt::chooser& ch) {
    one_result r = run_one(t, mcfg, ch);
    ++n;
    stamp(r);
    if (debug) {
      rt::token et = tok;
      et.choices = r.choices;
      std::fprintf(stderr, "execution %llu: %s\n", static_cast<unsigned long long>(n),
                   rt::encode(et).c_str());
    }
    if (r.fail.kind != failure_kind::none && !only_adversarial(r)) {
      found = std::move(r);
      return false;
    }
    if ((n & 255) == 0) progress();
    return true;
  };

  std::uint64_t blocked = 0, moot = 0, duplicates = 0;
  // Exhaustive mode's preemption bound: --preemption-bound, else the test's own.
  const int bound = rc.preemption_bound >= 0 ? rc.preemption_bound : opts.preemption_bound;
  // Strict liveness needs the adversarial schedules, which the graph engine's fairness rule
  // and loop pruning cut (a repeated round is a graph already explored): unless the command
  // line names the engine, such a test is explored over interleavings.
  const bool use_graph =
      m.kind == strategy_kind::exhaustive && bound < 0 &&
      (rc.engine >= 0 ? rc.engine == 1 : opts.engine == engine::graph && !strict);
  if (use_graph) {
    // One execution per consistent execution graph (checker/rt/src/graph/trust.hpp).
    tok.strategy = "graph";
    rt::set_overflow_context(t.name, rt::prefix_of(tok));
    rt::graph::trust_engine ge(cfg.weak_memory ? rt::graph::model::rc11 : rt::graph::model::sc,
                               opts.stale_spins, opts.prune_loops, opts.spurious_wakeups);
    mcfg.weak_memory = false;  // values come from the graph
    std::set<std::string> seen;
    if (!resume_from([&](const std::string& text) { return ge.load_frontier(text); })) return row;
    for (;;) {
      one_result r = run_one(t, mcfg, ge);
      if (r.blocked) ge.mark_blocked();
      if (r.fail.kind != failure_kind::none && !ge.moot() && only_adversarial(r)) {
        r.fail = {};
        ge.mark_blocked();
      }
      if (!ge.moot()) {  // a springboard graph is not an execution of the program
        ++n;
        stamp(r);
        if (opts.check_optimality && !ge.blocked() && !seen.insert(ge.signature()).second) {
          ++duplicates;
          if (debug) std::fprintf(stderr, "graph explored twice: %s\n", ge.signature().c_str());
        }
        if (r.fail.kind != failure_kind::none) {
          found = std::move(r);
          break;
        }
        if ((n & 255) == 0) progress();
      }
      estimate_sum += ge.path_estimate();
      if (!ge.next()) break;
      if (n >= opts.max_executions || over_budget()) {
        incomplete = true;
        asked = n < opts.max_executions;
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
    const bool use_dpor = (rc.dpor >= 0 ? rc.dpor == 1 : opts.dpor) && bound < 0;
    tok.strategy = bound >= 0 ? "pb" + std::to_string(bound) : use_dpor ? "dpor" : "dfs";
    rt::set_overflow_context(t.name, rt::prefix_of(tok));
    rt::dfs_chooser dfs;
    rt::dpor_chooser dpor;
    rt::chooser& ch = use_dpor ? static_cast<rt::chooser&>(dpor) : dfs;
    if (!resume_from(
            [&](const std::string& text) { return use_dpor ? dpor.load(text) : dfs.load(text); }))
      return row;
    const std::uint64_t cap = opts.max_executions;
    for (;;) {
      if (!execute(ch)) break;
      estimate_sum += use_dpor ? dpor.path_estimate() : dfs.path_estimate();
      if (!(use_dpor ? dpor.next() : dfs.next())) break;
      if (n >= cap || over_budget()) {
        incomplete = true;
        asked = n < cap;
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
      rt::set_overflow_context(t.name, rt::prefix_of(tok));
      rt::dfs_chooser dfs;
      bool stop = false;
      for (;;) {
        if (!execute(dfs)) {
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
    rt::random_chooser seeder(seed);
    std::uint64_t k = 50;  // PCT's estimate of the execution length, refined as we go
    rt::set_overflow_context(t.name, rt::prefix_of(tok));
    for (std::uint64_t i = 0; i < iters; ++i) {
      std::uint64_t s = seeder.next();
      tok.seed = s;
      rt::set_overflow_seed(s);
      if (pct) {
        rt::pct_chooser ch(s, rc.pct_depth, k);
        if (!execute(ch)) break;
        k = std::max(k, ch.steps());
      } else {
        rt::random_chooser ch(s);
        if (!execute(ch)) break;
      }
      if (over_budget()) break;
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
    replay_report(t, cfg, tok, rerun);
    row.failure = rt::structured_failure(found.fail);
    row.trace = rt::structured_trace(rerun.trace);
    bool same = rerun.fail.kind == found.fail.kind && rerun.fail.message == found.fail.message;
    report = describe_failure(found.fail) + "\nreplay: --replay=" + row.token + "\n" +
             format_trace(rerun.trace, 60);
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
  row.detail = note + report;
  row.seconds = elapsed();
  return row;
}

}  // namespace

test_outcome run_model_test(const test_info& t, const run_config& rc) {
  const auto& opts = *static_cast<const model_test_options*>(t.options);
  rt::install_overflow_handler();
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
  rt::install_overflow_handler();
  test_info t{name, source_loc{}, "model", std::move(body), &run_model_test, &opts};
  run_config rc;
  rc.progress = false;
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
  x.blocked = row.blocked;
  x.duplicate_graphs = row.duplicates;
  return x;
}

exploration replay(const std::string& name, std::function<void()> body,
                   const model_test_options& opts, const std::string& token) {
  rt::install_overflow_handler();
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
