// Internal: AddressSanitizer must be told about every fiber switch, or it reports false
// stack-buffer errors on the fibers' stacks. No-ops in other builds.
#pragma once
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define LOCKSTEP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOCKSTEP_ASAN 1
#endif
#endif

#ifdef LOCKSTEP_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace lockstep::rt::sanitizer {
#ifdef LOCKSTEP_ASAN
inline thread_local void* g_fake_stack = nullptr;
inline thread_local const void* g_main_bottom = nullptr;
inline thread_local std::size_t g_main_size = 0;
// bottom == nullptr: switching back to the scheduler's (native) stack.
inline void start_switch(const void* bottom, std::size_t size) {
  if (bottom == nullptr) {
    __sanitizer_start_switch_fiber(&g_fake_stack, g_main_bottom, g_main_size);
  } else {
    __sanitizer_start_switch_fiber(&g_fake_stack, bottom, size);
  }
}
inline void finish_switch() {
  const void* old_bottom = nullptr;
  std::size_t old_size = 0;
  __sanitizer_finish_switch_fiber(g_fake_stack, &old_bottom, &old_size);
  if (g_main_bottom == nullptr) {
    g_main_bottom = old_bottom;
    g_main_size = old_size;
  }
}
#else
inline void start_switch(const void*, std::size_t) {}
inline void finish_switch() {}
#endif
}  // namespace lockstep::rt::sanitizer
