#include <lockstep/lincheck/porcupine_format.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

namespace lockstep::lin {
namespace {

// Parsing works on string_views into the file text: no per-line or per-token allocation
// (parse time is reported next to check time, and Porcupine's c50 files have 3-4k lines).

[[noreturn]] void fail(const std::string& name, std::size_t line, const std::string& why) {
  throw parse_error(name + ":" + std::to_string(line) + ": " + why);
}

// An integer field in [lo, hi]; `what` names the field in the message.
std::int64_t to_int(std::string_view s, const std::string& name, std::size_t line, const char* what,
                    std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  if (s.empty() || p != e || (ec != std::errc{} && ec != std::errc::result_out_of_range))
    fail(name, line, std::string("bad ") + what + " " + quote_token(s) + " (not an integer)");
  if (ec == std::errc::result_out_of_range || v < lo || v > hi)
    fail(name, line,
         std::string(what) + " " + quote_token(s) + " out of range [" + std::to_string(lo) + ", " +
             std::to_string(hi) + "]");
  return v;
}

constexpr std::int64_t max_pid = std::numeric_limits<int>::max();
// Register values: any 64-bit integer but the smallest, which stands for nil.
constexpr std::int64_t min_value = std::numeric_limits<std::int64_t>::min() + 1;
constexpr std::int64_t max_value = std::numeric_limits<std::int64_t>::max();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Next whitespace-separated token of `s` (advanced past it); empty when none is left.
std::string_view token(std::string_view& s) {
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  std::size_t e = b;
  while (e < s.size() && !is_space(s[e])) ++e;
  std::string_view t = s.substr(b, e - b);
  s.remove_prefix(e);
  return t;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class Fn>
void for_lines(const std::string& text, Fn fn) {
  const std::string_view all(text);
  std::size_t pos = 0, no = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) nl = all.size();
    std::string_view line = all.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++no);
    pos = nl + 1;
  }
}

}  // namespace

std::string quote_token(std::string_view t, std::size_t max_chars) {
  std::string o = "'";
  const std::size_t shown = std::min(t.size(), max_chars);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      o += static_cast<char>(c);
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      o += "\\x";
      o += hex[c >> 4];
      o += hex[c & 15];
    }
  }
  o += "'";
  if (shown < t.size()) o += "... (" + std::to_string(t.size()) + " bytes)";
  return o;
}

std::string read_file(const std::string& path) {
  // stat first: a directory opens as a stream of unknown size, and a device (/dev/zero) never
  // ends; only regular files and pipes (<(cmd), /dev/stdin from a pipe) hold a history.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw parse_error(path + ": cannot read file: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw parse_error(path + ": is a directory, not a history file");
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
    throw parse_error(path + ": is a device or socket, not a history file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw parse_error(path + ": cannot read file: " + std::strerror(errno));
  std::string text;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {  // one read into a buffer of the right size
    text.resize(static_cast<std::size_t>(st.st_size));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
  } else {  // a pipe, or a file whose size stat does not know (/proc)
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (in.bad()) throw parse_error(path + ": cannot read file");
  return text;
}

namespace {

bool etcd_line(std::string_view line) {
  const auto at = line.find("jepsen.util - ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = line.substr(at + 14);
  token(rest);  // process
  const std::string_view type = token(rest);
  return type == ":invoke" || type == ":ok" || type == ":fail" || type == ":info";
}

bool kv_line(std::string_view line) {
  line = trim(line);
  return line.size() > 2 && line.front() == '{' && line.back() == '}' &&
         line.find(":process ") != std::string_view::npos &&
         line.find(":type ") != std::string_view::npos;
}

}  // namespace

history_format detect_format(std::string_view text) {
  // The first lines that look like either format decide; a few thousand lines are enough
  // (Jepsen logs may open with other log lines) and keep detection cheap on large files.
  std::size_t pos = 0, lines = 0;
  while (pos < text.size() && lines < 4096) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, std::min<std::size_t>(nl - pos, 4096));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (etcd_line(line)) return history_format::etcd;
    if (kv_line(line)) return history_format::kv;
    pos = nl + 1;
    ++lines;
  }
  return history_format::unknown;
}

const char* format_name(history_format f) {
  switch (f) {
    case history_format::etcd:
      return "a Jepsen etcd log (register operations)";
    case history_format::kv:
      return "a kv history (EDN maps)";
    case history_format::unknown:
      break;
  }
  return "neither a Jepsen etcd log nor a kv history";
}

namespace {

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

[[noreturn]] void no_operations(const std::string& text, const std::string& name,
                                const char* wanted) {
  const history_format f = detect_format(text);
  const std::string why = std::string("it looks like ") + format_name(f);
  throw parse_error(name + ": no operations found (" + why + "; expected " + wanted + ")");
}

}  // namespace

history<models::register_model> parse_etcd(const std::string& text, const std::string& name) {
  using M = models::register_model;
  history<M> h;
  std::map<int, std::size_t> pending;  // process -> op index
  std::uint64_t t = 0;
  for_lines(text, [&](std::string_view line, std::size_t no) {
    constexpr std::string_view tag = "jepsen.util - ";
    auto at = line.find(tag);
    if (at == std::string_view::npos) return;  // other log lines
    std::string_view rest = line.substr(at + tag.size());
    const std::string_view proc_s = token(rest), type = token(rest), f = token(rest);
    const std::string_view v1 = trim(rest);
    if (f.empty()) fail(name, no, "expected 'PROCESS :type :f value'");
    const int proc = static_cast<int>(to_int(proc_s, name, no, "process id", 0, max_pid));
    M::input_type in{};
    if (f == ":read")
      in.kind = M::op::read;
    else if (f == ":write")
      in.kind = M::op::write;
    else if (f == ":cas")
      in.kind = M::op::cas;
    else
      fail(name, no, "unknown operation " + quote_token(f));
    auto parse_args = [&] {
      if (in.kind == M::op::write) in.arg1 = to_int(v1, name, no, "value", min_value, max_value);
      if (in.kind == M::op::cas) {
        if (v1.size() < 2 || v1.front() != '[' || v1.back() != ']')
          fail(name, no, "cas argument must be [FROM TO]");
        std::string_view a = v1.substr(1, v1.size() - 2);
        const std::string_view x = token(a), y = token(a), z = token(a);
        if (!z.empty()) fail(name, no, "cas argument must be [FROM TO]");
        in.arg1 = to_int(x, name, no, "value", min_value, max_value);
        in.arg2 = to_int(y, name, no, "value", min_value, max_value);
      }
    };
    ++t;
    if (type == ":invoke") {
      if (pending.count(proc)) fail(name, no, "process " + std::to_string(proc) + " invoked twice");
      parse_args();
      h.ops.push_back({proc, in, std::nullopt, t, open_time});
      pending[proc] = h.ops.size() - 1;
      return;
    }
    auto it = pending.find(proc);
    if (it == pending.end())
      fail(name, no, "response without invocation for process " + std::to_string(proc));
    auto& op = h.ops[it->second];
    if (op.input.kind != in.kind) fail(name, no, "response operation differs from invocation");
    pending.erase(it);
    if (type == ":info") return;  // unknown outcome: stays open
    if (type == ":ok") {
      M::output_type out{};
      if (in.kind == M::op::read)
        out.value = v1 == "nil" ? M::nil : to_int(v1, name, no, "value", min_value, max_value);
      op.output = out;
      op.ret = t;
    } else if (type == ":fail") {
      if (in.kind == M::op::cas) {
        op.output = M::output_type{0, false};
        op.ret = t;
      } else {
        // A failed read/write did not happen: completed with no effect. A read that failed
        // (e.g. :timed-out) gives no information, so it stays open and may be dropped.
      }
    } else {
      fail(name, no, "unknown type " + quote_token(type));
    }
  });
  if (h.ops.empty() && !blank(text))
    no_operations(text, name, "lines like 'INFO jepsen.util - 0 :invoke :read nil'");
  return h;
}

history<models::kv> parse_kv(const std::string& text, const std::string& name) {
  using M = models::kv;
  history<M> h;
  std::map<int, std::size_t> pending;
  std::uint64_t t = 0;
  for_lines(text, [&](std::string_view line, std::size_t no) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    if (line.front() != '{' || line.back() != '}')
      fail(name, no, "expected an EDN map {...}, got " + quote_token(line));
    // One pass over ":keyword value" pairs; a value is a "string" or runs to the next ','.
    std::string_view proc_v, type, f, key, val;
    bool has_val = false;
    std::string_view rest = line.substr(1, line.size() - 2);
    while (true) {
      const std::size_t b = rest.find_first_not_of(" \t,");
      if (b == std::string_view::npos) break;
      rest.remove_prefix(b);
      const std::size_t sp = rest.find(' ');
      if (rest.front() != ':' || sp == std::string_view::npos)
        fail(name, no, "expected ':keyword value' in the EDN map");
      const std::string_view k = rest.substr(0, sp);
      rest.remove_prefix(sp + 1);
      std::size_t e;
      if (!rest.empty() && rest.front() == '"') {
        e = rest.find('"', 1);
        if (e == std::string_view::npos) fail(name, no, "unterminated string in " + quote_token(k));
        ++e;
      } else {
        e = std::min(rest.find(','), rest.size());
      }
      const std::string_view v = rest.substr(0, e);
      rest.remove_prefix(e);
      if (k == ":process")
        proc_v = v;
      else if (k == ":type")
        type = v;
      else if (k == ":f")
        f = v;
      else if (k == ":key")
        key = v;
      else if (k == ":value")
        val = v, has_val = true;
    }
    for (auto [v, k] : {std::pair{proc_v, ":process"}, {type, ":type"}, {f, ":f"}, {key, ":key"}})
      if (v.empty()) fail(name, no, std::string("missing field ") + k);
    if (!has_val) fail(name, no, "missing field :value");
    const int proc = static_cast<int>(to_int(proc_v, name, no, "process id", 0, max_pid));
    auto unq = [&](std::string_view s) -> std::string_view {
      if (s == "nil") return {};
      if (s.size() < 2 || s.front() != '"')
        fail(name, no, "expected a string or nil, got " + quote_token(s));
      return s.substr(1, s.size() - 2);
    };
    M::input_type in{};
    if (f == ":get")
      in.kind = M::op::get;
    else if (f == ":put")
      in.kind = M::op::put;
    else if (f == ":append")
      in.kind = M::op::append;
    else
      fail(name, no, "unknown operation " + quote_token(f));
    in.key = unq(key);
    ++t;
    if (type == ":invoke") {
      if (pending.count(proc)) fail(name, no, "process invoked twice");
      in.value = unq(val);
      h.ops.push_back({proc, in, std::nullopt, t, open_time});
      pending[proc] = h.ops.size() - 1;
    } else if (type == ":ok") {
      auto it = pending.find(proc);
      if (it == pending.end()) fail(name, no, "response without invocation");
      auto& op = h.ops[it->second];
      if (op.input.kind != in.kind || op.input.key != in.key)
        fail(name, no, "response differs from invocation");
      pending.erase(it);
      op.output = M::output_type{in.kind == M::op::get ? std::string(unq(val)) : std::string()};
      op.ret = t;
    } else if (type == ":info") {
      auto it = pending.find(proc);
      if (it == pending.end()) fail(name, no, "response without invocation");
      pending.erase(it);
    } else {
      fail(name, no, "unknown type " + quote_token(type));
    }
  });
  if (h.ops.empty() && !blank(text))
    no_operations(text, name,
                  "lines like '{:process 0, :type :invoke, :f :get, :key \"k\", :value nil}'");
  return h;
}

namespace {

// (time, is return, op index) of every call and response, in real-time order.
template <class H>
std::vector<std::tuple<std::uint64_t, int, std::size_t>> events(const H& h) {
  std::vector<std::tuple<std::uint64_t, int, std::size_t>> ev;
  ev.reserve(2 * h.ops.size());
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    ev.emplace_back(h.ops[i].call, 0, i);
    if (!h.ops[i].open()) ev.emplace_back(h.ops[i].ret, 1, i);
  }
  std::sort(ev.begin(), ev.end());
  return ev;
}

}  // namespace

std::string format_etcd(const history<models::register_model>& h) {
  using M = models::register_model;
  std::string out;
  for (const auto& [t, ret, i] : events(h)) {
    const auto& o = h.ops[i];
    out += "INFO  jepsen.util - " + std::to_string(o.client) + "\t";
    const bool failed_cas = ret && o.input.kind == M::op::cas && !o.output->ok;
    out += !ret ? ":invoke" : failed_cas ? ":fail" : ":ok";
    switch (o.input.kind) {
      case M::op::read:
        out += "\t:read\t" + (ret ? M::describe_value(o.output->value) : std::string("nil"));
        break;
      case M::op::write:
        out += "\t:write\t" + M::describe_value(o.input.arg1);
        break;
      case M::op::cas:
        out += "\t:cas\t[" + M::describe_value(o.input.arg1) + " " +
               M::describe_value(o.input.arg2) + "]";
        break;
    }
    out += "\n";
  }
  return out;
}

std::string format_kv(const history<models::kv>& h) {
  using M = models::kv;
  std::string out;
  for (const auto& [t, ret, i] : events(h)) {
    const auto& o = h.ops[i];
    out += "{:process " + std::to_string(o.client) + ", :type " + (ret ? ":ok" : ":invoke");
    const char* f = o.input.kind == M::op::get   ? ":get"
                    : o.input.kind == M::op::put ? ":put"
                                                 : ":append";
    out += std::string(", :f ") + f + ", :key \"" + o.input.key + "\", :value ";
    if (o.input.kind == M::op::get)
      out += ret ? "\"" + o.output->value + "\"" : std::string("nil");
    else
      out += "\"" + o.input.value + "\"";
    out += "}\n";
  }
  return out;
}

}  // namespace lockstep::lin
