#include <lockstep/lincheck/porcupine_format.hpp>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace lockstep::lin {
namespace {

[[noreturn]] void fail(const std::string& name, std::size_t line, const std::string& why) {
  throw parse_error(name + ":" + std::to_string(line) + ": " + why);
}

std::int64_t to_int(const std::string& s, const std::string& name, std::size_t line) {
  if (s.empty() || s.size() > 18) fail(name, line, "bad integer '" + s + "'");
  for (char c : s)
    if (c < '0' || c > '9') fail(name, line, "bad integer '" + s + "'");
  return std::strtoll(s.c_str(), nullptr, 10);
}

template <class Fn>
void for_lines(const std::string& text, Fn fn) {
  std::size_t pos = 0, no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    fn(line, ++no);
    pos = nl + 1;
  }
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw parse_error(path + ": cannot read file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

history<models::register_model> parse_etcd(const std::string& text, const std::string& name) {
  using M = models::register_model;
  history<M> h;
  std::map<int, std::size_t> pending;  // process -> op index
  std::uint64_t t = 0;
  for_lines(text, [&](const std::string& line, std::size_t no) {
    const std::string tag = "jepsen.util - ";
    auto at = line.find(tag);
    if (at == std::string::npos) return;  // other log lines
    std::istringstream ss(line.substr(at + tag.size()));
    std::string proc_s, type, f, v1, v2;
    ss >> proc_s >> type >> f;
    std::getline(ss, v1);
    while (!v1.empty() && (v1.front() == ' ' || v1.front() == '\t')) v1.erase(0, 1);
    while (!v1.empty() && (v1.back() == ' ' || v1.back() == '\t')) v1.pop_back();
    if (f.empty()) fail(name, no, "expected 'PROCESS :type :f value'");
    int proc = static_cast<int>(to_int(proc_s, name, no));
    M::input_type in{};
    if (f == ":read") in.kind = M::op::read;
    else if (f == ":write") in.kind = M::op::write;
    else if (f == ":cas") in.kind = M::op::cas;
    else fail(name, no, "unknown operation '" + f + "'");
    auto parse_args = [&] {
      if (in.kind == M::op::write) in.arg1 = to_int(v1, name, no);
      if (in.kind == M::op::cas) {
        if (v1.size() < 2 || v1.front() != '[' || v1.back() != ']')
          fail(name, no, "cas argument must be [FROM TO]");
        std::istringstream a(v1.substr(1, v1.size() - 2));
        std::string x, y, z;
        a >> x >> y >> z;
        if (!z.empty()) fail(name, no, "cas argument must be [FROM TO]");
        in.arg1 = to_int(x, name, no);
        in.arg2 = to_int(y, name, no);
      }
    };
    ++t;
    if (type == ":invoke") {
      if (pending.count(proc)) fail(name, no, "process " + proc_s + " invoked twice");
      parse_args();
      h.ops.push_back({proc, in, std::nullopt, t, open_time});
      pending[proc] = h.ops.size() - 1;
      return;
    }
    auto it = pending.find(proc);
    if (it == pending.end()) fail(name, no, "response without invocation for process " + proc_s);
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
      fail(name, no, "unknown type '" + type + "'");
    }
  });
  return h;
}

history<models::kv> parse_kv(const std::string& text, const std::string& name) {
  using M = models::kv;
  history<M> h;
  std::map<int, std::size_t> pending;
  std::uint64_t t = 0;
  for_lines(text, [&](const std::string& line, std::size_t no) {
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    auto field = [&](const std::string& k) -> std::string {
      auto at = line.find(k + " ");
      if (at == std::string::npos) fail(name, no, "missing field " + k);
      std::size_t b = at + k.size() + 1;
      if (b < line.size() && line[b] == '"') {
        auto e = line.find('"', b + 1);
        if (e == std::string::npos) fail(name, no, "unterminated string in " + k);
        return line.substr(b, e - b + 1);
      }
      auto e = line.find_first_of(",}", b);
      if (e == std::string::npos) fail(name, no, "unterminated field " + k);
      return line.substr(b, e - b);
    };
    if (line.front() != '{' || line.back() != '}') fail(name, no, "expected an EDN map {...}");
    int proc = static_cast<int>(to_int(field(":process"), name, no));
    std::string type = field(":type"), f = field(":f"), key = field(":key"),
                val = field(":value");
    auto unq = [&](const std::string& s) -> std::string {
      if (s == "nil") return "";
      if (s.size() < 2 || s.front() != '"') fail(name, no, "expected a string or nil");
      return s.substr(1, s.size() - 2);
    };
    M::input_type in{};
    if (f == ":get") in.kind = M::op::get;
    else if (f == ":put") in.kind = M::op::put;
    else if (f == ":append") in.kind = M::op::append;
    else fail(name, no, "unknown operation '" + f + "'");
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
      op.output = M::output_type{in.kind == M::op::get ? unq(val) : std::string()};
      op.ret = t;
    } else if (type == ":info") {
      auto it = pending.find(proc);
      if (it == pending.end()) fail(name, no, "response without invocation");
      pending.erase(it);
    } else {
      fail(name, no, "unknown type '" + type + "'");
    }
  });
  return h;
}

}  // namespace lockstep::lin
