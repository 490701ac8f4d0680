// Smoke tests of the harness itself (plain unit tests).
#include <lockstep/test.hpp>

LOCKSTEP_UNIT_TEST(harness_unit_test_runs) { LOCKSTEP_ASSERT(1 + 1 == 2); }

LOCKSTEP_UNIT_TEST(harness_assert_throws_outside_the_checker) {
  bool thrown = false;
  try {
    LOCKSTEP_ASSERT(1 == 2) << "expected";
  } catch (const lockstep::assertion_failure& e) {
    thrown = std::string(e.what()).find("1 == 2: expected") != std::string::npos;
  }
  LOCKSTEP_ASSERT(thrown);
}
