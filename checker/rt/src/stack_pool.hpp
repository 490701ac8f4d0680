// Internal: guard-paged fiber stacks, pooled across executions (allocating a protected
// stack costs several microseconds; reusing one costs nothing). A fault on a guard page is
// reported as a fiber stack overflow by the fatal-signal handler (crash_report.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
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
  // The usable size of a stack taken for `size` bytes (whole pages).
  static std::size_t rounded(std::size_t size) noexcept;
  // True when `addr` lies in the guard page of a stack of any pool (signal-safe).
  static bool is_guard(const void* addr) noexcept;

  stack take(std::size_t size);
  void give_back(stack s) noexcept;
  ~stack_pool();
  // Tells pools apart for the whole process (an address may be reused by a later pool).
  std::uint64_t id() const noexcept { return id_; }

 private:
  static inline std::uint64_t next_id_ = 0;
  std::uint64_t id_ = ++next_id_;
  std::vector<stack> free_;
  std::vector<stack> all_;
};

}  // namespace lockstep::rt
