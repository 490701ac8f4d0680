// The rate-limiter property: over any window [t_i, t_j] of recorded grants, the number of
// grants is at most capacity + rate * (t_j - t_i). Shared by model and stress tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace grant_log {

// Returns an empty string if `grants_us` (grant timestamps in microseconds, any order)
// respects the bound, otherwise a description of the first violating window.
inline std::string check(std::vector<std::int64_t> grants_us, std::uint64_t capacity,
                         std::uint64_t rate_per_sec) {
  std::sort(grants_us.begin(), grants_us.end());
  for (std::size_t i = 0; i < grants_us.size(); ++i) {
    for (std::size_t j = i; j < grants_us.size(); ++j) {
      auto d = static_cast<std::uint64_t>(grants_us[j] - grants_us[i]);
      std::uint64_t allowed = capacity + d * rate_per_sec / 1'000'000;
      if (j - i + 1 > allowed) {
        return std::to_string(j - i + 1) + " grants in [" + std::to_string(grants_us[i]) + "us, " +
               std::to_string(grants_us[j]) + "us] but at most " + std::to_string(allowed) +
               " allowed";
      }
    }
  }
  return {};
}

}  // namespace grant_log
