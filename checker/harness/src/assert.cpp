// Assertion plumbing shared by unit tests and model executions.
#include <atomic>
#include <string>

#include "lockstep/test.hpp"

namespace lockstep {

std::string to_string(source_loc loc) {
  std::string f = loc.file ? loc.file : "?";
  // Library headers: "lockstep/<header>" wherever the include directory is.
  if (auto p = f.rfind("/include/lockstep/"); p != std::string::npos)
    return f.substr(p + 9) + ":" + std::to_string(loc.line);
  // Shorten absolute paths to the part below the repository root so that traces and replay
  // output do not depend on where the repository is checked out.
  static const char* const roots[] = {"/primitives/", "/checker/", "/models/",
                                      "/tests/",      "/bench/",   "/include/"};
  std::size_t best = std::string::npos;
  for (const char* r : roots) {
    auto pos = f.rfind(r);
    if (pos != std::string::npos && (best == std::string::npos || pos < best)) best = pos;
  }
  if (best != std::string::npos) f = f.substr(best + 1);
  return f + ":" + std::to_string(loc.line);
}

namespace detail {
namespace {
// Set by the checker on the thread that runs model executions (once per search; it acts
// only within a simulated thread's step); the checker runs every fiber on the thread that
// installed the hook, so a thread_local is enough.
thread_local assert_hook_fn g_hook = nullptr;
}  // namespace

void set_assert_hook(assert_hook_fn hook) noexcept { g_hook = hook; }

void assertion_failed(const std::string& message, source_loc where) {
  if (g_hook) g_hook(message, where);  // does not return for model executions
  throw assertion_failure(message + " at " + to_string(where));
}

}  // namespace detail
}  // namespace lockstep
