// Internal: the reports of one harness run written to files — JSON (--json=FILE, schema in
// checker/REPORTS.md), JUnit XML (--junit=FILE) and the HTML view of a failing execution
// (--html=FILE). stdout carries only the human table.
#pragma once

#include <cstdint>
#include <iosfwd>
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
  std::uint32_t shard_index = 0, shard_count = 0;  // --shard (count 0: not sharded)
};

// "passed", "failed" or "skipped": a row's outcome as the reports name it.
inline const char* row_status(const run_row& row) {
  return row.skipped ? "skipped" : row.passed ? "passed" : "failed";
}

std::string json_report(const run_report& r);   // report_json.cpp
std::string junit_report(const run_report& r);  // report_junit.cpp
// report_html.cpp: the page of the run's first failing row (a failed row, else a caught twin
// or a replay), or a page saying there is none; execution_html renders one row.
std::string html_report(const run_report& r);
std::string execution_html(const std::string& executable, const std::string& test,
                           const run_row& row);

// --merge: the combined summary of the --json reports of the shards of one sharded run, and
// their failures with tokens, on `out`; exit status 0 / 1 as of a run, 2 (message on `err`)
// when the reports are not the N shards of one run of one executable. merge.cpp.
int merge_reports(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace lockstep::detail
