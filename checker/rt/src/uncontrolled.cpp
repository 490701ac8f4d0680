// Concurrency lockstep does not control is a misuse verdict (escape.hpp):
//   * pthread_create (std::thread, std::async, std::jthread) and the real sleeps (nanosleep,
//     clock_nanosleep: std::this_thread::sleep_for) are interposed: the test binary's
//     definitions take precedence over the C library's for every caller, libstdc++ included.
//     Called by a simulated thread they fail the execution (a real thread would run beside
//     the model, unexplored; a real sleep would stall every simulated thread and not move the
//     virtual clock); called anywhere else they forward to the C library.
//   * A model operation on an OS thread that is not the scheduler thread must not touch the
//     scheduler's state: it is recorded and its thread parked; the next scheduling point of a
//     simulated thread reports it (or, if the simulated thread waits for the foreign one in
//     the kernel, the watchdog does).
#include <dlfcn.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <cstdio>
#include <string>

#include "escape.hpp"
#include "execution.hpp"
#include "user_frame.hpp"

namespace lockstep::rt {

thread_local bool t_scheduler_thread = false;
std::atomic<bool> g_foreign_operation{false};

namespace {
std::atomic<bool> g_foreign_claimed{false};
captured_stack g_foreign_stack;

// The running simulated thread when called on the scheduler thread from user code, else null.
execution* simulated_caller() noexcept {
  if (!t_scheduler_thread) return nullptr;
  execution* e = execution::active();
  return e && e->current_id() >= 0 ? e : nullptr;
}

[[noreturn]] void fail_uncontrolled(execution& e, const std::string& what) {
  captured_stack st;
  capture_stack(st);
  e.fail(failure_kind::misuse, what, user_frame(st, source_loc{nullptr, 0}));
}

template <class Fn>
Fn next_symbol(const char* name) noexcept {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}
}  // namespace

void foreign_operation() noexcept {
  if (!g_foreign_claimed.exchange(true)) {
    capture_stack(g_foreign_stack);  // symbolised later, on the scheduler thread
    g_foreign_operation.store(true, std::memory_order_release);
  }
  for (;;) pause();  // parked: the run ends with the report
}

std::string foreign_operation_message(source_loc& where) {
  std::atomic_thread_fence(std::memory_order_acquire);  // the flag was read relaxed
  where = user_frame(g_foreign_stack, source_loc{nullptr, 0});
  g_foreign_operation.store(false, std::memory_order_relaxed);
  return "a model operation was called from an OS thread lockstep does not control (a "
         "std::thread or a thread pool started outside the test?); only simulated threads "
         "(P::thread) may use model objects. That thread's timing is outside the model: "
         "the token does not replay it";
}

}  // namespace lockstep::rt

// clang links its sanitizer runtimes statically, with weak interceptors of the same names:
// ours would replace them and hide real threads from the sanitizer. gcc's runtimes are
// shared libraries, found by RTLD_NEXT behind ours.
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define LOCKSTEP_NO_INTERPOSITION 1
#endif
#endif

#ifndef LOCKSTEP_NO_INTERPOSITION
using lockstep::rt::execution;

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                              void* arg) noexcept {
  using fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const fn real = lockstep::rt::next_symbol<fn>("pthread_create");
  if (execution* e = lockstep::rt::simulated_caller())
    lockstep::rt::fail_uncontrolled(
        *e,
        "a real OS thread (std::thread, std::jthread or std::async) was started by a "
        "simulated thread: lockstep would neither control nor explore it; use P::thread");
  return real(thread, attr, start, arg);
}

extern "C" int nanosleep(const timespec* req, timespec* rem) {
  using fn = int (*)(const timespec*, timespec*);
  static const fn real = lockstep::rt::next_symbol<fn>("nanosleep");
  if (execution* e = lockstep::rt::simulated_caller())
    lockstep::rt::fail_uncontrolled(
        *e,
        "a real sleep (std::this_thread::sleep_for or nanosleep) in a simulated thread: it "
        "stalls every simulated thread and does not move the virtual clock; use "
        "P::this_thread::sleep_for");
  return real(req, rem);
}

extern "C" int clock_nanosleep(clockid_t clock, int flags, const timespec* req, timespec* rem) {
  using fn = int (*)(clockid_t, int, const timespec*, timespec*);
  static const fn real = lockstep::rt::next_symbol<fn>("clock_nanosleep");
  if (execution* e = lockstep::rt::simulated_caller())
    lockstep::rt::fail_uncontrolled(
        *e,
        "a real sleep (std::this_thread::sleep_for or clock_nanosleep) in a simulated thread: "
        "it stalls every simulated thread and does not move the virtual clock; use "
        "P::this_thread::sleep_for");
  return real(clock, flags, req, rem);
}
#endif  // LOCKSTEP_NO_INTERPOSITION
