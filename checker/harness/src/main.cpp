// The harness's command line: selects tests, runs them, prints the summary table on stdout and
// writes the reports asked for (--json, --junit, --html: reports.hpp).
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include "lockstep/test.hpp"
#include "reports.hpp"
#include "sharding.hpp"

namespace lockstep {
namespace {

constexpr const char* kUsage =
    "usage: %s [options]\n"
    "  --list               list the tests, one per line\n"
    "  --filter=PAT[:PAT]   run tests whose name contains a PAT (* matches anything)\n"
    "  --exact              the filter is an exact test name\n"
    "  --mode=M             exhaustive | icb | random | pct | portfolio (default: each\n"
    "                       test's own plan: exhaustive then random)\n"
    "  --pct-depth=D        PCT bug depth (default 3)\n"
    "  --max-preemptions=K  icb: iterate preemption bounds 0..K (default 3)\n"
    "  --budget=N | Ns      per mode: at most N executions, or N seconds\n"
    "  --frontier=FILE      exhaustive: save the unexplored frontier when the budget ends\n"
    "  --resume=FILE        exhaustive: continue a saved frontier\n"
    "  --iterations=N       executions in random mode\n"
    "  --seed=N             seed for random mode (any unsigned 64-bit integer)\n"
    "  --preemption-bound=K exhaustive mode: only schedules with at most K preemptions\n"
    "  --dpor=on|off        exhaustive mode with/without partial-order reduction\n"
    "  --engine=graph|dpor  exhaustive mode over execution graphs (one execution per graph)\n"
    "                       or over interleavings with DPOR (the test's choice by default)\n"
    "  --max-steps=N        per-execution step bound (livelock suspicion beyond)\n"
    "  --strict-liveness    report every livelock, also cycles a random scheduler leaves\n"
    "                       with probability 1 (default: those pass with a note)\n"
    "  --replay=TOKEN       re-run exactly the execution of a replay token, print its trace\n"
    "  --jobs=N             worker processes per search (default: the number of cores;\n"
    "                       DPOR: 1); the results do not depend on N\n"
    "  --shard=I/N          explore part I (0-based) of N of each model test's search: the\n"
    "                       N shards' executions are disjoint and add up to the whole search\n"
    "  --no-minimize        report each failure as found (by default a failure is replaced\n"
    "                       by a smaller one that fails the same way, within a budget)\n"
    "  --json=FILE          also write the results as JSON to FILE (checker/REPORTS.md)\n"
    "  --junit=FILE         also write the results as JUnit XML to FILE (for CI)\n"
    "  --html=FILE          write the run's first failing execution (or the one --replay\n"
    "                       re-runs) as a self-contained HTML page (one column per thread)\n"
    "  --merge A.json B.json ...  (alone) the combined summary of the --json reports of\n"
    "                       the shards of one run, with every failure's token\n"
    "  --timeout=SECONDS    abort the whole run after this long (default 1200)\n"
    "  --stall-timeout=SECONDS  end the run when a simulated thread is blocked or running\n"
    "                       outside lockstep this long: a std:: primitive, a spin on\n"
    "                       memory the model does not control (default 10; 0: never)\n"
    "  --no-progress        no progress line on stderr (by default one every 5 s on\n"
    "                       long runs, with the estimated search size)\n"
    "  --verbose            print every row's details, also for passing tests\n"
    "environment:\n"
    "  LOCKSTEP_SUMMARY_FILE=F   append one tab-separated line per row to F (ci/verify)\n"
    "  LOCKSTEP_REPLAY=TOKEN     lin_property / scenario_property (lin_scenario.hpp):\n"
    "                            replay a generated scenario's failing execution, traced\n"
    "  LOCKSTEP_DEBUG_EXPLORE=1  print every explored execution's token on stderr\n"
    "  LOCKSTEP_DEBUG_GRAPH=1    graph engine: print its exploration steps on stderr\n"
    "  LOCKSTEP_GRAPH_CROSS_CHECK=1  graph engine: take every incremental consistency\n"
    "                            decision the full way too; abort on a difference\n"
    "  LOCKSTEP_DEBUG_UNITS=1    with --jobs: print the unit (subtree) of every counted\n"
    "                            execution on stderr (bench/checker/simulate_workers.py)\n"
    "  TEST_SHARD_INDEX, TEST_TOTAL_SHARDS (Bazel), GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS:\n"
    "                            as --shard; TEST_SHARD_STATUS_FILE is touched when set\n"
    "exit status: 0 all passed, 1 a test failed, 2 bad usage, 3 fiber stack overflow,\n"
    "             4 a test escaped the model (std::exit inside it, --stall-timeout),\n"
    "             77 every test skipped, 124 --timeout; a fatal signal inside a test\n"
    "             (abort, SIGSEGV, ...) is reported with its token, then ends the process\n";

bool glob_match(const char* pat, const char* s) {
  if (*pat == '\0') return *s == '\0';
  if (*pat == '*') return glob_match(pat + 1, s) || (*s && glob_match(pat, s + 1));
  return *s == *pat && glob_match(pat + 1, s + 1);
}

bool selected(const std::string& name, const std::string& filter, bool exact) {
  if (filter.empty()) return true;
  std::stringstream ss(filter);
  std::string pat;
  while (std::getline(ss, pat, ':')) {
    if (exact ? name == pat : glob_match(("*" + pat + "*").c_str(), name.c_str())) return true;
  }
  return false;
}

// Any unsigned 64-bit integer in decimal (tokens print seeds of up to 20 digits).
bool parse_u64(const std::string& v, std::uint64_t& out) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 20)
    return false;
  errno = 0;
  unsigned long long x = std::strtoull(v.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  out = x;
  return true;
}

// Whether `path` can be written, checked before the run so that a long run does not end with
// nothing saved: opens it for appending (creating it if missing: then removes it again).
std::string cannot_write(const std::string& path) {
  const bool existed = access(path.c_str(), F_OK) == 0;
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return std::strerror(errno);
  std::fclose(f);
  if (!existed) std::remove(path.c_str());
  return {};
}

bool write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

const char* volatile g_current_test = "";

void on_alarm(int) {
  const char msg[] = "\nlockstep: the run exceeded --timeout; aborting. Test running: ";
  (void)!write(2, msg, sizeof msg - 1);
  const char* t = g_current_test;
  (void)!write(2, t, std::strlen(t));
  (void)!write(2, "\n", 1);
  _exit(124);
}

}  // namespace

int harness_main(int argc, char** argv) {
  run_config cfg;
  std::string filter, json_path, junit_path, html_path, shard_flag;
  bool list = false, exact = false;
  std::uint64_t timeout = 1200;
  if (argc > 1 && std::string(argv[1]) == "--merge") {
    // <exe> --merge a.json b.json ...: the combined report of a sharded run (merge.cpp).
    return detail::merge_reports(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                 std::cerr);
  }
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* key, std::string& out) {
      std::string k = std::string("--") + key + "=";
      if (a.rfind(k, 0) == 0) {
        out = a.substr(k.size());
        return true;
      }
      return false;
    };
    std::string v;
    auto bad = [&](const std::string& why) {
      std::fprintf(stderr, "%s: %s\n", argv[0], why.c_str());
      std::fprintf(stderr, kUsage, argv[0]);
      return 2;
    };
    if (a == "--list")
      list = true;
    else if (a == "--exact")
      exact = true;
    else if (a == "--verbose")
      cfg.verbose = true;
    else if (a == "--no-progress")
      cfg.progress = false;
    else if (a == "--no-minimize")
      cfg.minimize = false;
    else if (a == "--strict-liveness")
      cfg.strict_liveness = 1;
    else if (a == "--help" || a == "-h") {
      std::printf(kUsage, argv[0]);
      return 0;
    } else if (a == "--json" || a == "--json=" || a == "--junit" || a == "--junit=" ||
               a == "--html" || a == "--html=") {
      return bad(a.substr(0, a.find('=')) + " needs a file: " + a.substr(0, a.find('=')) +
                 "=FILE (stdout carries only the human-readable table)");
    } else if (val("json", v)) {
      json_path = v;
    } else if (val("junit", v)) {
      junit_path = v;
    } else if (val("html", v)) {
      html_path = v;
    } else if (val("filter", v))
      filter = v;
    else if (val("mode", v)) {
      if (v == "exhaustive")
        cfg.mode = run_mode::exhaustive;
      else if (v == "icb")
        cfg.mode = run_mode::icb;
      else if (v == "random")
        cfg.mode = run_mode::random;
      else if (v == "pct")
        cfg.mode = run_mode::pct;
      else if (v == "portfolio")
        cfg.mode = run_mode::portfolio;
      else
        return bad("--mode must be exhaustive, icb, random, pct or portfolio, not '" + v + "'");
    } else if (val("pct-depth", v)) {
      std::uint64_t d = 0;
      if (!parse_u64(v, d) || d == 0 || d > 64)
        return bad("--pct-depth needs 1..64, not '" + v + "'");
      cfg.pct_depth = static_cast<int>(d);
    } else if (val("preemption-bound", v)) {
      std::uint64_t d = 0;
      if (!parse_u64(v, d) || d > 64) return bad("--preemption-bound needs 0..64, not '" + v + "'");
      cfg.preemption_bound = static_cast<int>(d);
    } else if (val("max-preemptions", v)) {
      std::uint64_t d = 0;
      if (!parse_u64(v, d) || d > 64) return bad("--max-preemptions needs 0..64, not '" + v + "'");
      cfg.max_preemptions = static_cast<int>(d);
    } else if (val("budget", v)) {
      std::uint64_t b = 0;
      if (!v.empty() && v.back() == 's' && parse_u64(v.substr(0, v.size() - 1), b) && b > 0) {
        cfg.budget_seconds = static_cast<double>(b);
      } else if (parse_u64(v, b) && b > 0) {
        cfg.budget_executions = b;
      } else {
        return bad("--budget needs N (executions) or Ns (seconds), not '" + v + "'");
      }
    } else if (val("frontier", v)) {
      if (v.empty()) return bad("--frontier needs a file name");
      cfg.frontier_path = v;
    } else if (val("resume", v)) {
      if (v.empty()) return bad("--resume needs a file name");
      cfg.resume_path = v;
    } else if (val("iterations", v)) {
      if (!parse_u64(v, cfg.iterations) || cfg.iterations == 0)
        return bad("--iterations needs a positive integer, not '" + v + "'");
    } else if (val("dpor", v)) {
      if (v == "on")
        cfg.dpor = 1;
      else if (v == "off")
        cfg.dpor = 0;
      else
        return bad("--dpor must be on or off, not '" + v + "'");
    } else if (val("engine", v)) {
      if (v == "graph")
        cfg.engine = 1;
      else if (v == "dpor")
        cfg.engine = 0;
      else
        return bad("--engine must be graph or dpor, not '" + v + "'");
    } else if (val("seed", v)) {
      if (!parse_u64(v, cfg.seed)) return bad("--seed needs an unsigned integer, not '" + v + "'");
    } else if (val("max-steps", v)) {
      if (!parse_u64(v, cfg.max_steps) || cfg.max_steps == 0)
        return bad("--max-steps needs a positive integer, not '" + v + "'");
    } else if (val("stall-timeout", v)) {
      std::uint64_t secs = 0;
      if (!parse_u64(v, secs) || secs > 1'000'000)
        return bad("--stall-timeout needs seconds, not '" + v + "'");
      cfg.stall_timeout_ms = secs * 1000;
    } else if (val("timeout", v)) {
      if (!parse_u64(v, timeout)) return bad("--timeout needs seconds, not '" + v + "'");
    } else if (val("jobs", v)) {
      std::uint64_t j = 0;
      if (!parse_u64(v, j) || j == 0 || j > 256)
        return bad("--jobs needs 1..256 worker processes, not '" + v + "'");
      cfg.jobs = static_cast<int>(j);
    } else if (val("shard", v)) {
      if (v.empty()) return bad("--shard needs I/N (shard I of N, 0 <= I < N)");
      shard_flag = v;
    } else if (val("replay", v)) {
      if (v.empty()) return bad("--replay needs a token");
      cfg.mode = run_mode::replay;
      cfg.replay_token = v;
    } else {
      return bad("unknown argument '" + a + "'");
    }
  }
  if (std::string why = detail::resolve_shard(shard_flag, cfg); !why.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], why.c_str());
    return 2;
  }
  if (cfg.shard_count && (!cfg.frontier_path.empty() || !cfg.resume_path.empty())) {
    std::fprintf(stderr,
                 "%s: --frontier/--resume cannot be combined with sharding (a frontier is the "
                 "state of one whole search)\n",
                 argv[0]);
    return 2;
  }
  for (const auto& [flag, path] : {std::pair<const char*, const std::string&>{"--json", json_path},
                                   {"--junit", junit_path},
                                   {"--html", html_path},
                                   {"--frontier", cfg.frontier_path}}) {
    if (path.empty()) continue;
    if (std::string why = cannot_write(path); !why.empty()) {
      std::fprintf(stderr, "%s: %s: cannot write '%s': %s\n", argv[0], flag, path.c_str(),
                   why.c_str());
      return 2;
    }
  }

  const auto& tests = registered_tests();
  if (list) {
    for (const auto& t : tests) std::printf("%s\n", t.name.c_str());
    return 0;
  }
  if (cfg.mode == run_mode::replay) {
    // A token starts with the test's name: "<test>@<rest>".
    auto at = cfg.replay_token.find('@');
    if (at == std::string::npos) {
      std::fprintf(stderr, "%s: malformed replay token (expected <test>@...): %s\n", argv[0],
                   cfg.replay_token.c_str());
      return 2;
    }
    filter = cfg.replay_token.substr(0, at);
    exact = true;
  }

  if (timeout > 0) {
    std::signal(SIGALRM, on_alarm);
    alarm(static_cast<unsigned>(timeout));
  }

  detail::run_report report;
  report.executable = argv[0];
  report.executable = report.executable.substr(report.executable.find_last_of('/') + 1);
  report.shard_index = cfg.shard_index;
  report.shard_count = cfg.shard_count;
  auto& results = report.results;
  for (const auto& t : tests) {
    if (!selected(t.name, filter, exact)) continue;
    g_current_test = t.name.c_str();
    test_outcome out;
    try {
      out = t.run(t, cfg);
    } catch (const usage_error& e) {
      std::cout.flush();
      std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
      return 2;
    } catch (const test_skipped& e) {
      run_row r;
      r.mode = t.kind;
      r.skipped = true;
      r.verdict = "skipped";
      r.detail = e.reason;
      out.rows.push_back(r);
    } catch (const std::exception& e) {
      run_row r;
      r.mode = t.kind;
      r.verdict = "FAIL: harness error";
      r.detail = e.what();
      out.rows.push_back(r);
    }
    results.push_back({&t, std::move(out)});
  }
  if (results.empty()) {
    std::fprintf(stderr, "%s: no test matches '%s'\n", argv[0], filter.c_str());
    return 2;
  }

  std::ostringstream table;
  char line[512];
  std::snprintf(line, sizeof line, "%-48s %-11s %12s %-28s %9s\n", "test", "mode", "executions",
                "verdict", "time(s)");
  table << line;
  for (const auto& r : results) {
    bool all_skipped = true;
    for (const auto& row : r.outcome.rows) {
      // Replay output must be byte-identical across runs: no wall time there.
      char secs[32] = "        -";
      if (row.mode != "replay") std::snprintf(secs, sizeof secs, "%9.3f", row.seconds);
      std::snprintf(line, sizeof line, "%-48s %-11s %12llu %-28s %s\n", r.test->name.c_str(),
                    row.mode.c_str(), static_cast<unsigned long long>(row.executions),
                    row.verdict.c_str(), secs);
      table << line;
      if (!row.skipped) all_skipped = false;
      if ((!row.passed || cfg.verbose || row.notice) && !row.detail.empty())
        std::cout << "--- " << r.test->name << " [" << row.mode << "] " << row.verdict << "\n"
                  << row.detail << "\n";
    }
    if (all_skipped && !r.outcome.rows.empty())
      ++report.skipped;
    else if (r.outcome.passed())
      ++report.passed;
    else
      ++report.failed;
  }
  std::cout << "\n" << table.str() << "\n";
  report.exit_code = report.failed ? 1 : report.skipped && report.passed == 0 ? 77 : 0;

  for (const auto& [path, text] :
       {std::pair<const std::string&, std::string>{
            json_path, json_path.empty() ? "" : detail::json_report(report)},
        {junit_path, junit_path.empty() ? "" : detail::junit_report(report)},
        {html_path, html_path.empty() ? "" : detail::html_report(report)}}) {
    if (!path.empty() && !write_text(path, text)) {
      std::fprintf(stderr, "%s: cannot write %s: %s\n", argv[0], path.c_str(),
                   std::strerror(errno));
      report.exit_code = 2;
    }
  }
  // ci/verify collects every row of every test executable into one table: each run appends
  // its rows (one short write per row, O_APPEND) to $LOCKSTEP_SUMMARY_FILE.
  if (const char* sf = std::getenv("LOCKSTEP_SUMMARY_FILE"); sf && *sf) {
    if (FILE* f = std::fopen(sf, "a")) {
      for (const auto& r : results)
        for (const auto& row : r.outcome.rows)
          std::fprintf(f, "%s\t%s\t%s\t%llu\t%s\t%.3f\n", report.executable.c_str(),
                       r.test->name.c_str(), row.mode.c_str(),
                       static_cast<unsigned long long>(row.executions), row.verdict.c_str(),
                       row.seconds);
      std::fclose(f);
    }
  }
  std::cout << report.passed << " passed, " << report.failed << " failed";
  if (report.skipped) std::cout << ", " << report.skipped << " skipped";
  std::cout << "\n";
  std::cout.flush();
  return report.exit_code;
}

}  // namespace lockstep

int main(int argc, char** argv) { return lockstep::harness_main(argc, argv); }
