// Guard-paged, pooled fiber stacks and the stack-overflow report.
#include "stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "execution.hpp"
#include "sanitizer_fiber.hpp"
#include "token.hpp"

namespace lockstep::rt {

namespace {
// Registry of guard ranges for the signal handler. Fixed-size and lock-free to read: the
// handler must not allocate.
constexpr int kMaxStacks = 1024;
char* g_guards[kMaxStacks];
int g_nguards = 0;

char g_test_name[256];
// The token prefix "<test>@1.<strategy>.<seed>.<max_steps>.<spurious>." in three parts, so
// that random mode can set the seed of each execution without formatting a string.
char g_prefix_head[256];  // up to the strategy's '.'
char g_prefix_tail[64];   // from the '.' after the seed
std::uint64_t g_seed = 0;
char g_altstack[64 * 1024];

void write_str(const char* s) { (void)!write(2, s, std::strlen(s)); }

void on_segv(int sig, siginfo_t* info, void*) {
  char* addr = static_cast<char*>(info->si_addr);
  std::size_t g = stack_pool::guard_size();
  for (int i = 0; i < g_nguards; ++i) {
    if (addr >= g_guards[i] && addr < g_guards[i] + g) {
      write_str("\nlockstep: FIBER STACK OVERFLOW in test ");
      write_str(g_test_name);
      if (auto* e = execution::active()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%d", e->current_id());
        write_str(", simulated thread ");
        write_str(buf);
        write_str(
            ".\nThe thread's stack is exhausted (raise model_test_options::stack_size, "
            "or look for unbounded recursion).\nreplay: --replay=");
        write_str(g_prefix_head);
        char num[24];
        int k = 0;
        std::uint64_t v = g_seed;
        do num[k++] = static_cast<char>('0' + v % 10);
        while ((v /= 10) != 0);
        for (int a = 0, b = k - 1; a < b; ++a, --b) std::swap(num[a], num[b]);
        num[k] = '\0';
        write_str(num);
        write_str(g_prefix_tail);
        static char tok[8192];
        encode_choices(e->choices().data(), e->choices().size(), tok, sizeof tok);
        write_str(tok);
      }
      write_str("\n");
      _exit(3);
    }
  }
  // Not ours: restore the default action and let the fault happen again.
  std::signal(sig, SIG_DFL);
}
}  // namespace

std::size_t stack_pool::guard_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

stack_pool::stack stack_pool::take(std::size_t size) {
  std::size_t page = guard_size();
  size = (size + page - 1) / page * page;
  for (std::size_t i = 0; i < free_.size(); ++i) {
    if (free_[i].size == size) {
      stack s = free_[i];
      free_[i] = free_.back();
      free_.pop_back();
#ifdef LOCKSTEP_ASAN
      // An abandoned execution leaves its frames' redzones poisoned: clear them for reuse.
      __asan_unpoison_memory_region(s.base + guard_size(), s.size);
#endif
      return s;
    }
  }
  void* p = mmap(nullptr, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("lockstep: cannot map a fiber stack");
  if (mprotect(p, page, PROT_NONE) != 0) throw std::runtime_error("lockstep: mprotect failed");
  stack s{static_cast<char*>(p), size};
  all_.push_back(s);
  if (g_nguards < kMaxStacks) g_guards[g_nguards++] = s.base;
  return s;
}

void stack_pool::give_back(stack s) noexcept { free_.push_back(s); }

stack_pool::~stack_pool() {
  for (const stack& s : all_) {
    for (int i = 0; i < g_nguards; ++i)
      if (g_guards[i] == s.base) g_guards[i] = g_guards[--g_nguards];
    munmap(s.base, s.size + guard_size());
  }
}

void install_overflow_handler() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = sizeof g_altstack;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

void set_overflow_context(const std::string& test_name, const std::string& token_prefix) {
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

void set_overflow_seed(std::uint64_t seed) noexcept { g_seed = seed; }

}  // namespace lockstep::rt
