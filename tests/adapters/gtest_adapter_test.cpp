// lockstep/gtest.hpp: model tests in a GoogleTest suite. DeliberatelyFailing.* must fail with
// the replay token in the message (adapter_failure.cmake runs it and replays the token); the
// others must pass.
#include <lockstep/gtest.hpp>

#include "adapter_models.hpp"

TEST(Counter, FetchAddIsAtomic) { LOCKSTEP_EXPECT_MODEL(adapter_models::fetch_add_counter); }

TEST(Counter, LoadStoreTwinIsCaught) {
  LOCKSTEP_ASSERT_MODEL(adapter_models::load_store_counter,
                        {.expect = lockstep::failure_kind::assertion});
}

// A twin expected to deadlock finds an assertion instead: the adapter must fail this too.
TEST(DeliberatelyFailing, WrongExpectation) {
  LOCKSTEP_EXPECT_MODEL(adapter_models::load_store_counter,
                        {.expect = lockstep::failure_kind::deadlock});
}

TEST(DeliberatelyFailing, LostUpdate) { LOCKSTEP_EXPECT_MODEL(adapter_models::load_store_counter); }
