// A P::thread handle is plain shared data, as a std::thread object is: two threads calling
// members of one handle without happens-before between them is a data race in std (undefined
// behaviour) and a data_race verdict under the checker — join, detach, a move and the
// destructor write the handle, joinable() and get_id() read it. Broken twins: two threads join
// one handle; one checks joinable() while another joins; the same on a P::jthread. Correct
// twins: the joins guarded by a mutex (one of them joins, the other sees it done); the handle
// moved to the thread that joins it. Every body under both engines (exhaustive) and in random
// mode (LOCKSTEP_TEST runs both). Reports: a race names the handle and both lines, and its
// trace lists the handle's accesses; any other report's trace (text and structured) leaves
// them out.
#include <lockstep/check.hpp>

#include <mutex>
#include <string>
#include <utility>

#include "../support/failing_programs.hpp"
#include "both_engines.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

int first_join_line = 0, second_join_line = 0, joinable_line = 0;

// clang-format off
void two_joiners() {
  P::thread worker([] {});
  P::thread a([&] { first_join_line = __LINE__; worker.join(); });
  P::thread b([&] { second_join_line = __LINE__; worker.join(); });
  a.join();
  b.join();
}

void joinable_while_joined() {
  P::thread worker([] {});
  P::atomic<bool> saw{false};
  P::thread a([&] { first_join_line = __LINE__; worker.join(); });
  P::thread b([&] { joinable_line = __LINE__; saw.store(worker.joinable()); });
  a.join();
  b.join();
}
// clang-format on

// thread_pool.hpp's shutdown(): several threads may call it; a mutex makes one of them join.
void joins_under_a_mutex() {
  P::thread worker([] {});
  P::mutex m;
  auto join_once = [&] {
    std::lock_guard<P::mutex> g(m);
    if (worker.joinable()) worker.join();
  };
  P::thread a(join_once), b(join_once);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(!worker.joinable());
}

// The handle is moved into the thread that joins it (the move happens-before its start).
void handle_moved_to_the_joiner() {
  P::thread worker([] {});
  P::thread joiner([h = std::move(worker)]() mutable {
    LOCKSTEP_ASSERT(h.joinable());
    h.join();
  });
  LOCKSTEP_ASSERT(!worker.joinable());
  joiner.join();
}

void jthread_two_joiners() {
  P::jthread worker([] {});
  P::thread a([&] { worker.join(); });
  P::thread b([&] {
    if (worker.joinable()) worker.join();
  });
  a.join();
  b.join();
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(thread_handle_two_joiners_is_caught,
                           {.expect = failure_kind::data_race}) {
  two_joiners();
}
LOCKSTEP_TEST_BOTH_ENGINES(thread_handle_joinable_while_joined_is_caught,
                           {.expect = failure_kind::data_race}) {
  joinable_while_joined();
}
LOCKSTEP_TEST_BOTH_ENGINES(jthread_handle_two_joiners_is_caught,
                           {.expect = failure_kind::data_race}) {
  jthread_two_joiners();
}
LOCKSTEP_TEST_BOTH_ENGINES(thread_handle_joins_under_a_mutex_pass) { joins_under_a_mutex(); }
LOCKSTEP_TEST_BOTH_ENGINES(thread_handle_moved_to_the_joiner_passes) {
  handle_moved_to_the_joiner();
}

namespace {
bool has(const std::string& report, const std::string& what) {
  return report.find(what) != std::string::npos;
}
std::string at(int line) {
  return "tests/std_surface/thread_handle_model_test.cpp:" + std::to_string(line);
}
}  // namespace

// The verdict names the handle and both accesses with the user's lines, on both engines and
// in random mode, with a token that replays to it.
LOCKSTEP_UNIT_TEST(thread_handle_race_names_both_accesses) {
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    for (bool exhaustive : {true, false}) {
      lockstep::model_test_options o;
      o.engine = eng;
      o.minimize = false;
      const auto x = lockstep::explore("two_joiners", two_joiners, o, exhaustive);
      LOCKSTEP_ASSERT(x.verdict == "FAIL: data race") << x.verdict;
      LOCKSTEP_ASSERT(has(x.report, "data race on P::thread handle")) << x.report;
      LOCKSTEP_ASSERT(has(x.report, at(first_join_line))) << x.report;
      LOCKSTEP_ASSERT(has(x.report, at(second_join_line))) << x.report;
      LOCKSTEP_ASSERT(!x.token.empty()) << "no replay token";
      // The trace of a race on a handle lists the handle's accesses (others' leave them out).
      LOCKSTEP_ASSERT(has(x.report, "write P::thread handle (var#")) << x.report;
      const auto r = lockstep::replay("two_joiners", two_joiners, o, x.token);
      LOCKSTEP_ASSERT(r.verdict == "FAIL: data race") << r.verdict;
      LOCKSTEP_ASSERT(has(r.report, "write P::thread handle (var#")) << r.report;

      const auto y =
          lockstep::explore("joinable_while_joined", joinable_while_joined, o, exhaustive);
      LOCKSTEP_ASSERT(y.verdict == "FAIL: data race") << y.verdict;
      LOCKSTEP_ASSERT(has(y.report, "a read by thread 3 at " + at(joinable_line))) << y.report;
      LOCKSTEP_ASSERT(has(y.report, "a write by thread 2 at " + at(first_join_line))) << y.report;
    }
  }
}

namespace {
// The steps of every row's structured trace (--json) that act on a P::thread handle, and of
// those the handle writes; also whether a join step is there at all.
struct handle_steps {
  int accesses = 0, writes = 0, joins = 0;
};
handle_steps structured_handle_steps(const char* name, void (*body)(),
                                     const lockstep::model_test_options& o) {
  const lockstep::test_info t{name, lockstep::source_loc::current(), "model",
                              body, lockstep::run_model_test,        &o};
  lockstep::run_config c;
  c.mode = lockstep::run_mode::exhaustive;
  c.progress = false;
  handle_steps n;
  for (const auto& row : lockstep::run_model_test(t, c).rows)
    for (const auto& s : row.trace) {
      const bool handle = s.object.starts_with("P::thread handle");
      n.accesses += handle;
      n.writes += handle && s.op == "write";
      n.joins += s.op == "join";
    }
  return n;
}
}  // namespace

// Every join writes its handle. A report that is not a race on a handle leaves the handle's
// accesses out of its trace, the text and the structured one alike, and its token replays to
// the same verdict; a race on a handle lists them (issue 18t's note: noise in every trace).
LOCKSTEP_UNIT_TEST(thread_handle_accesses_only_in_a_race_on_it) {
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    lockstep::model_test_options o;
    o.engine = eng;
    o.minimize = false;
    const auto x = lockstep::explore("lost_update", lockstep_test::lost_update, o);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: assertion") << x.verdict;
    LOCKSTEP_ASSERT(has(x.report, " join")) << x.report;
    LOCKSTEP_ASSERT(!has(x.report, "P::thread handle")) << x.report;
    const auto r = lockstep::replay("lost_update", lockstep_test::lost_update, o, x.token);
    LOCKSTEP_ASSERT(r.verdict == "FAIL: assertion") << r.verdict;
    LOCKSTEP_ASSERT(!has(r.report, "P::thread handle")) << r.report;

    // A failure not about a handle, in a program that joins two threads.
    const handle_steps quiet =
        structured_handle_steps("lost_update", lockstep_test::lost_update, o);
    LOCKSTEP_ASSERT(quiet.joins > 0 && quiet.accesses == 0)
        << quiet.joins << " joins, " << quiet.accesses << " handle accesses";
    const handle_steps raced = structured_handle_steps("two_joiners", two_joiners, o);
    LOCKSTEP_ASSERT(raced.writes > 0) << "the race's trace lists no write of the handle";
  }
}
