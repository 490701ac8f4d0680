// lincheck_gen: writes a generated history (lockstep/lincheck/generate.hpp) to stdout in
// Porcupine's formats, so lockstep-lincheck (and Porcupine) can be run on the same input.
//   lincheck_gen register|kv OPS CLIENTS [--keys=K] [--crash=P] [--bad] [--seed=S]
#include <lockstep/lincheck/generate.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  using namespace lockstep;
  if (argc < 4) {
    std::cerr << "usage: lincheck_gen register|kv OPS CLIENTS [--keys=K] [--crash=P] [--bad] "
                 "[--seed=S]\n";
    return 2;
  }
  const std::string kind = argv[1];
  lin::generate_options g;
  g.ops = std::strtoull(argv[2], nullptr, 10);
  g.clients = static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10));
  for (int i = 4; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--keys=", 0) == 0)
      g.keys = std::strtoull(a.c_str() + 7, nullptr, 10);
    else if (a.rfind("--crash=", 0) == 0)
      g.crash = std::strtod(a.c_str() + 8, nullptr);
    else if (a.rfind("--seed=", 0) == 0)
      g.seed = std::strtoull(a.c_str() + 7, nullptr, 10);
    else if (a == "--bad")
      g.bad = true;
    else {
      std::cerr << "lincheck_gen: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (kind == "register")
    std::cout << lin::format_etcd(lin::generate_register(g));
  else if (kind == "kv")
    std::cout << lin::format_kv(lin::generate_kv(g));
  else {
    std::cerr << "lincheck_gen: register or kv, not " << kind << "\n";
    return 2;
  }
  return 0;
}
