// The harness's command line: selects tests, runs them, prints the summary table.
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include "lockstep/test.hpp"

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
    "  --seed=N             seed for random mode\n"
    "  --dpor=on|off        exhaustive mode with/without partial-order reduction\n"
    "  --engine=graph|dpor  exhaustive mode over execution graphs (one execution per graph)\n"
    "                       or over interleavings with DPOR (the test's choice by default)\n"
    "  --max-steps=N        per-execution step bound (livelock suspicion beyond)\n"
    "  --strict-liveness    report every livelock, also cycles a random scheduler leaves\n"
    "                       with probability 1 (default: those pass with a note)\n"
    "  --replay=TOKEN       re-run exactly the execution of a replay token, print its trace\n"
    "  --json[=FILE]        write the results as JSON (to stdout, or FILE)\n"
    "  --timeout=SECONDS    abort the whole run after this long (default 1200)\n"
    "  --no-progress        no progress line on stderr\n"
    "  --verbose            print every row's details, also for passing tests\n";

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

bool parse_u64(const std::string& v, std::uint64_t& out) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 19)
    return false;
  out = std::stoull(v);
  return true;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return o;
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
  std::string filter, json_path;
  bool list = false, exact = false, json = false;
  std::uint64_t timeout = 1200;
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
    else if (a == "--strict-liveness")
      cfg.strict_liveness = 1;
    else if (a == "--help" || a == "-h") {
      std::printf(kUsage, argv[0]);
      return 0;
    } else if (a == "--json")
      json = true;
    else if (val("json", v)) {
      json = true;
      json_path = v;
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
    } else if (val("timeout", v)) {
      if (!parse_u64(v, timeout)) return bad("--timeout needs seconds, not '" + v + "'");
    } else if (val("replay", v)) {
      if (v.empty()) return bad("--replay needs a token");
      cfg.mode = run_mode::replay;
      cfg.replay_token = v;
    } else {
      return bad("unknown argument '" + a + "'");
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

  struct result {
    const test_info* t;
    test_outcome out;
  };
  std::vector<result> results;
  for (const auto& t : tests) {
    if (!selected(t.name, filter, exact)) continue;
    g_current_test = t.name.c_str();
    test_outcome out;
    try {
      out = t.run(t, cfg);
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

  int passed = 0, failed = 0, skipped = 0;
  std::ostringstream table;
  char line[512];
  std::snprintf(line, sizeof line, "%-48s %-11s %12s %-28s %9s\n", "test", "mode", "executions",
                "verdict", "time(s)");
  table << line;
  for (const auto& r : results) {
    bool all_skipped = true;
    for (const auto& row : r.out.rows) {
      // Replay output must be byte-identical across runs: no wall time there.
      char secs[32] = "        -";
      if (row.mode != "replay") std::snprintf(secs, sizeof secs, "%9.3f", row.seconds);
      std::snprintf(line, sizeof line, "%-48s %-11s %12llu %-28s %s\n", r.t->name.c_str(),
                    row.mode.c_str(), static_cast<unsigned long long>(row.executions),
                    row.verdict.c_str(), secs);
      table << line;
      if (!row.skipped) all_skipped = false;
      if ((!row.passed || cfg.verbose || row.notice) && !row.detail.empty())
        std::cout << "--- " << r.t->name << " [" << row.mode << "] " << row.verdict << "\n"
                  << row.detail << "\n";
    }
    if (all_skipped && !r.out.rows.empty())
      ++skipped;
    else if (r.out.passed())
      ++passed;
    else
      ++failed;
  }
  std::cout << "\n" << table.str() << "\n";

  if (json) {
    std::ostringstream js;
    js << "[\n";
    bool first = true;
    for (const auto& r : results)
      for (const auto& row : r.out.rows) {
        js << (first ? "" : ",\n") << "  {\"test\": \"" << json_escape(r.t->name)
           << "\", \"mode\": \"" << json_escape(row.mode)
           << "\", \"executions\": " << row.executions
           << ", \"passed\": " << (row.passed ? "true" : "false")
           << ", \"skipped\": " << (row.skipped ? "true" : "false") << ", \"verdict\": \""
           << json_escape(row.verdict) << "\", \"seconds\": " << row.seconds << ", \"token\": \""
           << json_escape(row.token) << "\", \"detail\": \"" << json_escape(row.detail) << "\"}";
        first = false;
      }
    js << "\n]\n";
    if (json_path.empty()) {
      std::cout << js.str();
    } else {
      FILE* f = std::fopen(json_path.c_str(), "w");
      if (!f) {
        std::fprintf(stderr, "%s: cannot write %s\n", argv[0], json_path.c_str());
        return 2;
      }
      std::fputs(js.str().c_str(), f);
      std::fclose(f);
    }
  }
  // ci/verify collects every row of every test executable into one table: each run appends
  // its rows (one short write per row, O_APPEND) to $LOCKSTEP_SUMMARY_FILE.
  if (const char* sf = std::getenv("LOCKSTEP_SUMMARY_FILE"); sf && *sf) {
    if (FILE* f = std::fopen(sf, "a")) {
      std::string exe = argv[0];
      exe = exe.substr(exe.find_last_of('/') + 1);
      for (const auto& r : results)
        for (const auto& row : r.out.rows)
          std::fprintf(f, "%s\t%s\t%s\t%llu\t%s\t%.3f\n", exe.c_str(), r.t->name.c_str(),
                       row.mode.c_str(), static_cast<unsigned long long>(row.executions),
                       row.verdict.c_str(), row.seconds);
      std::fclose(f);
    }
  }
  std::cout << passed << " passed, " << failed << " failed";
  if (skipped) std::cout << ", " << skipped << " skipped";
  std::cout << "\n";
  std::cout.flush();
  if (failed) return 1;
  if (skipped && passed == 0) return 77;
  return 0;
}

}  // namespace lockstep

int main(int argc, char** argv) { return lockstep::harness_main(argc, argv); }
