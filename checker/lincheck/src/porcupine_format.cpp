#include <lockstep/lincheck/porcupine_format.hpp>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

namespace lockstep::lin {
namespace {

// Parsing works on string_views into the file text: no per-line or per-token allocation
// (parse time is reported next to check time, and Porcupine's c50 files have 3-4k lines).

[[noreturn]] void fail(const std::string& name, std::size_t line, const std::string& why) {
  throw parse_error(name + ":" + std::to_string(line) + ": " + why);
}

std::int64_t to_int(std::string_view s, const std::string& name, std::size_t line) {
  if (s.empty() || s.size() > 18) fail(name, line, "bad integer '" + std::string(s) + "'");
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') fail(name, line, "bad integer '" + std::string(s) + "'");
    v = v * 10 + (c - '0');
  }
  return v;
}

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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw parse_error(path + ": cannot read file");
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > 0) {  // a regular file: one read into a buffer of the right size
    text.resize(static_cast<std::size_t>(size));
    in.seekg(0);
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
  } else {  // not seekable (a pipe) or empty
    in.clear();
    in.seekg(0);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (in.bad()) throw parse_error(path + ": cannot read file");
  return text;
}

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
    int proc = static_cast<int>(to_int(proc_s, name, no));
    M::input_type in{};
    if (f == ":read")
      in.kind = M::op::read;
    else if (f == ":write")
      in.kind = M::op::write;
    else if (f == ":cas")
      in.kind = M::op::cas;
    else
      fail(name, no, "unknown operation '" + std::string(f) + "'");
    auto parse_args = [&] {
      if (in.kind == M::op::write) in.arg1 = to_int(v1, name, no);
      if (in.kind == M::op::cas) {
        if (v1.size() < 2 || v1.front() != '[' || v1.back() != ']')
          fail(name, no, "cas argument must be [FROM TO]");
        std::string_view a = v1.substr(1, v1.size() - 2);
        const std::string_view x = token(a), y = token(a), z = token(a);
        if (!z.empty()) fail(name, no, "cas argument must be [FROM TO]");
        in.arg1 = to_int(x, name, no);
        in.arg2 = to_int(y, name, no);
      }
    };
    ++t;
    if (type == ":invoke") {
      if (pending.count(proc)) fail(name, no, "process " + std::string(proc_s) + " invoked twice");
      parse_args();
      h.ops.push_back({proc, in, std::nullopt, t, open_time});
      pending[proc] = h.ops.size() - 1;
      return;
    }
    auto it = pending.find(proc);
    if (it == pending.end())
      fail(name, no, "response without invocation for process " + std::string(proc_s));
    auto& op = h.ops[it->second];
    if (op.input.kind != in.kind) fail(name, no, "response operation differs from invocation");
    pending.erase(it);
    if (type == ":info") return;  // unknown outcome: stays open
    if (type == ":ok") {
      M::output_type out{};
      if (in.kind == M::op::read) out.value = v1 == "nil" ? M::nil : to_int(v1, name, no);
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
      fail(name, no, "unknown type '" + std::string(type) + "'");
    }
  });
  return h;
}

history<models::kv> parse_kv(const std::string& text, const std::string& name) {
  using M = models::kv;
  history<M> h;
  std::map<int, std::size_t> pending;
  std::uint64_t t = 0;
  for_lines(text, [&](std::string_view line, std::size_t no) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    if (line.front() != '{' || line.back() != '}') fail(name, no, "expected an EDN map {...}");
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
        if (e == std::string_view::npos) fail(name, no, "unterminated string in " + std::string(k));
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
    int proc = static_cast<int>(to_int(proc_v, name, no));
    auto unq = [&](std::string_view s) -> std::string_view {
      if (s == "nil") return {};
      if (s.size() < 2 || s.front() != '"') fail(name, no, "expected a string or nil");
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
      fail(name, no, "unknown operation '" + std::string(f) + "'");
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
      fail(name, no, "unknown type '" + std::string(type) + "'");
    }
  });
  return h;
}

}  // namespace lockstep::lin
