// lockstep/catch2.hpp — model tests inside Catch2 suites (Catch2 v2, <catch2/catch.hpp>: the
// version Debian 12 ships, 2.13.10).
//
// LOCKSTEP_CHECK_MODEL(body[, options]) runs `body` under the model checker exactly as a
// LOCKSTEP_TEST body (simulated thread 0 of every execution; exhaustive mode, then random
// mode, as `options` — a lockstep::model_test_options — ask) and fails the enclosing
// TEST_CASE with the checker's verdict, report, trace and replay token if an execution fails.
// With `.expect = lockstep::failure_kind::K` (a broken twin) it fails unless a K failure is
// found in every mode. LOCKSTEP_REQUIRE_MODEL does the same and also ends the TEST_CASE.
//
// Usage
//   #include <lockstep/catch2.hpp>
//   using P = lockstep::model_platform;
//
//   TEST_CASE("my lock excludes") {
//     LOCKSTEP_CHECK_MODEL([] {
//       MyLock<P> lock;
//       P::var<int> n{0};
//       auto body = [&] { std::lock_guard g(lock); n += 1; };
//       P::thread a(body), b(body);
//       a.join(); b.join();
//       LOCKSTEP_ASSERT(n.get() == 2);
//     });
//   }
//   TEST_CASE("broken twin is caught") {
//     LOCKSTEP_CHECK_MODEL(broken_body, {.expect = lockstep::failure_kind::assertion});
//   }
//
// Replay: a failure message ends with
//   LOCKSTEP_REPLAY='<token>' <test-binary> "my lock excludes"
// which re-runs exactly the failing execution and prints its thread-by-thread trace. The
// token names the TEST_CASE, so use one model per TEST_CASE (not inside SECTIONs). Link
// lockstep::checker and Catch2::Catch2 (Debian 12: catch2; find_package(Catch2)), with
// CATCH_CONFIG_MAIN defined in one source file. Catch2 wraps messages at its console width
// (80), which would cut a long token: this header sets CATCH_CONFIG_CONSOLE_WIDTH to 1000
// unless it is set already, which takes effect if it is included before <catch2/catch.hpp> in
// the file with CATCH_CONFIG_MAIN.
#pragma once

#ifndef CATCH_CONFIG_CONSOLE_WIDTH
#define CATCH_CONFIG_CONSOLE_WIDTH 1000
#endif
#include <catch2/catch.hpp>

#include <string>

#include "lockstep/check.hpp"
#include "lockstep/detail/framework_adapter.hpp"

#define LOCKSTEP_DETAIL_CATCH2_MODEL(on_failure, ...)                                           \
  do {                                                                                          \
    const std::string lockstep_catch2_name_ = ::Catch::getResultCapture().getCurrentTestName(); \
    const ::lockstep::detail::framework_verdict lockstep_catch2_v_ =                            \
        ::lockstep::detail::check_model(lockstep_catch2_name_,                                  \
                                        "\"" + lockstep_catch2_name_ + "\"", __VA_ARGS__);      \
    if (!lockstep_catch2_v_.ok) on_failure(lockstep_catch2_v_.message);                         \
  } while (false)

#ifdef CATCH_CONFIG_PREFIX_ALL
#define LOCKSTEP_CHECK_MODEL(...) LOCKSTEP_DETAIL_CATCH2_MODEL(CATCH_FAIL_CHECK, __VA_ARGS__)
#define LOCKSTEP_REQUIRE_MODEL(...) LOCKSTEP_DETAIL_CATCH2_MODEL(CATCH_FAIL, __VA_ARGS__)
#else
#define LOCKSTEP_CHECK_MODEL(...) LOCKSTEP_DETAIL_CATCH2_MODEL(FAIL_CHECK, __VA_ARGS__)
#define LOCKSTEP_REQUIRE_MODEL(...) LOCKSTEP_DETAIL_CATCH2_MODEL(FAIL, __VA_ARGS__)
#endif
