// The process ends inside a test: name the test and print the running execution's token
// (escape.hpp). Everything here runs in signal handlers or at exit: write(2) only, no
// allocation, context in plain char buffers.
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "escape.hpp"
#include "execution.hpp"
#include "stack_pool.hpp"
#include "token.hpp"
#include "user_frame.hpp"

namespace lockstep::rt {

namespace {
char g_test_name[256];
// The token prefix "<test>@1.<strategy>.<seed>.<max_steps>.<spurious>." in three parts, so
// that random mode sets the seed of each execution without formatting a string.
char g_prefix_head[256];  // up to the strategy's '.'
char g_prefix_tail[64];   // from the '.' after the seed
std::uint64_t g_seed = 0;
char g_altstack[64 * 1024];

void write_str(const char* s) noexcept { (void)!write(2, s, std::strlen(s)); }

void write_token_prefix() noexcept {
  write_str(g_prefix_head);
  char num[24];
  int k = 0;
  std::uint64_t v = g_seed;
  do num[k++] = static_cast<char>('0' + v % 10);
  while ((v /= 10) != 0);
  for (int a = 0, b = k - 1; a < b; ++a, --b) std::swap(num[a], num[b]);
  num[k] = '\0';
  if (g_prefix_tail[0]) write_str(num);
  write_str(g_prefix_tail);
}

// The strategy is the token's second field: "<test>@1.<strategy>.<seed>...".
void write_strategy() noexcept {
  const char* at = std::strrchr(g_prefix_head, '@');
  if (!at || std::strncmp(at, "@1.", 3) != 0) return;
  const char* s = at + 3;
  const char* end = std::strchr(s, '.');
  if (!end) return;
  write_str(" (strategy ");
  (void)!write(2, s, static_cast<std::size_t>(end - s));
  write_str(")");
}

const char* signal_what(int sig) noexcept {
  switch (sig) {
    case SIGABRT:
      return "aborted (SIGABRT: abort(), a failed assert() or std::terminate)";
    case SIGSEGV:
      return "crashed (SIGSEGV: invalid memory access)";
    case SIGBUS:
      return "crashed (SIGBUS: invalid memory access)";
    case SIGFPE:
      return "crashed (SIGFPE: arithmetic error, e.g. division by zero)";
    case SIGILL:
      return "crashed (SIGILL: illegal instruction, e.g. __builtin_trap)";
    default:
      return "crashed (fatal signal)";
  }
}

constexpr int kFatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

void on_fatal(int sig, siginfo_t* info, void*) {
  if ((sig == SIGSEGV || sig == SIGBUS) && stack_pool::is_guard(info->si_addr)) {
    write_escape_report("FIBER STACK OVERFLOW in ", "",
                        "The thread's stack is exhausted (raise model_test_options::stack_size, "
                        "or look for unbounded recursion).");
    _exit(3);
  }
  static volatile std::sig_atomic_t reporting = 0;
  if (!reporting && g_test_name[0]) {
    reporting = 1;
    write_escape_report("", signal_what(sig), nullptr);
  }
  // The default action ends the process as the signal would have: the pending signal is
  // delivered when this handler returns (a faulting instruction faults again).
  std::signal(sig, SIG_DFL);
  raise(sig);
}

void on_exit() { leave_if_exiting_inside_a_test(); }
}  // namespace

void leave_if_exiting_inside_a_test() noexcept {
  execution* e = execution::active();
  if (!e || e->current_id() < 0 || !t_scheduler_thread) return;
  write_escape_report("", "called std::exit() (the test did not finish)", nullptr);
  _exit(4);
}

void write_escape_report(const char* lead, const char* what, const char* detail) noexcept {
  write_str("\nlockstep: ");
  write_str(lead);
  write_str("test ");
  write_str(g_test_name);
  if (*what) {
    write_str(" ");
    write_str(what);
  }
  execution* e = execution::active();
  if (e) {
    char buf[48];
    if (e->current_id() >= 0)
      std::snprintf(buf, sizeof buf, ", simulated thread %d", e->current_id());
    else
      std::snprintf(buf, sizeof buf, ", in the scheduler");
    write_str(buf);
  }
  write_strategy();
  write_str(".\n");
  if (detail) {
    write_str(detail);
    write_str("\n");
  }
  if (e) {
    write_str("replay: --replay=");
    write_token_prefix();
    static char tok[8192];
    encode_choices(e->choices().data(), e->choices().size(), tok, sizeof tok);
    write_str(tok);
    write_str("\n");
  }
}

void set_escape_context(const std::string& test_name, const std::string& token_prefix) {
  std::snprintf(g_test_name, sizeof g_test_name, "%s", test_name.c_str());
  // Split around the seed (prefix_of in token.cpp: the third '.' after the '@' ends it).
  std::size_t p = token_prefix.rfind('@');
  std::size_t dots[3] = {};
  for (auto& d : dots) p = d = p == std::string::npos ? p : token_prefix.find('.', p + 1);
  if (dots[2] == std::string::npos) {  // not a token prefix: print it as it is
    std::snprintf(g_prefix_head, sizeof g_prefix_head, "%s", token_prefix.c_str());
    g_prefix_tail[0] = '\0';
    g_seed = 0;
    return;
  }
  std::snprintf(g_prefix_head, sizeof g_prefix_head, "%s",
                token_prefix.substr(0, dots[1] + 1).c_str());
  std::snprintf(g_prefix_tail, sizeof g_prefix_tail, "%s", token_prefix.substr(dots[2]).c_str());
  g_seed = std::strtoull(token_prefix.c_str() + dots[1] + 1, nullptr, 10);
}

void set_escape_seed(std::uint64_t seed) noexcept { g_seed = seed; }

void install_crash_handlers() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = sizeof g_altstack;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = on_fatal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int sig : kFatal) sigaction(sig, &sa, nullptr);
  std::atexit(on_exit);
  // The unwinder loads libgcc_s on first use: not from a signal handler.
  captured_stack warm;
  capture_stack(warm);
}

}  // namespace lockstep::rt
