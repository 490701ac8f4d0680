// lockstep/test.hpp — the lockstep test harness: registration, assertions, outcomes.
//
// Guarantees
//   * Every test registered with LOCKSTEP_UNIT_TEST (plain code, run once on the calling
//     thread) or LOCKSTEP_TEST (lockstep/check.hpp: explored by the model checker) is listed
//     by `<exe> --list` and run by `<exe>`; the run ends with the line `N passed, N failed`
//     and exits non-zero when any test failed.
//   * LOCKSTEP_ASSERT fails the current test (unit test) or the current execution (model
//     test: the checker reports it with a replay token). It is active regardless of NDEBUG.
//   * A test that throws fails with the exception's message; nothing is swallowed.
//
// Usage
//   #include <lockstep/test.hpp>
//   LOCKSTEP_UNIT_TEST(parser_rejects_garbage) {
//     LOCKSTEP_ASSERT(!parse("garbage")) << "parsed garbage";
//   }
//   CMake: lockstep_add_test_executable(my_tests SOURCES my_tests.cpp)
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace lockstep {

// A source location captured by default arguments. std::source_location is not usable with
// clang 14, whose front end lacks __builtin_source_location; these builtins work in both.
struct source_loc {
  const char* file = "?";
  int line = 0;
  static constexpr source_loc current(const char* f = __builtin_FILE(),
                                      int l = __builtin_LINE()) noexcept {
    return source_loc{f, l};
  }
};

// Renders "file:line" with the file name shortened to the part below the repository root
// (everything after the last "/primitives/", "/checker/", "/tests/", ... component).
std::string to_string(source_loc loc);

// How a test is to be run; filled from the command line.
// default_plan: each test's own (exhaustive + random); portfolio: exhaustive, iterative
// context bounding, random and PCT one after the other.
enum class run_mode : std::uint8_t {
  default_plan,
  exhaustive,
  icb,
  random,
  pct,
  portfolio,
  replay
};

struct run_config {
  run_mode mode = run_mode::default_plan;
  std::uint64_t iterations = 0;         // random mode: executions (0 = the test's own default)
  std::uint64_t seed = 0;               // random mode seed (0 = the test's own default)
  std::uint64_t max_steps = 0;          // per-execution step bound (0 = the test's own default)
  std::string replay_token;             // replay mode
  int dpor = -1;                        // exhaustive mode: -1 the test's choice, 0 off, 1 on
  int engine = -1;                      // exhaustive mode: -1 the test's choice, 0 dpor, 1 graph
  int strict_liveness = -1;             // -1 the test's choice, 1: every livelock fails
  int pct_depth = 3;                    // PCT: bug depth d (d - 1 priority change points)
  int max_preemptions = 3;              // icb: bounds 0, 1, ..., max_preemptions
  int preemption_bound = -1;            // exhaustive mode: >= 0 replaces the test's own bound
  std::uint64_t budget_executions = 0;  // per mode; 0: none (exhaustive: max_executions)
  double budget_seconds = 0;            // per mode; 0: none
  std::string frontier_path;  // exhaustive: where to save the unexplored frontier when the
                              // budget runs out
  std::string resume_path;    // exhaustive: continue from a saved frontier
  bool verbose = false;
  bool progress = true;  // progress line on stderr for long runs
  // The watchdog's bound: a simulated thread blocked or running outside lockstep this long
  // ends the run with a report (0: no watchdog).
  std::uint64_t stall_timeout_ms = 10'000;
  bool minimize = true;  // search a smaller execution for each reported failure (--no-minimize)
  // --shard=I/N (or TEST_SHARD_INDEX/TEST_TOTAL_SHARDS, GTEST_*): explore part I of N of each
  // model test's search (checker/README.md, "Sharding"); shard_count 0: the whole search.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 0;
  int jobs = 0;  // --jobs=N: worker processes per search; 0: the test's choice
};

// One access of a data race on a var<T>, for the reports (--json, --html).
struct race_access {
  int thread = -1;
  std::string access;  // "read" or "write"
  std::string file;    // where (shortened as by to_string); empty: the var's construction
  int line = 0;
  std::uint64_t step = 0;  // the step of the trace during which it happened
};

// A failure as the machine-readable reports show it (--json): what, where, which thread.
struct failure_report {
  std::string kind;     // failure_kind as text ("assertion", "deadlock", ...); empty: none
  std::string message;  // the failure's own message
  int thread = -1;      // simulated thread that failed; -1: none (e.g. a deadlock)
  std::string file;     // source location (shortened as by to_string); empty: unknown
  int line = 0;
  std::uint64_t step = 0;         // the step of the trace during (or after) which it failed
  std::vector<race_access> race;  // data_race: the two accesses, the earlier first
};

// One step of a failing execution's trace, for the machine-readable reports (--json).
struct trace_step {
  std::uint64_t step = 0;
  int thread = 0;
  std::string op;           // the visible operation ("lock", "atomic load", "spawn", ...)
  std::string order;        // atomics and fences: the memory order ("acquire"); empty: none
  std::string object;       // the object it acts on ("mutex#0"); empty: none
  std::string object_file;  // where that object was created; empty: unknown
  int object_line = 0;
  std::string wake;  // how a wait ended, when not by a notify: "timeout" or "spurious"
  std::string note;  // what the step saw or did (value read, store chosen, ...)
  std::string file;  // the user's source line of the step; empty: unknown
  int line = 0;
  // Loads and RMWs (graph engine): the step whose store was read, 0 for the initial value,
  // -1 when not a read or not known; stale: a newer store existed.
  std::int64_t reads_from = -1;
  bool stale = false;
};

// The minimisation of a row's reported failure (checker/rt/src/minimize.hpp): the failure as
// first found (its token replays it too) and the smaller execution reported instead.
struct minimization_report {
  bool attempted = false;
  bool reduced = false;        // a smaller execution that fails the same way was found
  std::string original_token;  // the failure as the search found it
  std::uint64_t original_steps = 0, original_preemptions = 0;
  std::uint64_t steps = 0, preemptions = 0;  // of the reported execution (run_row::token)
  std::uint64_t executions = 0;              // spent by the minimisation
  bool budget_spent = false;                 // it stopped at its budget
};

// One row of the summary table: a test in one mode.
struct run_row {
  std::string mode;  // "unit", "exhaustive", "random", "replay", ...
  std::uint64_t executions = 0;
  bool passed = false;
  std::string verdict;           // "pass", "caught: deadlock", "FAIL: assertion", ...
  std::string detail;            // failure report / replay token, printed on failure
  std::string token;             // replay token of the reported execution, if any
  std::uint64_t blocked = 0;     // graph engine: of the executions, those blocked
  std::uint64_t duplicates = 0;  // graph engine with check_optimality: graphs seen twice
  double seconds = 0;
  bool skipped = false;
  bool notice = false;            // the detail matters also when the row passed (printed always)
  failure_report failure;         // the reported execution's failure, if any
  std::vector<trace_step> trace;  // the reported execution, step by step (its replay)
  minimization_report minimized;  // how the reported failure was minimised, if it was
};

struct test_outcome {
  std::vector<run_row> rows;
  bool passed() const {
    for (const auto& r : rows)
      if (!r.passed && !r.skipped) return false;
    return !rows.empty();
  }
};

struct test_info;
using test_runner = test_outcome (*)(const test_info&, const run_config&);

struct test_info {
  std::string name;
  source_loc where;
  std::string kind;  // "unit" or "model"
  std::function<void()> body;
  test_runner run = nullptr;
  const void* options = nullptr;  // runner-specific (model_test_options for model tests)
};

// Registers a test; called from static initialisers. Names must be unique per executable.
void register_test(test_info info);
const std::vector<test_info>& registered_tests();

// The runner of plain unit tests (runs the body once; an exception or failed assertion fails).
test_outcome run_unit_test(const test_info&, const run_config&);

// Runs the harness: parses argv, runs the selected tests, prints the table and the closing
// line. Returns the process exit code. Test executables get a main that calls this.
int harness_main(int argc, char** argv);

namespace detail {

// Called by a failed LOCKSTEP_ASSERT. The default throws assertion_failure; the model
// checker installs a hook for the fiber running the current execution.
using assert_hook_fn = void (*)(const std::string& message, source_loc where);
void set_assert_hook(assert_hook_fn hook) noexcept;
[[noreturn]] void assertion_failed(const std::string& message, source_loc where);

class assert_failer {
 public:
  assert_failer(const char* expr, source_loc where) : where_(where) { os_ << expr; }
  template <class T>
  assert_failer& operator<<(const T& v) {
    if (!has_msg_) {
      os_ << ": ";
      has_msg_ = true;
    }
    os_ << v;
    return *this;
  }
  [[noreturn]] ~assert_failer() noexcept(false) { assertion_failed(os_.str(), where_); }

 private:
  std::ostringstream os_;
  source_loc where_;
  bool has_msg_ = false;
};

struct assert_voidify {
  void operator&(const assert_failer&) const noexcept {}
};

struct registrar {
  registrar(test_info info) { register_test(std::move(info)); }
};

}  // namespace detail

struct assertion_failure : std::exception {
  std::string message;
  explicit assertion_failure(std::string m) : message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// Thrown by a test's runner when the command line asks for something it cannot do (a
// malformed replay token, ...): the harness prints the message and exits with status 2, as
// for any other bad usage.
struct usage_error : std::exception {
  std::string message;
  explicit usage_error(std::string m) : message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// Thrown by LOCKSTEP_SKIP: the test is reported as skipped (exit code 77 when it is the only
// test run, which CTest shows as skipped). Only for missing external resources.
struct test_skipped : std::exception {
  std::string reason;
  explicit test_skipped(std::string r) : reason(std::move(r)) {}
  const char* what() const noexcept override { return reason.c_str(); }
};

// For a unit test that runs a deliberately broken twin through a property (e.g.
// lockstep::caught_within): records that the twin's bug was caught, so the test's summary row
// says "caught: <what>" instead of "pass" when the test passes (the verification summary
// counts caught twins). Only meaningful inside a LOCKSTEP_UNIT_TEST body.
void note_twin_caught(const std::string& what);

}  // namespace lockstep

#define LOCKSTEP_SKIP(reason) throw ::lockstep::test_skipped(reason)

// An expression, not an if/else, so that `if (x) LOCKSTEP_ASSERT(y) << "...";` has no dangling
// else; `&` binds looser than `<<`, so the streamed message goes to the failer first (glog's
// voidify idiom). The failer reports in its destructor, at the end of the full expression.
#define LOCKSTEP_ASSERT(cond)                                             \
  static_cast<bool>(cond)                                                 \
      ? (void)0                                                           \
      : ::lockstep::detail::assert_voidify() &                            \
            ::lockstep::detail::assert_failer("assertion failed: " #cond, \
                                              ::lockstep::source_loc{__FILE__, __LINE__})

#define LOCKSTEP_FAIL() \
  ::lockstep::detail::assert_failer("failure", ::lockstep::source_loc{__FILE__, __LINE__})

#define LOCKSTEP_CONCAT_INNER(a, b) a##b
#define LOCKSTEP_CONCAT(a, b) LOCKSTEP_CONCAT_INNER(a, b)

#define LOCKSTEP_UNIT_TEST(name)                                                          \
  static void LOCKSTEP_CONCAT(lockstep_unit_body_, name)();                               \
  static ::lockstep::detail::registrar LOCKSTEP_CONCAT(lockstep_unit_reg_,                \
                                                       name){::lockstep::test_info{       \
      #name, ::lockstep::source_loc{__FILE__, __LINE__}, "unit",                          \
      &LOCKSTEP_CONCAT(lockstep_unit_body_, name), &::lockstep::run_unit_test, nullptr}}; \
  static void LOCKSTEP_CONCAT(lockstep_unit_body_, name)()
