// Replay tokens: every choice sequence survives encode -> decode (runs, large values, runs
// followed by digits), and malformed tokens are rejected with a reason.
#include <lockstep/test.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "token.hpp"

using lockstep::rt::token;

namespace {
token make(std::vector<std::uint16_t> c) {
  token t;
  t.test = "some_test";
  t.strategy = "dpor";
  t.seed = 18446744073709551615ull;
  t.max_steps = 2000;
  t.spurious = 1;
  t.choices = std::move(c);
  return t;
}
void round_trip(const std::vector<std::uint16_t>& c) {
  token in = make(c), out;
  std::string text = lockstep::rt::encode(in);
  std::string err = lockstep::rt::decode(text, out);
  LOCKSTEP_ASSERT(err.empty()) << text << ": " << err;
  LOCKSTEP_ASSERT(out.choices == in.choices) << "round trip changed the choices of " << text;
  LOCKSTEP_ASSERT(out.test == in.test && out.strategy == in.strategy && out.seed == in.seed &&
                  out.max_steps == in.max_steps && out.spurious == in.spurious)
      << text;
}
}  // namespace

LOCKSTEP_UNIT_TEST(token_runs_followed_by_digits_round_trip) {
  // The sequence that once printed as the ambiguous "0*25101*230*9".
  std::vector<std::uint16_t> c(25, 0);
  c.push_back(1);
  c.push_back(0);
  c.insert(c.end(), 23, 1);
  c.insert(c.end(), 9, 0);
  round_trip(c);
  round_trip({});
  round_trip({61, 62, 63, 1000, 65535, 0, 0, 0, 0, 0, 7});
}

LOCKSTEP_UNIT_TEST(token_random_sequences_round_trip) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint16_t> c;
    int len = static_cast<int>(rng() % 200);
    while (static_cast<int>(c.size()) < len) {
      auto v = static_cast<std::uint16_t>(rng() % 4 == 0 ? rng() % 70 : rng() % 3);
      c.insert(c.end(), 1 + rng() % 8, v);  // runs of every length
    }
    round_trip(c);
  }
}

LOCKSTEP_UNIT_TEST(token_malformed_is_rejected) {
  token out;
  for (const char* bad :
       {"", "noat", "@1.dfs.0.10.1.0", "t@2.dfs.0.10.1.0", "t@1.xyz.0.10.1.0", "t@1.dfs.x.10.1.0",
        "t@1.dfs.0.0.1.0", "t@1.dfs.0.10.1.0*5", "t@1.dfs.0.10.1.*5.", "t@1.dfs.0.10.1.{99",
        "t@1.dfs.0.10.1.$", "t@1.dfs.0.10", "t@1.dfs.0.10.1.{70000}"}) {
    LOCKSTEP_ASSERT(!lockstep::rt::decode(bad, out).empty()) << "accepted: '" << bad << "'";
  }
}
