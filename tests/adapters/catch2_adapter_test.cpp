// lockstep/catch2.hpp: model tests in a Catch2 (v2) suite. The test cases tagged
// [.deliberately_failing] (hidden from a plain run) must fail with the replay token in the
// message (adapter_failure.cmake runs them and replays the token); the others must pass.
// main() is in catch2_main.cpp.
#include <lockstep/catch2.hpp>

#include "adapter_models.hpp"

TEST_CASE("fetch_add counter is atomic") {
  LOCKSTEP_CHECK_MODEL(adapter_models::fetch_add_counter);
}

TEST_CASE("load-store twin is caught") {
  LOCKSTEP_REQUIRE_MODEL(adapter_models::load_store_counter,
                         {.expect = lockstep::failure_kind::assertion});
}

TEST_CASE("wrong expectation", "[.deliberately_failing]") {
  LOCKSTEP_CHECK_MODEL(adapter_models::load_store_counter,
                       {.expect = lockstep::failure_kind::deadlock});
}

TEST_CASE("lost update", "[.deliberately_failing]") {
  LOCKSTEP_CHECK_MODEL(adapter_models::load_store_counter);
}
