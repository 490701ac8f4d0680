// lockstep/html/page.hpp — the shell shared by lockstep's self-contained HTML pages: the
// linearizability view (lockstep/lincheck/html.hpp) and the failing-execution view of a test
// binary's --html (checker/harness/src/report_html.cpp).
//
// Guarantees
//   * page_begin(title, style) + body + page_end(script) is one HTML document with inline CSS
//     and JavaScript and no external reference (nothing is fetched: it opens offline).
//   * Both views share one look: base_style (header bar, summary box with its verdict colours
//     ok / bad / unk, legend, sections) and the hover tooltip: any element with a data-tip
//     attribute shows it in a box that follows the mouse (tooltip_script).
//   * The title is escaped (lockstep/html/markup.hpp); style and script are the page's own.
//   * The page has exactly one <script> element.
//
// Usage
//   std::string page = html::page_begin("my view", ".x{color:red}") + body +
//                      html::page_end("document.body.dataset.ready='1';");
#pragma once

#include <string>
#include <string_view>

#include "lockstep/html/markup.hpp"

namespace lockstep::html {

inline constexpr const char* base_style = R"(
body{font:13px/1.35 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #ccc;padding:6px 12px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:15px;margin:0}
.summary{margin:12px;padding:10px 14px;border:2px solid #999;border-radius:6px;background:#fff;max-width:1100px}
.summary.ok{border-color:#2e7d32}.summary.bad{border-color:#c62828}.summary.unk{border-color:#b28704}
.verdict{font-weight:700;font-size:15px}.ok .verdict,.v.ok{color:#2e7d32}.bad .verdict,.v.bad{color:#c62828}.unk .verdict,.v.unk{color:#b28704}
.summary ul{margin:4px 0;padding-left:20px;max-height:220px;overflow:auto}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:22px;height:11px;vertical-align:middle;margin-right:4px;border:1px solid #777}
section{margin:12px;background:#fff;border:1px solid #ddd;border-radius:6px}
section .details{padding:4px 10px;border-bottom:1px solid #eee}
section .details ul{margin:2px 0;padding-left:20px;max-height:160px;overflow:auto}
section h2{font-size:13px;margin:0;padding:6px 10px;background:#f0f0f0;border-bottom:1px solid #ddd}
code{font:12px ui-monospace,monospace;background:#f3f3f3;padding:0 3px;border-radius:3px;word-break:break-all}
#tip{position:fixed;z-index:10;display:none;max-width:520px;background:#263238;color:#fff;padding:6px 8px;border-radius:4px;white-space:pre-wrap;font:12px/1.4 ui-monospace,monospace;pointer-events:none}
)";

// The tooltip: the data-tip of the element under the mouse, kept inside the window.
inline constexpr const char* tooltip_script = R"(
(function(){
  var tip=document.getElementById('tip');
  document.addEventListener('mouseover',function(e){
    var o=e.target.closest('[data-tip]'); if(!o){tip.style.display='none';return;}
    tip.textContent=o.dataset.tip; tip.style.display='block';});
  document.addEventListener('mousemove',function(e){
    if(tip.style.display!=='block')return;
    var x=e.clientX+14,y=e.clientY+14,w=tip.offsetWidth,h=tip.offsetHeight;
    if(x+w>window.innerWidth)x=Math.max(0,e.clientX-w-14);
    if(y+h>window.innerHeight)y=Math.max(0,e.clientY-h-14);
    tip.style.left=x+'px';tip.style.top=y+'px';});
})();
)";

// The document up to and including <body>: doctype, title, base_style and the page's `style`.
inline std::string page_begin(std::string_view title, std::string_view style) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  s += "<meta name=\"viewport\" content=\"width=device-width\"><title>";
  s += markup::escape(title);
  s += "</title><style>";
  s += base_style;
  s += style;
  s += "</style></head><body>\n";
  return s;
}

// The end of the document: the tooltip box and the one script (tooltip_script, then `script`).
inline std::string page_end(std::string_view script) {
  std::string s = "<div id=\"tip\"></div><script>";
  s += tooltip_script;
  s += script;
  s += "</script></body></html>\n";
  return s;
}

}  // namespace lockstep::html
