// Links lockstep::dist from the installed package (its client libraries come through
// find_dependency): a two-account SQLite bank, one transfer, audited.
#include <lockstep/dist/sqlite_bank.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string path = argv[1];
  std::remove(path.c_str());
  lockstep::dist::sqlite_bank::create(path, 2, 100);
  lockstep::dist::sqlite_bank bank(path);
  bank.transfer({"t1", 1, 2, 30});
  const auto audit = bank.audit();
  std::printf("total %lld\n", static_cast<long long>(audit.total));
  return audit.total == 200 && bank.balance(2) == 130 ? 0 : 1;
}
