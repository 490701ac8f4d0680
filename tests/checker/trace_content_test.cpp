// What a failure report says (issue 14 item 1): var<T> accesses are steps of the trace at the
// user's line (operators included) and a race names both lines and the var's declaration;
// deadlocks name the user's line behind std::lock_guard; livelocks say where each spin began
// and what it waits for; pointer values are numbered, not printed as raw addresses. Each test
// runs the checker on a failing body and reads its report.
#include <lockstep/check.hpp>
#include <lockstep/name.hpp>

#include <mutex>
#include <string>

#include "../support/line_info.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::engine;

using lockstep_test::need_line_info;

bool has(const std::string& report, const std::string& what) {
  return report.find(what) != std::string::npos;
}
std::string at(int line) { return "tests/checker/trace_content_test.cpp:" + std::to_string(line); }

int g_declared, g_incremented, g_assigned, g_read;
void racy_counter() {
  P::mutex m;
  g_declared = __LINE__ + 1;
  P::var<int> x{0};
  P::var<int> copy{0};
  P::thread t([&] {
    std::lock_guard<P::mutex> g(m);
    g_incremented = __LINE__ + 1;
    x += 1;
  });
  g_assigned = __LINE__ + 1;
  x = 5;  // forgot the lock
  t.join();
  g_read = __LINE__ + 1;
  const int v = x;
  copy = x;
  LOCKSTEP_ASSERT(v >= 0 && copy.get() >= 0);
}

void check_race_report(engine e) {
  need_line_info();
  const lockstep::model_test_options o{.engine = e};
  const auto x = lockstep::explore("trace_race", racy_counter, o);
  LOCKSTEP_ASSERT(x.verdict == "FAIL: data race") << x.verdict << "\n" << x.report;
  LOCKSTEP_ASSERT(has(x.report, "(declared at " + at(g_declared) + ")")) << x.report;
  // Both racing accesses at the user's lines: the operators' lines, not model_platform.hpp.
  LOCKSTEP_ASSERT(has(x.report, at(g_incremented)) && has(x.report, at(g_assigned))) << x.report;
  LOCKSTEP_ASSERT(!has(x.report, "model_platform.hpp")) << x.report;
  // The accesses are in the trace, with their values.
  LOCKSTEP_ASSERT(has(x.report, " var accesses;")) << x.report;
  LOCKSTEP_ASSERT(has(x.report, "write var#")) << x.report;
}

}  // namespace

LOCKSTEP_UNIT_TEST(race_report_names_the_users_lines_graph) { check_race_report(engine::graph); }
LOCKSTEP_UNIT_TEST(race_report_names_the_users_lines_dpor) { check_race_report(engine::dpor); }

// A read through the conversion operator and `a = b` are located at the user's line too.
LOCKSTEP_UNIT_TEST(var_reads_through_operators_are_located) {
  need_line_info();
  static int read_line;
  auto body = [] {
    P::var<int> x{0};
    P::var<int> y{0};
    P::thread t([&] { x = 1; });
    read_line = __LINE__ + 1;
    y = x;  // races with the write
    t.join();
  };
  const auto x = lockstep::explore("trace_read", body, {});
  LOCKSTEP_ASSERT(x.verdict == "FAIL: data race") << x.verdict;
  LOCKSTEP_ASSERT(has(x.report, "a read by thread 0 at " + at(read_line)) ||
                  has(x.report, "and a read by thread 0 at " + at(read_line)))
      << x.report;
}

// Deadlock through std::lock_guard: each blocked thread at the user's line.
LOCKSTEP_UNIT_TEST(deadlock_report_names_the_users_lines) {
  need_line_info();
  static int line_a, line_b;
  auto body = [] {
    P::mutex a, b;
    P::thread t([&] {
      std::lock_guard<P::mutex> ga(a);
      line_b = __LINE__ + 1;
      std::lock_guard<P::mutex> gb(b);
    });
    {
      std::lock_guard<P::mutex> gb(b);
      line_a = __LINE__ + 1;
      std::lock_guard<P::mutex> ga(a);
    }
    t.join();
  };
  const auto x = lockstep::explore("trace_deadlock", body, {});
  LOCKSTEP_ASSERT(x.verdict == "FAIL: deadlock") << x.verdict;
  LOCKSTEP_ASSERT(has(x.report, "blocked in lock mutex#0 at " + at(line_a)) &&
                  has(x.report, "blocked in lock mutex#1 at " + at(line_b)))
      << x.report;
  LOCKSTEP_ASSERT(!has(x.report, "std_mutex.h")) << x.report;
}

// Livelock: where the spin began, what it repeats, what it waits for; the waiting joiner.
LOCKSTEP_UNIT_TEST(livelock_report_says_where_the_spin_began) {
  need_line_info();
  static int spin_line, join_line;
  auto body = [] {
    P::atomic<bool> flag{false};
    P::thread t([&] {
      spin_line = __LINE__ + 1;
      while (!flag.load()) P::this_thread::yield();
    });
    join_line = __LINE__ + 1;
    t.join();
  };
  const auto x = lockstep::explore("trace_spin", body, {.max_steps = 100, .strict_liveness = true});
  LOCKSTEP_ASSERT(x.verdict == "FAIL: livelock") << x.verdict << "\n" << x.report;
  LOCKSTEP_ASSERT(has(x.report, "thread 1 spins since step ")) << x.report;
  LOCKSTEP_ASSERT(has(x.report, "load atomic#0 at " + at(spin_line))) << x.report;
  LOCKSTEP_ASSERT(has(x.report, "waiting for another thread to store to atomic#0")) << x.report;
  LOCKSTEP_ASSERT(has(x.report, "thread 0 blocked in join at " + at(join_line))) << x.report;
}

// Pointers read and written are numbered in order of appearance: replays print the same.
LOCKSTEP_UNIT_TEST(pointer_values_are_numbered) {
  static int cells[2];
  auto body = [] {
    P::atomic<int*> p{nullptr};
    P::thread t([&] { p.store(&cells[0]); });
    p.store(&cells[1]);
    t.join();
    LOCKSTEP_ASSERT(p.load() != &cells[1]) << "last store wins";
  };
  const auto x = lockstep::explore("pointer_trace", body, {});
  LOCKSTEP_ASSERT(x.verdict == "FAIL: assertion") << x.verdict;
  const auto r = lockstep::replay("pointer_trace", body, {}, x.token);
  LOCKSTEP_ASSERT(has(r.report, "ptr#1") && has(r.report, "ptr#2")) << r.report;
  LOCKSTEP_ASSERT(!has(r.report, "ptr@")) << r.report;
  const auto again = lockstep::replay("pointer_trace", body, {}, x.token);
  LOCKSTEP_ASSERT(again.report == r.report) << "two replays differ";
}

// lockstep::name labels objects in reports on the model platform and does nothing to std
// types (lockstep/name.hpp).
LOCKSTEP_UNIT_TEST(named_objects_appear_by_name) {
  std::mutex real;
  lockstep::name(real, "ignored on std types");
  auto body = [] {
    P::mutex a, b;
    lockstep::name(a, "accounts");
    P::var<int> balance{0};
    lockstep::name(balance, "balance");
    P::thread t([&] {
      std::lock_guard<P::mutex> ga(a);
      balance += 1;
      std::lock_guard<P::mutex> gb(b);
    });
    {
      std::lock_guard<P::mutex> gb(b);
      balance += 1;
      std::lock_guard<P::mutex> ga(a);
    }
    t.join();
  };
  const auto x = lockstep::explore("named", body, {});
  LOCKSTEP_ASSERT(x.verdict == "FAIL: data race" || x.verdict == "FAIL: deadlock") << x.verdict;
  LOCKSTEP_ASSERT(has(x.report, "accounts (mutex#")) << x.report;
  if (x.verdict == "FAIL: data race")
    LOCKSTEP_ASSERT(has(x.report, "data race on balance (var#")) << x.report;
}
