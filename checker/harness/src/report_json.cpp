// The JSON report (--json=FILE): the schema is documented in checker/REPORTS.md; bump
// kSchemaVersion when a field changes meaning or goes away (adding one does not).
#include <nlohmann/json.hpp>

#include "reports.hpp"

namespace lockstep::detail {
namespace {

constexpr int kSchemaVersion = 1;

using json = nlohmann::ordered_json;

json where(const std::string& file, int line) {
  if (file.empty()) return nullptr;
  return json{{"file", file}, {"line", line}};
}

json step_json(const trace_step& s) {
  json j{{"step", s.step}, {"thread", s.thread}, {"op", s.op}};
  j["order"] = s.order.empty() ? json(nullptr) : json(s.order);
  j["object"] = s.object.empty() ? json(nullptr) : json(s.object);
  j["object_created"] = where(s.object_file, s.object_line);
  j["wake"] = s.wake.empty() ? json(nullptr) : json(s.wake);
  j["note"] = s.note.empty() ? json(nullptr) : json(s.note);
  j["at"] = where(s.file, s.line);
  j["reads_from"] = s.reads_from < 0 ? json(nullptr) : json(s.reads_from);
  j["stale"] = s.stale;
  return j;
}

json row_json(const run_row& row) {
  json j{{"mode", row.mode},       {"status", row_status(row)},
         {"verdict", row.verdict}, {"executions", row.executions},
         {"blocked", row.blocked}, {"seconds", row.seconds}};
  j["token"] = row.token.empty() ? json(nullptr) : json(row.token);
  if (row.failure.kind.empty()) {
    j["failure"] = nullptr;
  } else {
    j["failure"] =
        json{{"kind", row.failure.kind},
             {"message", row.failure.message},
             {"thread", row.failure.thread < 0 ? json(nullptr) : json(row.failure.thread)},
             {"at", where(row.failure.file, row.failure.line)},
             {"step", row.failure.step}};
    json race = nullptr;
    if (!row.failure.race.empty()) {
      race = json::array();
      for (const auto& a : row.failure.race)
        race.push_back(json{{"thread", a.thread},
                            {"access", a.access},
                            {"at", where(a.file, a.line)},
                            {"step", a.step}});
    }
    j["failure"]["race"] = std::move(race);
  }
  const auto& m = row.minimized;
  j["minimized"] = !m.attempted ? json(nullptr)
                                : json{{"reduced", m.reduced},
                                       {"original_token", m.original_token},
                                       {"original_steps", m.original_steps},
                                       {"original_preemptions", m.original_preemptions},
                                       {"steps", m.steps},
                                       {"preemptions", m.preemptions},
                                       {"executions", m.executions},
                                       {"budget_spent", m.budget_spent}};
  json trace = json::array();
  for (const auto& s : row.trace) trace.push_back(step_json(s));
  j["trace"] = std::move(trace);
  j["detail"] = row.detail;
  return j;
}

}  // namespace

std::string json_report(const run_report& r) {
  json tests = json::array();
  for (const auto& res : r.results) {
    const test_info& t = *res.test;
    bool all_skipped = !res.outcome.rows.empty();
    for (const auto& row : res.outcome.rows) all_skipped = all_skipped && row.skipped;
    json modes = json::array();
    for (const auto& row : res.outcome.rows) modes.push_back(row_json(row));
    const std::string loc = t.where.file ? to_string(t.where) : "";
    tests.push_back(json{
        {"name", t.name},
        {"kind", t.kind},
        {"status", all_skipped            ? "skipped"
                   : res.outcome.passed() ? "passed"
                                          : "failed"},
        {"at", t.where.file ? where(loc.substr(0, loc.rfind(':')), t.where.line) : json(nullptr)},
        {"modes", std::move(modes)}});
  }
  json doc{{"schema", "lockstep-results"},
           {"version", kSchemaVersion},
           {"executable", r.executable},
           {"shard", r.shard_count ? json{{"index", r.shard_index}, {"count", r.shard_count}}
                                   : json(nullptr)},
           {"summary",
            {{"passed", r.passed},
             {"failed", r.failed},
             {"skipped", r.skipped},
             {"exit_code", r.exit_code}}},
           {"tests", std::move(tests)}};
  // Messages may hold bytes of user data that are not UTF-8: replace them, do not throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace lockstep::detail
