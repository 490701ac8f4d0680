// The watchdog: a simulated thread that neither reaches a scheduling point nor returns to
// the step loop for the stall bound is blocked or spinning outside lockstep (escape.hpp).
// The step loop counts its steps in g_steps and bumps g_fiber_epoch (escape.hpp) at every
// switch between the scheduler's stack and the fibers; the watchdog thread samples both every
// 50 ms. When the epoch stays odd (a fiber runs) and neither moves for the bound, the
// watchdog asks the kernel what
// the scheduler thread does (/proc/self/task/<tid>/stat and .../syscall), captures its call
// stack through a signal whose handler records the frames and parks the thread, prints the
// report with the stack and the running execution's token, and ends the process (status 4):
// the stalled thread cannot be brought back, so nothing else can run.
#include <execinfo.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "escape.hpp"
#include "execution.hpp"
#include "user_frame.hpp"

namespace lockstep::rt {

std::atomic<std::uint64_t> g_fiber_epoch{0};
std::atomic<std::uint64_t> g_steps{0};

namespace {
std::atomic<std::uint64_t> g_stall_ms{10'000};
pthread_t g_scheduler;
pid_t g_scheduler_tid = 0;
pid_t g_watchdog_pid = 0;  // the process whose watchdog runs (a forked child needs its own)

constexpr int kMaxFrames = 48;
void* g_frames[kMaxFrames];
std::atomic<int> g_nframes{-1};

void on_capture(int) {
  g_nframes.store(::backtrace(g_frames, kMaxFrames), std::memory_order_release);
  for (;;) pause();  // parked for good: the watchdog ends the process
}

std::string read_proc(const char* what) {
  char path[96];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/%s", static_cast<int>(g_scheduler_tid),
                what);
  std::string out;
  if (FILE* f = std::fopen(path, "r")) {
    char buf[512];
    std::size_t k = std::fread(buf, 1, sizeof buf - 1, f);
    out.assign(buf, k);
    std::fclose(f);
  }
  return out;
}

// The kernel's view of the stalled thread: blocked in a system call (which one), or running.
std::string kernel_state(bool& running) {
  const std::string stat = read_proc("stat");
  const auto paren = stat.rfind(')');  // the command name may contain spaces
  const char state = paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
  running = state == 'R';
  if (running) return "running";
  const long nr = std::strtol(read_proc("syscall").c_str(), nullptr, 10);
  switch (nr) {
    case SYS_futex:
      return "in the kernel (futex: a std::mutex, condition_variable, atomic wait, "
             "thread join or call_once?)";
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
      return "in the kernel (a real sleep)";
    case SYS_read:
    case SYS_recvfrom:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
      return "in the kernel (waiting for I/O)";
    case SYS_wait4:
    case SYS_waitid:
      return "in the kernel (waiting for a child process)";
    default:
      return "in the kernel (system call " + std::to_string(nr) + ")";
  }
}

[[noreturn]] void report_stall(std::uint64_t ms) {
  execution* e = execution::active();
  bool running = false;
  const std::string state = kernel_state(running);
  std::string detail = running ? "uncontrolled spinning: simulated thread "
                               : "uncontrolled blocking: simulated thread ";
  detail += std::to_string(e ? e->current_id() : -1);
  detail += running ? " has run for " + std::to_string(ms) +
                          " ms without reaching a scheduling point (spinning on memory lockstep "
                          "does not control, e.g. a std::atomic or a plain variable?)\n"
                    : " is blocked outside lockstep for " + std::to_string(ms) + " ms, " + state +
                          " (a std:: primitive? use the platform's P:: types)\n";
  if (g_foreign_operation.load(std::memory_order_acquire)) {
    source_loc where;
    detail += foreign_operation_message(where) + " (at " + to_string(where) +
              "): the simulated thread may be waiting for that thread\n";
  }
  g_nframes.store(-1, std::memory_order_relaxed);
  if (pthread_kill(g_scheduler, SIGURG) == 0) {
    for (int i = 0; i < 200 && g_nframes.load(std::memory_order_acquire) < 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int n = g_nframes.load(std::memory_order_acquire);
    // Frames 0 and 1 are this handler and the kernel's signal trampoline.
    if (n > 2)
      detail += "its call stack (innermost first):\n" + describe_stack(g_frames + 2, n - 2);
  }
  detail += "(the stall bound is --stall-timeout=SECONDS; 0 switches the watchdog off)";
  // The report goes out whole: the stalled thread is parked in on_capture.
  write_escape_report("", "stopped by the watchdog", detail.c_str());
  _exit(4);
}

void watch() {
  using clock = std::chrono::steady_clock;
  std::uint64_t last = g_fiber_epoch.load(std::memory_order_relaxed);
  std::uint64_t last_steps = g_steps.load(std::memory_order_relaxed);
  auto since = clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::uint64_t bound = g_stall_ms.load(std::memory_order_relaxed);
    const std::uint64_t now_epoch = g_fiber_epoch.load(std::memory_order_relaxed);
    const std::uint64_t now_steps = g_steps.load(std::memory_order_relaxed);
    const auto now = clock::now();
    if (now_epoch != last || now_steps != last_steps || (now_epoch & 1) == 0 || bound == 0) {
      last = now_epoch;
      last_steps = now_steps;
      since = now;
      continue;
    }
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count());
    if (ms >= bound) report_stall(ms);
  }
}
}  // namespace

void set_stall_timeout(std::uint64_t ms) noexcept {
  g_stall_ms.store(ms, std::memory_order_relaxed);
}

void start_watchdog() {
  if (g_stall_ms.load(std::memory_order_relaxed) == 0 || g_watchdog_pid == getpid()) return;
  g_watchdog_pid = getpid();
  g_scheduler = pthread_self();
  g_scheduler_tid = static_cast<pid_t>(syscall(SYS_gettid));
  struct sigaction sa {};
  sa.sa_handler = on_capture;
  sa.sa_flags = SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGURG, &sa, nullptr);
  std::thread(watch).detach();
}

void install_escape_guards() {
  install_crash_handlers();
  start_watchdog();
}

}  // namespace lockstep::rt
