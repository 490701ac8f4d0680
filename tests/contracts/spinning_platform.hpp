// The model platform with the primitives' spin phase switched on. Under the checker the
// futex-word primitives skip their bounded spin before sleeping (detail::spin_limit<P>() is 0
// when P::is_model), so a mutant on a spin-phase line (a load weakened to relaxed that lets
// wait() return without acquiring) is not reachable from tests on model_platform. Tests of
// the spin phase run the primitive on this platform instead: model_platform in every respect
// but is_model, which only the primitives read (to size their spin phase), never the checker.
// Keep such tests small: each spin iteration is a yield the search must order.
#pragma once

#include <lockstep/check.hpp>

namespace contract_tests {

struct spinning_platform : lockstep::model_platform {
  static constexpr bool is_model = false;
};

}  // namespace contract_tests
