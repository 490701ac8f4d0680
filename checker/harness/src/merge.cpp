// --merge: the --json reports of the N shards of one sharded run (--shard=I/N, TEST_SHARD_*)
// combined into one summary: per test and mode the executions add up, a failure in any shard
// is a failure, and a broken twin is caught when one shard caught it (the others say "not
// caught in this shard"). Every failure and caught twin is listed with its shard and token;
// a token replays in a plain run (`<exe> --replay=TOKEN`).
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "reports.hpp"

namespace lockstep::detail {
namespace {

using json = nlohmann::ordered_json;

struct merged_row {
  std::uint64_t executions = 0, blocked = 0;
  int rows = 0, failed = 0, caught = 0, not_here = 0, skipped = 0;
  std::string verdict;             // of the first shard, if all agree
  std::string fail_verdict;        // the first failing shard's
  std::vector<std::string> found;  // "shard I: verdict --replay=token"
};

}  // namespace

int merge_reports(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  if (files.empty()) {
    err << "--merge needs the --json reports of the shards: --merge a.json b.json ...\n";
    return 2;
  }
  std::string executable;
  std::uint32_t count = 0;
  std::set<std::uint32_t> indices;
  // (test, mode) in the order of the first report, then any new ones.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, merged_row> rows;
  for (const std::string& f : files) {
    std::ifstream in(f);
    json doc;
    try {
      if (!in) throw std::runtime_error("cannot be read");
      doc = json::parse(in);
      if (doc.value("schema", "") != "lockstep-results")
        throw std::runtime_error("not a lockstep --json report");
    } catch (const std::exception& e) {
      err << "--merge: " << f << ": " << e.what() << "\n";
      return 2;
    }
    const std::string exe = doc.value("executable", "");
    if (!executable.empty() && exe != executable) {
      err << "--merge: " << f << " is a report of " << exe << ", the others of " << executable
          << "\n";
      return 2;
    }
    executable = exe;
    std::uint32_t idx = 0, n = 1;  // an unsharded report is the one shard of one
    if (doc.contains("shard") && doc["shard"].is_object()) {
      idx = doc["shard"].value("index", 0u);
      n = doc["shard"].value("count", 0u);
    }
    if (count && n != count) {
      err << "--merge: " << f << " is shard " << idx << " of " << n << ", the others of " << count
          << "\n";
      return 2;
    }
    count = n;
    if (idx >= n || !indices.insert(idx).second) {
      err << "--merge: " << f << ": shard " << idx << " of " << n
          << (idx >= n ? " is out of range" : " is given twice") << "\n";
      return 2;
    }
    for (const auto& t : doc.value("tests", json::array())) {
      const std::string name = t.value("name", "");
      for (const auto& m : t.value("modes", json::array())) {
        const auto key = std::make_pair(name, m.value("mode", ""));
        auto [it, fresh] = rows.try_emplace(key);
        if (fresh) order.push_back(key);
        merged_row& r = it->second;
        const std::string status = m.value("status", "");
        const std::string verdict = m.value("verdict", "");
        r.executions += m.value("executions", std::uint64_t{0});
        r.blocked += m.value("blocked", std::uint64_t{0});
        if (r.rows++ == 0) r.verdict = verdict;
        if (status == "skipped") ++r.skipped;
        if (verdict == "not caught in this shard") ++r.not_here;
        if (verdict.rfind("caught:", 0) == 0) ++r.caught;
        if (status == "failed" && r.failed++ == 0) r.fail_verdict = verdict;
        if (r.verdict != verdict && verdict != "not caught in this shard" &&
            r.verdict == "not caught in this shard")
          r.verdict = verdict;
        if (m.contains("token") && m["token"].is_string())
          r.found.push_back("shard " + std::to_string(idx) + ": " + verdict +
                            "  --replay=" + m["token"].get<std::string>());
      }
    }
  }
  if (indices.size() != count) {
    std::string missing;
    for (std::uint32_t i = 0; i < count; ++i)
      if (!indices.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
    err << "--merge: " << count << " shards, but the reports of shard(s) " << missing
        << " are missing\n";
    return 2;
  }
  std::ostringstream table;
  char line[512];
  std::snprintf(line, sizeof line, "%-48s %-11s %12s %s\n", "test", "mode", "executions",
                "verdict (all shards)");
  table << line;
  std::set<std::string> failed_tests, tests;
  for (const auto& key : order) {
    const merged_row& r = rows[key];
    tests.insert(key.first);
    std::string verdict = r.verdict;
    bool failed = false;
    if (r.failed) {
      verdict = r.fail_verdict;
      failed = true;
    } else if (r.not_here && !r.caught) {
      verdict = "FAIL: not caught";  // no shard found the twin's failure
      failed = true;
    } else if (r.caught) {
      verdict =
          "caught in " + std::to_string(r.caught) + " of " + std::to_string(count) + " shards";
    }
    if (failed) failed_tests.insert(key.first);
    std::snprintf(line, sizeof line, "%-48s %-11s %12llu %s\n", key.first.c_str(),
                  key.second.c_str(), static_cast<unsigned long long>(r.executions),
                  verdict.c_str());
    table << line;
    for (const std::string& f : r.found)
      out << "--- " << key.first << " [" << key.second << "] " << f << "\n";
  }
  out << "\n" << executable << ": " << count << " shards merged\n" << table.str() << "\n";
  out << tests.size() - failed_tests.size() << " passed, " << failed_tests.size() << " failed\n";
  return failed_tests.empty() ? 0 : 1;
}

}  // namespace lockstep::detail
