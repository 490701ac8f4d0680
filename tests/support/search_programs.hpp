// Programs whose searches several tests and benchmarks run: the sharding and --jobs tests
// (tests/checker/shard_fixtures.cpp) and the parallel-exploration benchmark
// (bench/checker/parallel_bench.cpp) explore the same search.
#pragma once

#include <array>

#include <lockstep/check.hpp>

namespace lockstep_test {

// Four threads each storing, reading and incrementing on two locations: about 126,000 graphs
// under SC. Returns what each thread read (y * 10 + x).
inline std::array<int, 4> four_writers() {
  using P = lockstep::model_platform;
  P::atomic<int> x{0}, y{0};
  std::array<int, 4> r{};
  auto body = [&](int i) {
    x.store(i + 1);
    const int ry = y.load();  // in this order (operands of + are unsequenced)
    r[static_cast<std::size_t>(i)] = ry * 10 + x.load();
    y.fetch_add(1);
  };
  P::thread a(body, 0), b(body, 1), c(body, 2), d(body, 3);
  a.join();
  b.join();
  c.join();
  d.join();
  return r;
}

}  // namespace lockstep_test
