// Writes the malformed (and one large) history files the lincheck_cli.bad_* tests feed to
// lockstep-lincheck into the directory given as argv[1] (a CTest fixture, so the repository holds
// no such files and the Porcupine data is never copied). Deterministic: the random bytes come from
// a fixed seed.
#include <lockstep/lincheck/generate.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

namespace {

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_bad_inputs DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::mt19937_64 rng(15);
  std::string random(64 * 1024, '\0');
  for (auto& c : random) c = static_cast<char>(rng() & 0xff);
  const std::string huge(10'000'000, '7');
  const bool ok =
      write(dir + "/empty.log", "") && write(dir + "/random.bin", random) &&
      write(dir + "/prose.txt", "This is a README, not a history.\nNothing to see here.\n") &&
      write(dir + "/big_pid.log", "INFO  jepsen.util - 4294967297\t:invoke\t:read\tnil\n") &&
      write(dir + "/big_pid.edn",
            "{:process 2147483648, :type :invoke, :f :get, :key \"k\", :value nil}\n") &&
      write(dir + "/big_value.log",
            "INFO  jepsen.util - 0\t:invoke\t:write\t9223372036854775808\n") &&
      write(dir + "/huge_token.log", "INFO  jepsen.util - 0\t:invoke\t:write\t" + huge + "\n") &&
      write(dir + "/huge_op.edn",
            "{:process 0, :type :invoke, :f :" + huge + ", :key \"k\", :value nil}\n");
  // A 2000-operation register history with 20 clients, crashed writes and one impossible
  // read, whose search needs gigabytes: for the out-of-memory test (run under ulimit -v).
  lockstep::lin::generate_options g;
  g.ops = 2000;
  g.clients = 20;
  g.crash = 0.05;
  g.bad = true;
  g.seed = 15;
  const bool big =
      write(dir + "/heavy.log", lockstep::lin::format_etcd(lockstep::lin::generate_register(g)));
  if (!ok || !big) {
    std::cerr << "make_bad_inputs: cannot write to " << dir << "\n";
    return 1;
  }
  return 0;
}
