// lockstep/lincheck/porcupine_format.hpp — parsers for Porcupine's test data formats.
//
// Guarantees: parse_* either return a history or throw lin::parse_error whose what() is
// "file:line: reason" ("file: no operations found (...)" when a text that is not blank holds
// no operation; the reason names the format it looks like). A blank text is the empty history
// (Porcupine's etcd_095.log is empty and linearizable); the CLI rejects it unless
// --allow-empty. Offending tokens are quoted by quote_token: cut to
// 80 characters, non-printable bytes as \xNN. Process ids must lie in [0, INT_MAX], register
// values in the 64-bit range except INT64_MIN (models::register_model::nil). Jepsen etcd logs:
// lines "INFO  jepsen.util - P\t:type\t:f\tvalue"; real-time order is line order; `:fail :cas` is a
// completed cas that returned false; `:info` operations stay open; lines that are not jepsen.util
// op lines are ignored. kv logs: EDN maps
// {:process P, :type :invoke|:ok, :f :get|:put|:append, :key "k", :value "v"|nil}.
#pragma once

#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/kv.hpp>
#include <lockstep/models/register.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace lockstep::lin {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

history<models::register_model> parse_etcd(const std::string& text, const std::string& name);
history<models::kv> parse_kv(const std::string& text, const std::string& name);
// Reads a whole file; throws parse_error("path: ...") when it is unreadable, a directory or a
// device (regular files and pipes are read).
std::string read_file(const std::string& path);

// The inverse of parse_etcd / parse_kv: a history as a Jepsen etcd log or a kv EDN file, one
// line per call and per response in real-time order (calls first at equal times; open
// operations get no response line). For generated histories (lin/generate.hpp), so the CLI can
// be measured on them; parsing the text back gives the same operations.
std::string format_etcd(const history<models::register_model>& h);
std::string format_kv(const history<models::kv>& h);

// Which of the two formats a text looks like, from its first lines that match either.
enum class history_format { unknown, etcd, kv };
history_format detect_format(std::string_view text);
const char* format_name(history_format f);  // "a kv history (EDN maps)", ...

// 't' for messages: at most max_chars characters, non-printable bytes as \xNN, and the full
// length appended when cut.
std::string quote_token(std::string_view t, std::size_t max_chars = 80);

}  // namespace lockstep::lin
