// The HTML view of a failing execution (--html=FILE): one self-contained page (inline CSS and
// JavaScript, nothing fetched) with one column per simulated thread and time downward. Each
// step shows its operation with its memory order, object, what it saw (value, the store it
// read) and its source line; an arrow runs from the store a load or RMW read to the read
// (trace_step::reads_from, which every engine's trace records); the two accesses of a data
// race are highlighted where the trace shows them (var accesses inside their step), and the
// failure sits in its thread's column after the step during which it happened. The token
// and verdict are at the top. Shares its shell and look with the lincheck view
// (lockstep/html/page.hpp).
#include <algorithm>
#include <string>
#include <vector>

#include "lockstep/html/page.hpp"
#include "reports.hpp"

namespace lockstep::detail {
namespace {

using markup::escape;

std::string attr(const std::string& s) { return escape(s, markup::context::attribute); }

std::string where_text(const std::string& file, int line) {
  return file.empty() ? std::string() : file + ":" + std::to_string(line);
}

constexpr const char* style = R"(
.grid{position:relative;display:grid;gap:2px 8px;padding:8px 10px 14px;align-items:start}
.th{position:sticky;top:41px;z-index:3;background:#f0f0f0;border-bottom:1px solid #ccc;font-weight:600;padding:3px 6px}
.num{color:#888;font:11px ui-monospace,monospace;text-align:right;padding-top:4px}
.step{border:1px solid #bbb;border-left:4px solid #90a4ae;border-radius:3px;background:#fff;padding:2px 6px;font-size:12px;overflow-wrap:anywhere;cursor:default}
.step .op{font-weight:600}.step .obj{color:#37474f}.step .note{color:#555}.step .at{display:block;color:#888;font-size:11px}
.step.atomic{border-left-color:#1565c0}.step.sync{border-left-color:#6a1b9a}
.step.access{border-left-color:#2e7d32;border-style:dashed;margin-left:10px}
.step.read{background:#f3f8ff}.step .rf{color:#1565c0}.step.stale{border-color:#b28704}
.step.hl{outline:2px solid #ff6f00}
.step:target,.mark:target{outline:3px solid #ff6f00}
.mark{border-radius:3px;padding:3px 6px;font-size:12px;font-weight:600;overflow-wrap:anywhere}
.mark.race,.step.race{background:#ffe0b2;border:2px solid #e65100;color:#bf360c}
.race-label{display:block;font-size:12px;font-weight:600}
.mark.fail{background:#ffcdd2;border:2px solid #c62828;color:#b71c1c}
.mark .at{display:block;font-weight:400;color:#555;font-size:11px}
svg.arrows{position:absolute;left:0;top:0;pointer-events:none;overflow:visible}
svg.arrows path{fill:none;stroke:#1565c0;stroke-width:1.5;opacity:.75}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:6px 0}
dl.facts dt{color:#555}dl.facts dd{margin:0}
)";

// Draws the reads-from arrows over the grid from the laid-out positions, lights up a read's
// store on hover, and records on <body> that it ran (data-check, data-arrows: a headless
// browser's DOM dump shows whether the page's script worked; tests/checker/html_chromium.cmake).
constexpr const char* script = R"(
(function(){
  var body=document.body; body.dataset.check='running';
  window.addEventListener('error',function(e){body.dataset.check='error: '+e.message;});
  var grid=document.getElementById('grid'), svg=document.getElementById('arrows');
  var NS='http://www.w3.org/2000/svg', drawn=0, missing=0;
  function draw(){
    while(svg.lastChild&&svg.lastChild.tagName!=='defs')svg.removeChild(svg.lastChild);
    drawn=0;missing=0;
    var g=grid.getBoundingClientRect();
    svg.setAttribute('width',g.width);svg.setAttribute('height',g.height);
    document.querySelectorAll('.step[data-rf]').forEach(function(d){
      var s=document.getElementById('s'+d.dataset.rf); if(!s){missing++;return;}
      var a=s.getBoundingClientRect(), b=d.getBoundingClientRect();
      // From the store's side to the read's facing side; within one column, a loop on the left.
      var y1=a.top-g.top+a.height/2, y2=b.top-g.top+b.height/2, x1, x2, c1, c2;
      if(b.left>a.right){x1=a.right-g.left;x2=b.left-g.left-2;c1=c2=(x1+x2)/2;}
      else if(b.right<a.left){x1=a.left-g.left;x2=b.right-g.left+2;c1=c2=(x1+x2)/2;}
      else{x1=a.left-g.left;x2=b.left-g.left-2;c1=c2=Math.min(x1,x2)-28;}
      var p=document.createElementNS(NS,'path');
      p.setAttribute('d','M'+x1+' '+y1+' C'+c1+' '+y1+' '+c2+' '+y2+' '+x2+' '+y2);
      p.setAttribute('marker-end','url(#head)'); p.dataset.from=d.dataset.rf; p.dataset.to=d.id;
      svg.appendChild(p); drawn++;});
    body.dataset.arrows=drawn;
  }
  draw(); window.addEventListener('resize',draw);
  var lit=[];
  document.addEventListener('mouseover',function(e){
    lit.forEach(function(x){x.classList.remove('hl');}); lit=[];
    var d=e.target.closest('.step[data-rf]'); if(!d)return;
    var s=document.getElementById('s'+d.dataset.rf); if(s){s.classList.add('hl');lit.push(s);}});
  body.dataset.check=missing?'missing arrow source':'ok';
})();
)";

// A row of the grid: a step of the trace, or a marker (a race access, the failure) placed
// after the step during which it happened.
struct entry {
  std::uint64_t after = 0;  // step number; markers sort after their step
  int order = 0;            // 0: the step itself, then markers in the order added
  int column = 0;           // thread, or -1: across all threads
  std::string html;
};

const char* op_class(const std::string& op) {
  if (op == "load" || op == "store" || op.rfind("rmw", 0) == 0 || op.rfind("cas", 0) == 0 ||
      op == "fence")
    return " atomic";
  if (op.find("lock") != std::string::npos || op.rfind("cv", 0) == 0 ||
      op.rfind("notify", 0) == 0 || op.rfind("sem", 0) == 0)
    return " sync";
  return "";
}

// var<T> reads and writes are not steps of their own: they happened inside step `step`.
bool is_access(const trace_step& s) { return s.op == "read" || s.op == "write"; }

// `access`: 0 for a step; for the n-th var access inside a step, n (its id must differ from
// the step's, which arrows and links target). `race`: the access is access number `race` of
// the data race (1: the earlier one), whose label it carries; 0: it is not.
std::string step_html(const trace_step& s, int access, int race = 0) {
  std::string what = s.op + (s.order.empty() ? "" : "(" + s.order + ")");
  std::string tip = "step " + std::to_string(s.step) + " \xC2\xB7 T" + std::to_string(s.thread) +
                    "\n" + what + (s.object.empty() ? "" : " " + s.object);
  if (!s.object_file.empty())
    tip += "\n" + s.object + " created at " + where_text(s.object_file, s.object_line);
  if (!s.wake.empty()) tip += "\nwoke by " + s.wake;
  if (!s.note.empty()) tip += "\n" + s.note;
  if (!s.file.empty()) tip += "\nat " + where_text(s.file, s.line);
  std::string cls = std::string("step") + op_class(s.op) + (access ? " access" : "") +
                    (race ? " race" : "") + (s.reads_from >= 0 ? " read" : "") +
                    (s.stale ? " stale" : "");
  const std::string id = race     ? "race" + std::to_string(race)
                         : access ? "s" + std::to_string(s.step) + "v" + std::to_string(access)
                                  : "s" + std::to_string(s.step);
  std::string h = "<div class=\"" + cls + "\" id=\"" + id + "\"";
  if (s.reads_from > 0) h += " data-rf=\"" + std::to_string(s.reads_from) + "\"";
  h += " data-tip=\"" + attr(tip) + "\">";
  if (race)
    h += "<span class=\"race-label\">data race: " + escape(s.op) + " by T" +
         std::to_string(s.thread) + (race == 1 ? " (the earlier access)" : "") + "</span>";
  h += "<span class=\"op\">" + escape(what) + "</span>";
  if (!s.object.empty()) h += " <span class=\"obj\">" + escape(s.object) + "</span>";
  if (!s.wake.empty()) h += " <span class=\"note\">[" + escape(s.wake) + "]</span>";
  if (!s.note.empty()) {
    // The note names the store read ("reads the store of step 5 (T1)"): that becomes a link.
    std::string note = escape(s.note);
    const std::string phrase = "reads the store of step " + std::to_string(s.reads_from);
    if (const auto at = note.find(phrase); s.reads_from > 0 && at != std::string::npos)
      note.replace(
          at, phrase.size(),
          "<a class=\"rf\" href=\"#s" + std::to_string(s.reads_from) + "\">" + phrase + "</a>");
    h += " <span class=\"note\">&rarr; " + note + "</span>";
  }
  if (!s.file.empty()) h += "<span class=\"at\">" + escape(where_text(s.file, s.line)) + "</span>";
  return h + "</div>";
}

void summary_html(std::string& o, const std::string& executable, const std::string& test,
                  const run_row& row) {
  const char* cls = row.skipped ? "unk" : row.failure.kind.empty() ? "ok" : "bad";
  o += "<div class=\"summary " + std::string(cls) + "\"><div class=\"verdict\" id=\"verdict\">" +
       escape(row.verdict) + "</div><dl class=\"facts\">";
  o += "<dt>test</dt><dd>" + escape(test) + " [" + escape(row.mode) + "]</dd>";
  if (!row.failure.kind.empty()) {
    const auto& f = row.failure;
    o +=
        "<dt>failure</dt><dd><a href=\"#failure\">" + escape(f.kind) + "</a>: " + escape(f.message);
    if (f.thread >= 0)
      o += " &mdash; in T" + std::to_string(f.thread) + " at " + escape(where_text(f.file, f.line));
    o += "</dd>";
  }
  if (!row.token.empty())
    o += "<dt>token</dt><dd><code id=\"token\">" + escape(row.token) +
         "</code></dd><dt>replay</dt><dd><code>" + escape(executable) + " --replay='" +
         escape(row.token) + "'</code></dd>";
  if (const auto& m = row.minimized; m.reduced)
    o += "<dt>minimised</dt><dd id=\"minimized\">from " + std::to_string(m.original_preemptions) +
         " preemptions and " + std::to_string(m.original_steps) + " steps to " +
         std::to_string(m.preemptions) + " and " + std::to_string(m.steps) +
         "; as first found: <code id=\"original-token\">" + escape(m.original_token) +
         "</code></dd>";
  o += "</dl><div class=\"legend\"><span><i style=\"border-left:4px solid #1565c0\"></i>atomic "
       "(memory order in parentheses)</span><span><i style=\"border-left:4px solid #6a1b9a\">"
       "</i>lock, condition variable, semaphore</span><span><i style=\"border-left:4px dashed "
       "#2e7d32\"></i>var access (inside the step above it)</span><span><i "
       "style=\"background:#ffe0b2;"
       "border-color:#e65100\"></i>access of a data race</span><span><i style=\"background:"
       "#ffcdd2;border-color:#c62828\"></i>the failure</span><span>&#8599; arrow: the store a "
       "load or RMW read</span></div></div>\n";
}

// The grid rows of a row's execution: its steps, the race's accesses and the failure.
std::vector<entry> entries_of(const run_row& row) {
  const auto& f = row.failure;
  // A race's access is one of the var accesses of the trace (same thread, step, kind and
  // line): that cell is highlighted. One the trace does not show (the var's construction)
  // gets a marker of its own after its step.
  std::vector<bool> drawn(f.race.size(), false);
  auto race_of = [&](const trace_step& s) {
    for (std::size_t k = 0; k < f.race.size(); ++k) {
      const auto& a = f.race[k];
      if (!drawn[k] && !a.file.empty() && a.thread == s.thread && a.step == s.step &&
          a.access == s.op && a.file == s.file && a.line == s.line) {
        drawn[k] = true;
        return static_cast<int>(k + 1);
      }
    }
    return 0;
  };
  std::vector<entry> es;
  int access = 0;
  for (const auto& s : row.trace) {
    access = is_access(s) ? access + 1 : 0;
    es.push_back({s.step, 0, s.thread, step_html(s, access, access ? race_of(s) : 0)});
  }
  int order = 1;
  for (std::size_t k = 0; k < f.race.size(); ++k) {
    if (drawn[k]) continue;
    const auto& a = f.race[k];
    const std::string at = a.file.empty() ? "its construction" : where_text(a.file, a.line);
    es.push_back({a.step, order++, a.thread,
                  "<div class=\"mark race\" id=\"race" + std::to_string(k + 1) +
                      "\">data race: " + escape(a.access) + " by T" + std::to_string(a.thread) +
                      (k == 0 ? " (the earlier access)" : "") + "<span class=\"at\">" + escape(at) +
                      "</span></div>"});
  }
  if (!f.kind.empty()) {
    std::string h =
        "<div class=\"mark fail\" id=\"failure\">" + escape(f.kind) + ": " + escape(f.message);
    if (!f.file.empty())
      h += "<span class=\"at\">" + escape(where_text(f.file, f.line)) + "</span>";
    es.push_back({f.step, order++, f.thread, h + "</div>"});
  }
  std::stable_sort(es.begin(), es.end(), [](const entry& a, const entry& b) {
    return a.after != b.after ? a.after < b.after : a.order < b.order;
  });
  return es;
}

}  // namespace

std::string execution_html(const std::string& executable, const std::string& test,
                           const run_row& row) {
  int threads = 1;
  bool any_rf = false;
  for (const auto& s : row.trace) {
    threads = std::max(threads, s.thread + 1);
    any_rf = any_rf || s.reads_from >= 0;
  }
  for (const auto& a : row.failure.race) threads = std::max(threads, a.thread + 1);
  const std::string title = "lockstep: " + test + " [" + row.mode + "] \xE2\x80\x94 " + row.verdict;
  std::string o = html::page_begin(title, style);
  o += "<header><h1>" + escape(title) + "</h1><span>" + escape(executable) + "</span></header>\n";
  summary_html(o, executable, test, row);
  const auto accesses = std::count_if(row.trace.begin(), row.trace.end(), is_access);
  o += "<section><h2>" + std::to_string(row.trace.size() - static_cast<std::size_t>(accesses)) +
       " steps" + (accesses ? " and " + std::to_string(accesses) + " var accesses" : "") + ", " +
       std::to_string(threads) + " threads &mdash; one column per thread, time downward";
  if (!any_rf) o += " (no reads-from arrows: no atomic load or RMW in this execution)";
  o += "</h2><div class=\"grid\" id=\"grid\" style=\"grid-template-columns:44px repeat(" +
       std::to_string(threads) + ",minmax(200px,1fr))\">";
  o += "<svg class=\"arrows\" id=\"arrows\"><defs><marker id=\"head\" viewBox=\"0 0 10 10\" "
       "refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path "
       "d=\"M0 0L10 5L0 10z\" fill=\"#1565c0\"/></marker></defs></svg>";
  o += "<div class=\"th\" style=\"grid-row:1;grid-column:1\">step</div>";
  for (int t = 0; t < threads; ++t)
    o += "<div class=\"th\" id=\"thread" + std::to_string(t) +
         "\" style=\"grid-row:1;grid-column:" + std::to_string(t + 2) + "\">T" + std::to_string(t) +
         (t == 0 ? " (test body)" : "") + "</div>";
  int r = 2;
  for (const auto& e : entries_of(row)) {
    const std::string place = "grid-row:" + std::to_string(r);
    if (e.order == 0)
      o += "<div class=\"num\" style=\"" + place + ";grid-column:1\">" + std::to_string(e.after) +
           "</div>";
    const std::string col =
        e.column < 0 ? "2 / span " + std::to_string(threads) : std::to_string(e.column + 2);
    o += "<div style=\"" + place + ";grid-column:" + col + "\">" + e.html + "</div>\n";
    ++r;
  }
  o += "</div></section>\n";
  return o + html::page_end(script);
}

std::string html_report(const run_report& r) {
  // The first row whose execution failed unexpectedly, else the first with a trace (a caught
  // twin, or a replay: its execution also when it passed).
  const test_result* best = nullptr;
  const run_row* pick = nullptr;
  for (int pass = 0; pass < 2 && !pick; ++pass)
    for (const auto& res : r.results) {
      for (const auto& row : res.outcome.rows)
        if (!row.trace.empty() && (pass == 1 || (!row.passed && !row.skipped))) {
          best = &res;
          pick = &row;
          break;
        }
      if (pick) break;
    }
  if (pick) return execution_html(r.executable, best->test->name, *pick);
  std::string o = html::page_begin("lockstep: " + r.executable, style);
  o += "<header><h1>lockstep: " + escape(r.executable) + "</h1></header>\n<div class=\"summary " +
       std::string(r.failed ? "bad" : "ok") +
       "\"><div class=\"verdict\" id=\"verdict\">no failing execution in this run</div><div>" +
       std::to_string(r.passed) + " passed, " + std::to_string(r.failed) + " failed" +
       (r.failed ? " (without a failing execution to show, e.g. incomplete searches)" : "") +
       ".</div></div>\n<div id=\"grid\"></div><svg id=\"arrows\"></svg>\n";
  return o + html::page_end(script);
}

}  // namespace lockstep::detail
