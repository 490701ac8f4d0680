// lockstep-lincheck: checks a history file against a named model (see --help and README.md).
// Exit codes: 0 linearizable, 1 not linearizable, 2 bad input (usage, unreadable, malformed or
// empty file, wrong format for --model), 3 unknown (a search or memory budget ran out; never an
// abort), 4 internal error (an unexpected exception; a bug). --html OUT also writes the
// visualisation (lockstep/lincheck/html.hpp) to OUT; an unwritable OUT is bad input (exit 2).
#include <lockstep/lincheck/html.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace lockstep;

constexpr const char* help_text =
    R"(usage: lockstep-lincheck [--model auto|etcd|kv] [--json] [--html OUT.html]
                         [--max-memory=BYTES] [--timeout=SECONDS] [--jobs=N] [--allow-empty] FILE

Checks whether the history in FILE is linearizable with respect to a sequential model.

  --model M       etcd (alias register): Jepsen etcd logs, a read/write/cas register;
                  kv: Porcupine's kv histories (EDN maps), get/put/append, checked per key;
                  auto (default): pick the model from the file's content.
                  A file that looks like the other format is rejected (exit 2).
  --json          one JSON object on stdout instead of the text report
  --html OUT      also write a self-contained HTML visualisation to OUT
  --max-memory=B  bytes the search may use (suffix K, M, G); default: half the physical
                  memory. Exceeded: exit 3, "unknown: memory budget exceeded" and what
                  was explored
  --timeout=S     stop after S seconds (fractions allowed) with exit 3, "unknown: time
                  limit exceeded" and what was explored; default: none
  --jobs=N        check independent partitions (kv keys) on N threads; default: all
                  cores. The verdict and the witness do not depend on N
  --allow-empty   accept an empty (or blank) file as the empty, linearizable history
                  instead of rejecting it as bad input
  -h, --help      this text

Exit status: 0 linearizable, 1 not linearizable, 2 bad input (usage, unreadable file,
directory or device, malformed or empty history, wrong format), 3 unknown (a budget ran
out, including memory), 4 internal error.
)";

int usage(const std::string& why) {
  std::cerr << "lockstep-lincheck: " << why
            << "\nusage: lockstep-lincheck [--model auto|etcd|kv] [--json] [--html OUT.html] "
               "[--max-memory=B] [--timeout=S] [--jobs=N] FILE"
               "\n(--help for details)\n";
  return 2;
}

template <class M>
int report(const M& m, const lin::history<M>& h, const lin::options& opt, bool json,
           const std::string& html, const std::string& file) {
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
  lin::result r = lin::check(m, h, opt);
  if (!html.empty()) {
    lin::html_options ho;
    ho.title = "lockstep-lincheck: " + file;
    out << lin::to_html(m, h, r, ho);
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
              << ",\"unplaced\":" << arr(r.unplaced) << ",\"stopped\":\""
              << (r.stopped == lin::stop_reason::none        ? "none"
                  : r.stopped == lin::stop_reason::max_cache ? "max_cache"
                  : r.stopped == lin::stop_reason::memory    ? "memory"
                                                             : "timeout")
              << "\",\"configurations\":" << r.stats.configurations
              << ",\"states\":" << r.stats.states << ",\"peak_bytes\":" << r.stats.peak_bytes
              << ",\"partitions\":" << r.stats.partitions
              << ",\"partitions_done\":" << r.stats.partitions_done << "}\n";
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

// --name=value or --name value; nullopt if `a` is not --name.
std::optional<std::string> flag_value(std::string_view a, std::string_view name, int& i, int argc,
                                      char** argv, bool& missing) {
  if (a == name) {
    if (i + 1 >= argc || !*argv[i + 1]) {
      missing = true;
      return std::string();
    }
    return std::string(argv[++i]);
  }
  if (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '=')
    return std::string(a.substr(name.size() + 1));
  return std::nullopt;
}

// A byte count with an optional K/M/G suffix (powers of 1024).
std::optional<std::size_t> parse_bytes(const std::string& v) {
  std::size_t pos = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(v, &pos);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (v.empty() || v[0] == '-') return std::nullopt;
  const std::string suffix = v.substr(pos);
  unsigned shift = 0;
  if (suffix == "K" || suffix == "k")
    shift = 10;
  else if (suffix == "M" || suffix == "m")
    shift = 20;
  else if (suffix == "G" || suffix == "g")
    shift = 30;
  else if (!suffix.empty())
    return std::nullopt;
  if (n > (std::numeric_limits<std::size_t>::max() >> shift)) return std::nullopt;
  return static_cast<std::size_t>(n) << shift;
}

int run(int argc, char** argv) {
  std::string model = "auto", file, html;
  lin::options opt;
  opt.jobs = 0;  // all cores
  bool json = false, allow_empty = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    bool missing = false;
    if (a == "-h" || a == "--help") {
      std::cout << help_text;
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--allow-empty") {
      allow_empty = true;
    } else if (auto v = flag_value(a, "--model", i, argc, argv, missing)) {
      if (missing) return usage("--model needs a value (auto, etcd, kv)");
      model = *v;
    } else if (auto out = flag_value(a, "--html", i, argc, argv, missing)) {
      if (missing || out->empty()) return usage("--html needs an output file name");
      html = *out;
    } else if (auto mm = flag_value(a, "--max-memory", i, argc, argv, missing)) {
      const auto b = missing ? std::nullopt : parse_bytes(*mm);
      if (!b || *b == 0)
        return usage("--max-memory needs a positive byte count (suffix K, M or G allowed), got " +
                     lin::quote_token(*mm));
      opt.max_memory = *b;
    } else if (auto t = flag_value(a, "--timeout", i, argc, argv, missing)) {
      double sec = -1;
      try {
        std::size_t pos = 0;
        sec = std::stod(*t, &pos);
        if (pos != t->size()) sec = -1;
      } catch (const std::exception&) {
      }
      if (missing || !(sec > 0) || sec > 1e9)
        return usage("--timeout needs a positive number of seconds, got " + lin::quote_token(*t));
      opt.timeout = sec;
    } else if (auto j = flag_value(a, "--jobs", i, argc, argv, missing)) {
      unsigned long n = 0;
      try {
        std::size_t pos = 0;
        n = std::stoul(*j, &pos);
        if (pos != j->size()) n = 0;
      } catch (const std::exception&) {
      }
      if (missing || n == 0 || n > 1024 || (*j)[0] == '-')
        return usage("--jobs needs a thread count in [1, 1024], got " + lin::quote_token(*j));
      opt.jobs = static_cast<unsigned>(n);
    } else if (a.rfind("--", 0) == 0) {
      return usage("unknown flag " + lin::quote_token(a));
    } else if (file.empty()) {
      file = a;
    } else {
      return usage("more than one file given");
    }
  }
  if (model == "register") model = "etcd";
  if (model != "auto" && model != "etcd" && model != "kv")
    return usage("unknown --model " + lin::quote_token(model) + " (auto, etcd, kv)");
  if (file.empty()) return usage("no history file given");

  const std::string text = lin::read_file(file);
  const bool blank = text.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
  if (blank && !allow_empty)
    throw lin::parse_error(file + (text.empty() ? ": the file is empty" : ": the file is blank") +
                           ": no operations found (--allow-empty accepts it as linearizable)");
  const lin::history_format found = lin::detect_format(text);
  lin::history_format wanted = model == "etcd" ? lin::history_format::etcd
                               : model == "kv" ? lin::history_format::kv
                                               : found;
  if (blank && wanted == lin::history_format::unknown) wanted = lin::history_format::etcd;
  if (wanted == lin::history_format::unknown)
    throw lin::parse_error(file + ": no operations found: the content is " +
                           lin::format_name(found) + "; nothing to check");
  if (found != lin::history_format::unknown && found != wanted)
    throw lin::parse_error(
        file + ": this looks like " + lin::format_name(found) + ", not " +
        lin::format_name(wanted) + " as --model " + model + " expects; use --model " +
        (found == lin::history_format::kv ? "kv" : "etcd") + " or leave --model out");
  if (wanted == lin::history_format::etcd)
    return report(models::register_model{}, lin::parse_etcd(text, file), opt, json, html, file);
  return report(models::kv{}, lin::parse_kv(text, file), opt, json, html, file);
}

}  // namespace

int main(int argc, char** argv) {
  // Every exception ends in a clear message and exit code, never in std::terminate.
  try {
    return run(argc, argv);
  } catch (const lin::parse_error& e) {
    std::cerr << "lockstep-lincheck: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cout << "unknown: memory budget exceeded (out of memory)\n";
    std::cerr << "lockstep-lincheck: out of memory\n";
    return 3;
  } catch (const std::length_error&) {
    std::cout << "unknown: memory budget exceeded (allocation too large)\n";
    std::cerr << "lockstep-lincheck: allocation too large\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "lockstep-lincheck: internal error: " << e.what() << "\n";
    return 4;
  } catch (...) {
    std::cerr << "lockstep-lincheck: internal error: unknown exception\n";
    return 4;
  }
}
