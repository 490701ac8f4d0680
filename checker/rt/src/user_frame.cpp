#include "user_frame.hpp"

#include <execinfo.h>
#include <cstdint>
#include <cstring>

#ifdef LOCKSTEP_HAVE_LIBBACKTRACE
#include <backtrace.h>
#endif

namespace lockstep::rt {

bool is_library_location(source_loc loc) noexcept {
  return loc.file && std::strncmp(loc.file, "/usr/", 5) == 0;
}

namespace {
bool skip(const char* file) {
  return file == nullptr || std::strncmp(file, "/usr/", 5) == 0 ||
         std::strstr(file, "/include/lockstep/model_platform.hpp") ||
         std::strstr(file, "/include/lockstep/model_new.hpp") ||
         std::strstr(file, "/include/lockstep/rt/") || std::strstr(file, "/checker/rt/src/");
}
}  // namespace

bool is_user_location(source_loc loc) noexcept { return !skip(loc.file); }

void capture_stack(captured_stack& s) noexcept { s.n = ::backtrace(s.pcs, 16); }

#ifdef LOCKSTEP_HAVE_LIBBACKTRACE
namespace {
backtrace_state* state() {
  static backtrace_state* st = backtrace_create_state(nullptr, 0, nullptr, nullptr);
  return st;
}
struct search {
  source_loc found{nullptr, 0};
};
int on_frame(void* data, std::uintptr_t, const char* file, int line, const char*) {
  auto* s = static_cast<search*>(data);
  if (s->found.file == nullptr && !skip(file)) {
    s->found = source_loc{file, line};
    return 1;  // stop
  }
  return 0;
}
void on_error(void*, const char*, int) {}
}  // namespace

source_loc user_frame(const captured_stack& s, source_loc fallback) {
  if (!state()) return fallback;
  search found;
  for (int i = 1; i < s.n && found.found.file == nullptr; ++i) {
    // Return addresses point after the call; step back one byte into the call instruction.
    backtrace_pcinfo(state(), reinterpret_cast<std::uintptr_t>(s.pcs[i]) - 1, on_frame, on_error,
                     &found);
  }
  return found.found.file ? found.found : fallback;
}

source_loc user_frame_at(const void* pc, source_loc fallback) {
  if (!state() || !pc) return fallback;
  search found;
  backtrace_pcinfo(state(), reinterpret_cast<std::uintptr_t>(pc) - 1, on_frame, on_error, &found);
  return found.found.file ? found.found : fallback;
}
#else
source_loc user_frame(const captured_stack&, source_loc fallback) { return fallback; }
source_loc user_frame_at(const void*, source_loc fallback) { return fallback; }
#endif

}  // namespace lockstep::rt
