// The JUnit XML report (--junit=FILE), in the shape Jenkins, GitLab and GitHub test
// reporters read: one <testsuite> per executable, one <testcase> per test and mode
// (name "<test> [<mode>]"), <failure> with the verdict and the replay token as its message
// and the full report as its text, <skipped> for tests that did not run.
#include <cstdio>

#include "lockstep/html/markup.hpp"
#include "reports.hpp"

namespace lockstep::detail {
namespace {

// XML escaping is shared with the HTML views (lockstep/html/markup.hpp): attributes write
// line breaks and tabs as character references, which attribute normalisation would otherwise
// turn into spaces; control characters XML 1.0 cannot hold become '?'.
std::string xml(const std::string& s, bool attr = true) {
  return markup::escape(s, attr ? markup::context::attribute : markup::context::text);
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

}  // namespace

std::string junit_report(const run_report& r) {
  int cases = 0, failures = 0, skipped = 0;
  double total = 0;
  std::string body;
  for (const auto& res : r.results)
    for (const auto& row : res.outcome.rows) {
      ++cases;
      total += row.seconds;
      body += "    <testcase classname=\"" + xml(r.executable) + "\" name=\"" +
              xml(res.test->name + " [" + row.mode + "]") + "\" time=\"" + seconds(row.seconds) +
              "\"";
      const std::string status = row_status(row);
      if (status == "passed") {
        body += "/>\n";
        continue;
      }
      if (status == "skipped") {
        ++skipped;
        body += ">\n      <skipped message=\"" + xml(row.verdict + ": " + row.detail) +
                "\"/>\n    </testcase>\n";
        continue;
      }
      ++failures;
      std::string message = row.verdict;
      if (!row.token.empty()) message += "; replay: --replay=" + row.token;
      if (row.minimized.reduced)
        message += "; as first found: --replay=" + row.minimized.original_token;
      body += ">\n      <failure message=\"" + xml(message) + "\" type=\"" +
              xml(row.failure.kind.empty() ? row.verdict : row.failure.kind) + "\">" +
              xml(row.detail, false) + "</failure>\n    </testcase>\n";
    }
  const std::string counts = "tests=\"" + std::to_string(cases) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
                             std::to_string(skipped) + "\" time=\"" + seconds(total) + "\"";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + xml(r.executable) +
         "\" " + counts + ">\n  <testsuite name=\"" + xml(r.executable) + "\" " + counts + ">\n" +
         body + "  </testsuite>\n</testsuites>\n";
}

}  // namespace lockstep::detail
