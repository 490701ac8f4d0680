// Test registry and the runner for plain unit tests.
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

#include "lockstep/test.hpp"

namespace lockstep {
namespace {
std::vector<test_info>& registry() {
  static std::vector<test_info> tests;
  return tests;
}
}  // namespace

void register_test(test_info info) {
  for (const auto& t : registry())
    if (t.name == info.name)
      throw std::logic_error("lockstep: test registered twice: " + info.name);
  registry().push_back(std::move(info));
}

const std::vector<test_info>& registered_tests() { return registry(); }

namespace {
std::string& twin_caught() {
  static std::string what;  // unit tests run one at a time, on the calling thread
  return what;
}
}  // namespace

void note_twin_caught(const std::string& what) { twin_caught() = what; }

test_outcome run_unit_test(const test_info& t, const run_config&) {
  run_row row;
  row.mode = "unit";
  row.executions = 1;
  auto t0 = std::chrono::steady_clock::now();
  twin_caught().clear();
  try {
    t.body();
    row.passed = true;
    row.verdict = twin_caught().empty() ? "pass" : "caught: " + twin_caught();
  } catch (const test_skipped& e) {
    row.skipped = true;
    row.verdict = "skipped";
    row.detail = e.reason;
  } catch (const assertion_failure& e) {
    row.verdict = "FAIL: assertion";
    row.detail = e.message;
  } catch (const std::exception& e) {
    row.verdict = "FAIL: exception";
    row.detail = std::string("exception escaped the test: ") + e.what();
  } catch (...) {
    row.verdict = "FAIL: exception";
    row.detail = "a non-std exception escaped the test";
  }
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  test_outcome out;
  out.rows.push_back(std::move(row));
  return out;
}

}  // namespace lockstep
