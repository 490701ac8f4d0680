// Internal: replay tokens.
//
// A token names the test and everything needed to re-run one execution exactly:
//   <test>@1.<strategy>.<seed>.<max_steps>.<spurious>.<choices>
// strategy is dfs | dpor | graph (checker/rt/src/graph/replay.hpp) | pb<k> (DFS with preemption
// bound k) | rnd | pct; choices is the sequence of
// scheduler choices, each a base-62 digit (0-9a-zA-Z) or {N} when N >= 62, with runs of 4 or more
// written as <d>*<count>. (the '.' ends the count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lockstep::rt {

struct token {
  std::string test;
  std::string strategy;
  std::uint64_t seed = 0;
  std::uint64_t max_steps = 0;
  int spurious = 0;
  std::vector<std::uint16_t> choices;
};

std::string prefix_of(const token& t);  // everything up to and including the last '.'
std::string encode(const token& t);
// Parses a token; returns an empty string on success, else what is wrong with it.
std::string decode(const std::string& text, token& out);
// Async-signal-safe encoding of a choice sequence into buf (NUL-terminated, truncated).
void encode_choices(const std::uint16_t* c, std::size_t n, char* buf, std::size_t cap) noexcept;

}  // namespace lockstep::rt
