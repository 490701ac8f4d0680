// Internal: the machine-readable reports of one harness run — JSON (--json=FILE, schema in
// checker/REPORTS.md) and JUnit XML (--junit=FILE). stdout carries only the human table.
#pragma once

#include <string>
#include <vector>

#include "lockstep/test.hpp"

namespace lockstep::detail {

struct test_result {
  const test_info* test;
  test_outcome outcome;
};

struct run_report {
  std::string executable;  // the test executable's file name, without its directory
  std::vector<test_result> results;
  int passed = 0, failed = 0, skipped = 0;  // tests, as on the closing line
  int exit_code = 0;
};

// "passed", "failed" or "skipped": a row's outcome as the reports name it.
inline const char* row_status(const run_row& row) {
  return row.skipped ? "skipped" : row.passed ? "passed" : "failed";
}

std::string json_report(const run_report& r);   // report_json.cpp
std::string junit_report(const run_report& r);  // report_junit.cpp

}  // namespace lockstep::detail
