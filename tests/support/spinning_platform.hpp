// model_platform with the primitives' spin phases switched on, for model tests of the
// spin-then-sleep paths. Under model_platform (is_model = true) detail::spin_limit<P>() is 0:
// waiters sleep at once, because every spin iteration multiplies the search; so the spin
// phase (its CAS, its orders, its bound) is never run by a model test. This platform is the
// same model with is_model = false, so Lock, the RW locks, FifoLock and poll_until spin as in
// production (spin_limit 16) while the checker explores them. Use it in small tests only.
#pragma once

#include <lockstep/check.hpp>

namespace lockstep_test {

struct spinning_platform : lockstep::model_platform {
  static constexpr bool is_model = false;
};

}  // namespace lockstep_test
