// Internal: which shard of a sharded run this process is — the --shard=I/N flag and the test
// runners' sharding protocol (Bazel: TEST_TOTAL_SHARDS, TEST_SHARD_INDEX, TEST_SHARD_STATUS_FILE;
// GoogleTest: GTEST_TOTAL_SHARDS, GTEST_SHARD_INDEX).
//
// Guarantees: a flag or variable that is malformed (not an integer, index >= total, total 0,
// one variable of a pair without the other) or sources that disagree (the flag, the TEST_ and
// the GTEST_ pair must name the same shard when several are set) is an error message, for exit
// status 2; nothing is guessed. When TEST_SHARD_STATUS_FILE is set the file is touched (Bazel's
// "this test supports sharding"); a file that cannot be created is an error too.
#pragma once

#include <string>

#include "lockstep/test.hpp"

namespace lockstep::detail {

// flag: the value of --shard= ("I/N"), empty if not given. Sets cfg.shard_index/shard_count
// (count 0: not sharded). Returns why the shard cannot be determined, or an empty string.
std::string resolve_shard(const std::string& flag, run_config& cfg);

}  // namespace lockstep::detail
