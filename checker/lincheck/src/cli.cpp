// lockstep-lincheck: checks a history file against a named model.
// Exit codes: 0 linearizable, 1 not linearizable, 2 bad input (usage, unreadable/malformed),
// 3 unknown (search budget exceeded). --html OUT also writes the visualisation
// (lockstep/lincheck/html.hpp) to OUT; an unwritable OUT is bad input (exit 2).
#include <lockstep/lincheck/html.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace {

int usage(const std::string& why) {
  std::cerr << "lockstep-lincheck: " << why
            << "\nusage: lockstep-lincheck --model etcd|kv [--json] [--html OUT.html] FILE\n";
  return 2;
}

// Bar labels for --html, in the notation of the input files.
std::string label(
    const lockstep::lin::operation<lockstep::models::register_model::input_type,
                                   lockstep::models::register_model::output_type>& o) {
  using R = lockstep::models::register_model;
  auto v = [](std::int64_t x) { return x == R::nil ? std::string("nil") : std::to_string(x); };
  switch (o.input.kind) {
    case R::op::read:
      return "read() -> " + (o.output ? v(o.output->value) : "?");
    case R::op::write:
      return "write(" + v(o.input.arg1) + ")";
    case R::op::cas:
      return "cas(" + v(o.input.arg1) + ", " + v(o.input.arg2) + ") -> " +
             (o.output ? (o.output->ok ? "ok" : "fail") : "?");
  }
  return "?";
}

std::string label(const lockstep::lin::operation<lockstep::models::kv::input_type,
                                                 lockstep::models::kv::output_type>& o) {
  using K = lockstep::models::kv;
  switch (o.input.kind) {
    case K::op::get:
      return "get(\"" + o.input.key + "\") -> " + (o.output ? "\"" + o.output->value + "\"" : "?");
    case K::op::put:
      return "put(\"" + o.input.key + "\", \"" + o.input.value + "\")";
    case K::op::append:
      return "append(\"" + o.input.key + "\", \"" + o.input.value + "\")";
  }
  return "?";
}

template <class M>
int report(const M& m, const lockstep::lin::history<M>& h, bool json, const std::string& html,
           const std::string& file) {
  using namespace lockstep;
  // Open the output first: an unwritable path is reported before a possibly long search.
  std::ofstream out;
  if (!html.empty()) {
    out.open(html, std::ios::binary | std::ios::trunc);
    if (!out) {
      std::cerr << "lockstep-lincheck: cannot write --html file '" << html
                << "': " << std::strerror(errno) << "\n";
      return 2;
    }
  }
  lin::result r = lin::check(m, h);
  if (!html.empty()) {
    lin::html_options ho;
    ho.title = "lockstep-lincheck: " + file;
    out << lin::to_html(
        m, h, r, [](const auto& o) { return label(o); }, ho);
    out.close();
    if (!out) {
      std::cerr << "lockstep-lincheck: error writing --html file '" << html << "'\n";
      return 2;
    }
  }
  if (json) {
    const char* v = r.verdict_ == lin::verdict::linearizable       ? "linearizable"
                    : r.verdict_ == lin::verdict::not_linearizable ? "not_linearizable"
                                                                   : "unknown";
    auto arr = [](const std::vector<std::size_t>& a) {
      std::string s = "[";
      for (std::size_t i = 0; i < a.size(); ++i) s += (i ? "," : "") + std::to_string(a[i]);
      return s + "]";
    };
    std::cout << "{\"verdict\":\"" << v << "\",\"operations\":" << h.ops.size()
              << ",\"order\":" << arr(r.order) << ",\"longest_prefix\":" << arr(r.longest_prefix)
              << ",\"unplaced\":" << arr(r.unplaced) << "}\n";
  } else {
    std::cout << lin::describe(r, h);
  }
  switch (r.verdict_) {
    case lin::verdict::linearizable:
      return 0;
    case lin::verdict::not_linearizable:
      return 1;
    default:
      return 3;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, file, html;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json")
      json = true;
    else if (a == "--model" && i + 1 < argc)
      model = argv[++i];
    else if (a == "--html" && i + 1 < argc && *argv[i + 1])
      html = argv[++i];
    else if (a == "--html")
      return usage("--html needs an output file name");
    else if (a.rfind("--", 0) == 0)
      return usage("unknown flag '" + a + "'");
    else if (file.empty())
      file = a;
    else
      return usage("more than one file given");
  }
  if (file.empty()) return usage("no history file given");
  try {
    std::string text = lockstep::lin::read_file(file);
    if (model == "etcd" || model == "register")
      return report(lockstep::models::register_model{}, lockstep::lin::parse_etcd(text, file), json,
                    html, file);
    if (model == "kv")
      return report(lockstep::models::kv{}, lockstep::lin::parse_kv(text, file), json, html, file);
    return usage("unknown or missing --model '" + model + "' (etcd, kv)");
  } catch (const lockstep::lin::parse_error& e) {
    std::cerr << "lockstep-lincheck: " << e.what() << "\n";
    return 2;
  }
}
