// lockstep-lincheck: checks a history file against a named model.
// Exit codes: 0 linearizable, 1 not linearizable, 2 bad input (usage, unreadable/malformed),
// 3 unknown (search budget exceeded).
#include <lockstep/lincheck/porcupine_format.hpp>

#include <cstring>
#include <iostream>

namespace {

int usage(const std::string& why) {
  std::cerr << "lockstep-lincheck: " << why
            << "\nusage: lockstep-lincheck --model etcd|kv [--json] FILE\n";
  return 2;
}

template <class M>
int report(const M& m, const lockstep::lin::history<M>& h, bool json) {
  using namespace lockstep;
  lin::result r = lin::check(m, h);
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
    case lin::verdict::linearizable: return 0;
    case lin::verdict::not_linearizable: return 1;
    default: return 3;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, file;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") json = true;
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a.rfind("--", 0) == 0) return usage("unknown flag '" + a + "'");
    else if (file.empty()) file = a;
    else return usage("more than one file given");
  }
  if (file.empty()) return usage("no history file given");
  try {
    std::string text = lockstep::lin::read_file(file);
    if (model == "etcd" || model == "register")
      return report(lockstep::models::register_model{}, lockstep::lin::parse_etcd(text, file), json);
    if (model == "kv") return report(lockstep::models::kv{}, lockstep::lin::parse_kv(text, file), json);
    return usage("unknown or missing --model '" + model + "' (etcd, kv)");
  } catch (const lockstep::lin::parse_error& e) {
    std::cerr << "lockstep-lincheck: " << e.what() << "\n";
    return 2;
  }
}
