// lockstep/gtest.hpp — model tests inside GoogleTest suites.
//
// LOCKSTEP_EXPECT_MODEL(body[, options]) runs `body` under the model checker exactly as a
// LOCKSTEP_TEST body (simulated thread 0 of every execution; exhaustive mode, then random
// mode, as `options` — a lockstep::model_test_options — ask) and fails the enclosing TEST with
// the checker's verdict, report, trace and replay token if an execution fails. With
// `.expect = lockstep::failure_kind::K` (a broken twin) it fails unless a K failure is found
// in every mode. LOCKSTEP_ASSERT_MODEL does the same and also returns from the TEST.
//
// Usage
//   #include <lockstep/gtest.hpp>
//   using P = lockstep::model_platform;
//
//   TEST(MyLock, Excludes) {
//     LOCKSTEP_EXPECT_MODEL([] {
//       MyLock<P> lock;
//       P::var<int> n{0};
//       auto body = [&] { std::lock_guard g(lock); n += 1; };
//       P::thread a(body), b(body);
//       a.join(); b.join();
//       LOCKSTEP_ASSERT(n.get() == 2);
//     });
//   }
//   TEST(MyLock, BrokenTwinIsCaught) {
//     LOCKSTEP_EXPECT_MODEL(broken_body, {.expect = lockstep::failure_kind::assertion});
//   }
//
// Replay: a failure message ends with
//   LOCKSTEP_REPLAY='<token>' <test-binary> --gtest_filter=MyLock.Excludes
// which re-runs exactly the failing execution and prints its thread-by-thread trace. The
// token names the TEST ("Suite.Name"), so use one model per TEST. Link lockstep::checker and
// GTest::gtest_main (Debian 12: libgtest-dev; find_package(GTest)).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "lockstep/check.hpp"
#include "lockstep/detail/framework_adapter.hpp"

namespace lockstep::detail {
inline std::string gtest_name() {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  return t ? std::string(t->test_suite_name()) + "." + t->name() : std::string("gtest");
}
}  // namespace lockstep::detail

#define LOCKSTEP_DETAIL_GTEST_MODEL(on_failure, ...)                                            \
  do {                                                                                          \
    const std::string lockstep_gtest_name_ = ::lockstep::detail::gtest_name();                  \
    const ::lockstep::detail::framework_verdict lockstep_gtest_v_ =                             \
        ::lockstep::detail::check_model(lockstep_gtest_name_,                                   \
                                        "--gtest_filter=" + lockstep_gtest_name_, __VA_ARGS__); \
    if (!lockstep_gtest_v_.ok) on_failure() << lockstep_gtest_v_.message;                       \
  } while (false)

#define LOCKSTEP_EXPECT_MODEL(...) LOCKSTEP_DETAIL_GTEST_MODEL(ADD_FAILURE, __VA_ARGS__)
#define LOCKSTEP_ASSERT_MODEL(...) LOCKSTEP_DETAIL_GTEST_MODEL(GTEST_FAIL, __VA_ARGS__)
