// The `thread_local` keyword under the checker (checker/rt/src/tls_watch.hpp): simulated
// threads are fibers on one OS thread, so they share its copy of every thread_local variable.
// A variable of the program written by two simulated threads of one execution is a misuse
// verdict naming it (demangled) and both threads, with a replay token. Broken twins: a
// thread_local counter, and a function-local static thread_local, each incremented by two
// threads. Correct twins: P::thread_local_var (one copy per simulated thread); a thread_local
// (trivial, and a std::string with a constructor and destructor) used by one simulated thread.
// A test executable of its own: a program with thread_locals runs its steps in scheduler mode.
#include <lockstep/check.hpp>

#include <string>

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

thread_local int counter = 0;
thread_local int solo = 0;
thread_local std::string label;

void two_threads_bump_counter() {
  P::atomic<int> go{0};
  P::thread a([&] {
    ++counter;
    go.fetch_add(1);
  });
  P::thread b([&] {
    ++counter;
    go.fetch_add(1);
  });
  a.join();
  b.join();
}

int bump_calls() {
  static thread_local int calls = 0;
  return ++calls;
}

void two_threads_call_bump() {
  P::atomic<int> done{0};
  P::thread a([&] { done.fetch_add(bump_calls()); });
  P::thread b([&] { done.fetch_add(bump_calls()); });
  a.join();
  b.join();
}

void thread_local_var_per_thread() {
  P::thread_local_var<int> n;
  P::atomic<int> sum{0};
  auto body = [&] {
    ++n.get();
    ++n.get();
    sum.fetch_add(n.get());  // each thread's own copy: 2
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(sum.load() == 4);
}

// One simulated thread uses the thread_locals (the others do not touch them). The values
// carry over from one execution to the next (the OS thread's copy), so the body checks only
// what one execution does.
void one_thread_uses_them() {
  P::atomic<int> x{0};
  P::thread user([&] {
    const int before = solo;
    ++solo;
    x.store(1);
    ++solo;
    LOCKSTEP_ASSERT(solo == before + 2);
    label = "user";
    x.store(2);
    label += " thread";
    LOCKSTEP_ASSERT(label == "user thread");
  });
  P::thread other([&] { (void)x.load(); });
  user.join();
  other.join();
}

}  // namespace

LOCKSTEP_TEST(thread_local_counter_shared_by_two_threads_is_caught,
              {.expect = failure_kind::misuse}) {
  two_threads_bump_counter();
}
LOCKSTEP_TEST(thread_local_counter_shared_by_two_threads_is_caught_dpor,
              {.expect = failure_kind::misuse, .engine = lockstep::engine::dpor}) {
  two_threads_bump_counter();
}
LOCKSTEP_TEST(function_local_thread_local_shared_is_caught, {.expect = failure_kind::misuse}) {
  two_threads_call_bump();
}
LOCKSTEP_TEST(thread_local_var_is_per_thread_passes) { thread_local_var_per_thread(); }
LOCKSTEP_TEST(thread_local_var_is_per_thread_passes_dpor, {.engine = lockstep::engine::dpor}) {
  thread_local_var_per_thread();
}
LOCKSTEP_TEST(thread_local_used_by_one_thread_passes) { one_thread_uses_them(); }
LOCKSTEP_TEST(thread_local_used_by_one_thread_passes_dpor, {.engine = lockstep::engine::dpor}) {
  one_thread_uses_them();
}

namespace {
bool has(const std::string& report, const std::string& what) {
  return report.find(what) != std::string::npos;
}
}  // namespace

// The verdict names the variable (demangled) and the two threads, on both engines and in
// random mode, and its token replays to it.
LOCKSTEP_UNIT_TEST(thread_local_verdict_names_the_variable) {
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    for (bool exhaustive : {true, false}) {
      lockstep::model_test_options o;
      o.engine = eng;
      const auto x = lockstep::explore("counter", two_threads_bump_counter, o, exhaustive);
      LOCKSTEP_ASSERT(x.verdict == "FAIL: misuse") << x.verdict;
      LOCKSTEP_ASSERT(has(x.report,
                          "thread_local `(anonymous namespace)::counter` is shared by simulated "
                          "threads 1 and 2 (they run on one OS thread): use P::thread_local_var") ||
                      has(x.report,
                          "thread_local `(anonymous namespace)::counter` is shared by simulated "
                          "threads 2 and 1 (they run on one OS thread): use P::thread_local_var"))
          << x.report;
      LOCKSTEP_ASSERT(!x.token.empty()) << "no replay token";
      const auto r = lockstep::replay("counter", two_threads_bump_counter, o, x.token);
      LOCKSTEP_ASSERT(r.verdict == "FAIL: misuse") << r.verdict;

      const auto y = lockstep::explore("bump", two_threads_call_bump, o, exhaustive);
      LOCKSTEP_ASSERT(y.verdict == "FAIL: misuse") << y.verdict;
      LOCKSTEP_ASSERT(has(y.report, "thread_local `(anonymous namespace)::bump_calls()::calls`"))
          << y.report;
    }
  }
}
