// Guard-paged, pooled fiber stacks.
#include "stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>
#include <stdexcept>
#include <utility>

#include "escape.hpp"
#include "sanitizer_fiber.hpp"

namespace lockstep::rt {

namespace {
// Registry of guard ranges for the signal handler. Fixed-size and lock-free to read: the
// handler must not allocate.
constexpr int kMaxStacks = 1024;
char* g_guards[kMaxStacks];
int g_nguards = 0;

}  // namespace

bool stack_pool::is_guard(const void* addr) noexcept {
  const char* a = static_cast<const char*>(addr);
  const std::size_t g = guard_size();
  for (int i = 0; i < g_nguards; ++i)
    if (a >= g_guards[i] && a < g_guards[i] + g) return true;
  return false;
}

std::size_t stack_pool::guard_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

std::size_t stack_pool::rounded(std::size_t size) noexcept {
  const std::size_t page = guard_size();
  return (size + page - 1) / page * page;
}

stack_pool::stack stack_pool::take(std::size_t size) {
  const std::size_t page = guard_size();
  size = rounded(size);
  // From the back: the stack given back last (all of one size, in the common case) is taken
  // first, in O(1).
  for (std::size_t i = free_.size(); i-- > 0;) {
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
  leave_if_exiting_inside_a_test();  // else it would unmap the stack it runs on
  for (const stack& s : all_) {
    for (int i = 0; i < g_nguards; ++i)
      if (g_guards[i] == s.base) g_guards[i] = g_guards[--g_nguards];
    munmap(s.base, s.size + guard_size());
  }
}

}  // namespace lockstep::rt
