#include "sharding.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace lockstep::detail {
namespace {

bool parse_u32(const std::string& v, std::uint32_t& out) {
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
  return true;
}

struct shard {
  std::uint32_t index = 0, count = 0;
  std::string from;  // where it came from, for the messages
};

std::string check(const std::string& index, const std::string& count, const std::string& from,
                  shard& out) {
  out.from = from;
  if (!parse_u32(index, out.index) || !parse_u32(count, out.count) || out.count == 0)
    return from + ": the shard index and count must be integers with count >= 1 (got index '" +
           index + "', count '" + count + "')";
  if (out.index >= out.count)
    return from + ": shard index " + index + " is not below the shard count " + count +
           " (indices are 0-based)";
  return {};
}

// A pair of environment variables: both set, or neither.
std::string from_env(const char* index_var, const char* count_var, shard& out, bool& set) {
  const char* i = std::getenv(index_var);
  const char* n = std::getenv(count_var);
  set = i || n;
  if (!set) return {};
  const std::string from = std::string(index_var) + "/" + count_var;
  if (!i || !n)
    return from + ": " + (i ? count_var : index_var) + " is not set while " +
           (i ? index_var : count_var) + " is: set both or neither";
  return check(i, n, from, out);
}

}  // namespace

std::string resolve_shard(const std::string& flag, run_config& cfg) {
  std::vector<shard> found;
  if (!flag.empty()) {
    const auto slash = flag.find('/');
    if (slash == std::string::npos)
      return "--shard needs I/N (shard I of N, 0 <= I < N), not '" + flag + "'";
    shard s;
    if (std::string e = check(flag.substr(0, slash), flag.substr(slash + 1), "--shard", s);
        !e.empty())
      return e;
    found.push_back(s);
  }
  for (const auto& [iv, nv] :
       {std::pair<const char*, const char*>{"TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS"},
        {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"}}) {
    shard s;
    bool set = false;
    if (std::string e = from_env(iv, nv, s, set); !e.empty()) return e;
    if (set) found.push_back(s);
  }
  for (const shard& s : found)
    if (s.index != found[0].index || s.count != found[0].count)
      return "inconsistent shards: " + found[0].from + " says " + std::to_string(found[0].index) +
             "/" + std::to_string(found[0].count) + ", " + s.from + " says " +
             std::to_string(s.index) + "/" + std::to_string(s.count);
  if (!found.empty()) {
    cfg.shard_index = found[0].index;
    cfg.shard_count = found[0].count;
  }
  if (const char* sf = std::getenv("TEST_SHARD_STATUS_FILE"); sf && *sf) {
    FILE* f = std::fopen(sf, "a");
    if (!f)
      return std::string("TEST_SHARD_STATUS_FILE: cannot touch '") + sf +
             "': " + std::strerror(errno);
    std::fclose(f);
  }
  return {};
}

}  // namespace lockstep::detail
