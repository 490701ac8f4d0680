#include "user_frame.hpp"

#include "deferred_loc.hpp"

#include "lockstep/rt/located.hpp"

#include <cxxabi.h>
#include <execinfo.h>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef LOCKSTEP_HAVE_LIBBACKTRACE
#include <backtrace.h>
#endif

namespace lockstep::rt {

// One return address's inlined frames, innermost first: the first user frame (uncached).
source_loc user_frame_at(const void* pc, source_loc fallback);

source_loc caller_location(const void* return_address, source_loc fallback) noexcept {
  // Direct-mapped: a hit costs a load and a compare; a miss symbolises once. Only the
  // scheduler thread runs model code, so the table needs no synchronisation.
  struct entry {
    const void* pc;
    source_loc loc;
  };
  static entry cache[1024];
  entry& slot = cache[(reinterpret_cast<std::uintptr_t>(return_address) >> 1) & 1023];
  if (slot.pc == return_address) return slot.loc;
  slot = entry{return_address, user_frame_at(return_address, fallback)};
  return slot.loc;
}

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
  bool skip_destructors = false;
};
// A destructor's name, mangled (..D0Ev, ..D1Ev, ..D2Ev) or not (~T, an inlined frame's).
bool destructor(const char* fn) {
  if (!fn) return false;
  const std::size_t n = std::strlen(fn);
  return (std::strchr(fn, '~') && !std::strstr(fn, "operator~")) ||
         (n > 4 && fn[n - 4] == 'D' && fn[n - 3] >= '0' && fn[n - 3] <= '2' &&
          std::strcmp(fn + n - 2, "Ev") == 0);
}
int on_frame(void* data, std::uintptr_t, const char* file, int line, const char* fn) {
  auto* s = static_cast<search*>(data);
  if (s->found.file == nullptr && !skip(file) && !(s->skip_destructors && destructor(fn))) {
    s->found = source_loc{file, line};
    return 1;  // stop
  }
  return 0;
}
void on_error(void*, const char*, int) {}
}  // namespace

source_loc user_frame(const captured_stack& s, source_loc fallback) {
  return user_frame(s, fallback, false);
}
source_loc user_frame(const captured_stack& s, source_loc fallback, bool skip_destructors) {
  if (!state()) return fallback;
  search found;
  found.skip_destructors = skip_destructors;
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

namespace {
struct lines {
  std::string out;
  int frame = 0;
};
int on_line(void* data, std::uintptr_t pc, const char* file, int line, const char* fn) {
  auto* l = static_cast<lines*>(data);
  char buf[64];
  std::snprintf(buf, sizeof buf, "    #%d ", l->frame++);
  l->out += buf;
  if (file) {
    l->out += file;
    l->out += ":" + std::to_string(line);
  } else {
    std::snprintf(buf, sizeof buf, "0x%zx", static_cast<std::size_t>(pc));
    l->out += buf;
  }
  if (fn) {
    int status = 0;
    char* plain = abi::__cxa_demangle(fn, nullptr, nullptr, &status);
    std::string name = status == 0 && plain ? plain : fn;
    std::free(plain);
    if (name.size() > 96) name = name.substr(0, 93) + "...";  // templates: the head says enough
    l->out += " in " + name;
  }
  if (file && skip(file)) l->out += "  [library]";
  l->out += "\n";
  return 0;
}
}  // namespace

std::string describe_stack(void* const* pcs, int n) {
  if (!state()) return {};
  lines l;
  for (int i = 0; i < n; ++i)
    backtrace_pcinfo(state(), reinterpret_cast<std::uintptr_t>(pcs[i]) - (i > 0 ? 1 : 0), on_line,
                     on_error, &l);
  return l.out;
}
#else
source_loc user_frame(const captured_stack&, source_loc fallback) { return fallback; }
source_loc user_frame(const captured_stack&, source_loc fallback, bool) { return fallback; }
std::string describe_stack(void* const* pcs, int n) {
  std::string out;
  char** names = ::backtrace_symbols(pcs, n);
  for (int i = 0; names && i < n; ++i) out += std::string("    ") + names[i] + "\n";
  std::free(names);
  return out;
}
source_loc user_frame_at(const void*, source_loc fallback) { return fallback; }
#endif

}  // namespace lockstep::rt

namespace lockstep::rt {

namespace {
// (A file name no source has: resolve() tells deferred locations by this address.)
constexpr char kDeferred[] = "<deferred>";
constexpr int kSlots = 4096;
std::atomic<const void*> g_deferred[kSlots];
}  // namespace

source_loc deferred(const void* pc) noexcept {
  const auto h = static_cast<int>((reinterpret_cast<std::uintptr_t>(pc) >> 2) % kSlots);
  for (int i = 0; i < 16; ++i) {  // open addressing, a short probe; a full table: eagerly
    const int slot = (h + i) % kSlots;
    const void* cur = g_deferred[slot].load(std::memory_order_acquire);
    if (cur == pc) return source_loc{kDeferred, slot};
    if (!cur && g_deferred[slot].compare_exchange_strong(cur, pc, std::memory_order_acq_rel))
      return source_loc{kDeferred, slot};
    if (cur == pc) return source_loc{kDeferred, slot};
  }
  return caller_location(pc, source_loc{nullptr, 0});
}

source_loc resolve(source_loc loc) noexcept {
  if (loc.file != kDeferred || loc.line < 0 || loc.line >= kSlots) return loc;
  return caller_location(g_deferred[loc.line].load(std::memory_order_acquire),
                         source_loc{"(no line: built without debug information)", 0});
}

}  // namespace lockstep::rt
