// need_line_info(): skips (not fails) a test that checks source lines in reports when the
// build has no debug info to take them from (the Release preset): lines come from the
// symbolizer (lockstep/rt/located.hpp).
#pragma once

#include <lockstep/check.hpp>

namespace lockstep_test {

[[gnu::noinline]] inline lockstep::source_loc where_am_i() {
  return lockstep::rt::caller_location(__builtin_return_address(0), {nullptr, 0});
}

inline void need_line_info() {
  if (!where_am_i().file) LOCKSTEP_SKIP("built without debug info: no source lines to check");
}

}  // namespace lockstep_test
