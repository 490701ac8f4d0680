// lockstep/html/markup.hpp — escaping text for HTML and XML, shared by the HTML views
// (lockstep/lincheck/html.hpp, the failing-execution view of --html) and the JUnit XML report.
//
// Guarantees
//   * escape(s) replaces `&`, `<`, `>`, `"` and `'` by character references, so no text from a
//     test (messages, labels, values) can inject markup or script into a page or report.
//     `&#39;` is used for `'`: valid in both HTML and XML.
//   * Control characters other than tab, line feed and carriage return cannot appear in XML
//     1.0 at all and are parse errors in HTML: they become '?'.
//   * escape(s, context::attribute) also writes tab, line feed and carriage return as
//     character references: XML attribute normalisation would turn them into spaces.
//
// Usage
//   os << "<div title=\"" << markup::escape(tip, markup::context::attribute) << "\">"
//      << markup::escape(text) << "</div>";
#pragma once

#include <string>
#include <string_view>

namespace lockstep::markup {

enum class context { text, attribute };

inline std::string escape(std::string_view s, context where = context::text) {
  const bool attr = where == context::attribute;
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      case '\n':
        o += attr ? "&#10;" : "\n";
        break;
      case '\r':
        o += attr ? "&#13;" : "\r";
        break;
      case '\t':
        o += attr ? "&#9;" : "\t";
        break;
      default:
        o += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
  }
  return o;
}

}  // namespace lockstep::markup
