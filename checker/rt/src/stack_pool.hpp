// Internal: guard-paged fiber stacks, pooled across executions (allocating a protected
// stack costs several microseconds; reusing one costs nothing), and the SIGSEGV handler
// that turns a guard-page hit into a clear report instead of a silent crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lockstep::rt {

class stack_pool {
 public:
  struct stack {
    char* base = nullptr;  // start of the mapping (the guard page)
    std::size_t size = 0;  // usable bytes above the guard page
    void* top() const noexcept { return base + guard_size() + size; }
  };
  static std::size_t guard_size() noexcept;

  stack take(std::size_t size);
  void give_back(stack s) noexcept;
  ~stack_pool();

 private:
  std::vector<stack> free_;
  std::vector<stack> all_;
};

// Installs (once) the SIGSEGV handler on an alternate signal stack. When a fault hits the
// guard page of a pooled stack, it prints `report_prefix`, the faulting thread and the
// replay token of the running execution, then exits with status 3.
void install_overflow_handler();
// What the handler prints; set by the runner before each execution (no allocation in the
// handler: these are plain char buffers).
void set_overflow_context(const std::string& test_name, const std::string& token_prefix);
// Only the seed of the token prefix changes (random and PCT modes, per execution: no
// formatting, no allocation).
void set_overflow_seed(std::uint64_t seed) noexcept;

}  // namespace lockstep::rt
