#include "lockstep/dist/backoff.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace lockstep::dist {
namespace {

// Seeded once per thread from random_device: tokens must differ across threads and processes
// (a token equal to another client's would let it release a lock it does not own).
std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return rng;
}

}  // namespace

backoff::backoff(backoff_options opts) : opts_(opts), rng_(thread_rng()()) {}

std::chrono::microseconds backoff::next() {
  const int shift = std::min(attempt_, 20);
  ++attempt_;
  const auto ceiling = std::min<std::int64_t>(opts_.cap.count(), opts_.base.count() << shift);
  std::uniform_int_distribution<std::int64_t> d(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::microseconds{d(rng_)};
}

std::string random_token() {
  auto& rng = thread_rng();
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return std::string(buf, 32);
}

}  // namespace lockstep::dist
