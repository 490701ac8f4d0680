// Shared pieces of the tests/maps property tests: a pinned rapidcheck seed, scenario sizes,
// and lockstep::caught_within (the "broken twin must be caught" loop).
#pragma once

#include <lockstep/lin_scenario.hpp>

#include <cstdlib>
#include <string>

namespace maps_test {

// Deterministic by default (a failing seed must not come and go between CI runs), and few
// scenarios per property so the suite stays fast; set RC_PARAMS yourself to explore more
// (e.g. RC_PARAMS="seed=7 max_success=500"). rapidcheck reads RC_PARAMS on first use.
inline const bool fixed_params = [] {
  return ::setenv("RC_PARAMS", "seed=1 max_success=25", /*overwrite=*/0) == 0;
}();

using lockstep::caught_within;

}  // namespace maps_test
