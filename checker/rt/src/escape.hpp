// Internal: what escapes the model is diagnosed, not hung or crashed.
//
// A simulated thread runs user code on a fiber of the one OS thread that runs the step loop
// (the scheduler thread). Whatever leaves lockstep's control from there would otherwise hang
// the run until --timeout or end it without naming the test:
//   * the process ends inside a test — abort(), a failed assert, std::terminate, a fatal
//     signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL), std::exit(): crash_report.cpp prints the
//     test, the strategy, the simulated thread and the replay token of the running execution
//     before the process ends (a fiber stack overflow is one case: exit status 3; std::exit
//     inside a test: exit status 4, never the segfault of static destructors running on a
//     fiber stack; signals keep their default action, so the shell still sees SIGABRT etc.);
//   * a simulated thread blocks in the kernel outside a scheduling point (a real std::mutex
//     held by another simulated thread, a real condition variable, a real join) or runs
//     without reaching one (a spin on a std::atomic another simulated thread should set):
//     watchdog.cpp notices the step loop has not moved for the stall bound and ends the run
//     with "uncontrolled blocking" (or "uncontrolled spinning"), the stalled thread's call
//     stack and the token, exit status 4;
//   * concurrency lockstep does not control: a std::thread started by a simulated thread, a
//     real sleep (std::this_thread::sleep_for) on one, and a model operation called from an
//     OS thread that is not the scheduler thread are misuse verdicts with a token
//     (uncontrolled.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "lockstep/rt/runtime.hpp"

namespace lockstep::rt {

// Installs (once per process) the fatal-signal handlers on an alternate signal stack and the
// std::exit hook (crash_report.cpp), and starts the watchdog unless the stall bound is 0
// (watchdog.cpp; again in a forked child, where the parent's watchdog thread does not exist).
void install_escape_guards();
void install_crash_handlers();
void start_watchdog();

// What the reports name; set by the runner before each execution (the handlers do not
// allocate: these are copied into plain char buffers).
void set_escape_context(const std::string& test_name, const std::string& token_prefix);
// Only the seed of the token prefix changes (random and PCT modes, per execution: no
// formatting, no allocation).
void set_escape_seed(std::uint64_t seed) noexcept;

// Writes "lockstep: <lead>test <name> <what>, simulated thread N (strategy S).", `detail`
// and "replay: --replay=<token of the running execution>" with write(2): usable from a
// signal handler.
void write_escape_report(const char* lead, const char* what, const char* detail) noexcept;

// std::exit() on a fiber runs atexit handlers and static destructors on that fiber's stack;
// the stack pool's destructor would unmap it under their feet. Called by the exit hook and
// by ~stack_pool (whichever runs first): inside a test, reports and leaves with status 4.
void leave_if_exiting_inside_a_test() noexcept;

// The stall bound of the watchdog in milliseconds (0: no watchdog). Default 10 s; the
// harness's --stall-timeout sets it before the first test runs.
void set_stall_timeout(std::uint64_t ms) noexcept;

// The step loop's progress, sampled by the watchdog. Both are written only by the scheduler
// thread, a relaxed load and store at a time.
//   g_fiber_epoch: odd while the fibers run (user code, and in direct mode the step loop
//     itself, execution.hpp), even while the scheduler's own stack runs: +1 when the
//     scheduler jumps into a fiber and +1 when it is back.
//   g_steps: the steps of every execution of the process, counted where the step loop takes
//     them: it is the step loop's own step counter (execution::steps() is its difference
//     since the execution started), so watching costs the step loop no store of its own.
extern std::atomic<std::uint64_t> g_fiber_epoch;
extern std::atomic<std::uint64_t> g_steps;
inline void note_fiber_switch() noexcept {
  g_fiber_epoch.store(g_fiber_epoch.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// True on the OS thread that runs executions (set by execution::run).
extern thread_local bool t_scheduler_thread;
// Set by a model operation of a foreign OS thread; the next scheduling point of a simulated
// thread turns it into a misuse verdict.
extern std::atomic<bool> g_foreign_operation;
// Called on a foreign OS thread by a model operation (execution::point, rt::exec): records
// its call stack and parks the foreign thread for good (it must not touch the scheduler's
// state).
[[noreturn]] void foreign_operation() noexcept;
// The misuse message of the recorded foreign operation, and where it was called.
std::string foreign_operation_message(source_loc& where);

}  // namespace lockstep::rt
