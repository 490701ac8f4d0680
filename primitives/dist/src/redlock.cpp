#include "lockstep/dist/redlock.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

namespace lockstep::dist {

redlock::redlock(std::vector<redis_endpoint> instances, std::string name, redlock_options opts)
    : name_(std::move(name)), opts_(opts), backoff_(opts.retry) {
  if (instances.size() < 3) throw std::invalid_argument("redlock needs at least 3 instances");
  for (auto& ep : instances) conns_.emplace_back(std::move(ep), opts_.io_timeout);
}

std::optional<lease> redlock::try_acquire() {
  ++stats_.attempts;
  const auto start = std::chrono::steady_clock::now();
  lease l;
  l.name = name_;
  l.token = random_token();
  const std::string fence_key = name_ + ":fence";
  const std::string ttl = std::to_string(opts_.timing.ttl.count());
  std::size_t granted = 0;
  std::uint64_t fence = 0;
  for (auto& c : conns_) {
    try {
      auto r = c.command({"EVAL", detail::kAcquireScript, "2", name_, fence_key, l.token, ttl});
      if (r.type == redis_reply::kind::integer && r.integer > 0) {
        ++granted;
        fence = std::max(fence, static_cast<std::uint64_t>(r.integer));
      }
    } catch (const redis_error&) {
      ++stats_.errors;
    }
  }
  const auto validity = [&] {
    return opts_.timing.ttl -
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start) -
           opts_.timing.drift(opts_.timing.ttl);
  };
  bool ok = granted >= quorum() && validity().count() > 0;
  if (ok) {
    // Fence round (see the header): only a fence that a majority has recorded while this
    // grant owned the key may be used.
    std::size_t raised = 0;
    const std::string f = std::to_string(fence);
    for (auto& c : conns_) {
      try {
        auto r = c.command({"EVAL", detail::kRaiseFenceScript, "2", name_, fence_key, l.token, f});
        if (r.type == redis_reply::kind::integer && r.integer == 1) ++raised;
      } catch (const redis_error&) {
        ++stats_.errors;
      }
    }
    ok = raised >= quorum() && validity().count() > 0;
  }
  if (!ok) {
    release(l);
    return std::nullopt;
  }
  l.fence = fence;
  l.valid_until = start + opts_.timing.ttl - opts_.timing.drift(opts_.timing.ttl);
  ++stats_.acquired;
  return l;
}

std::optional<lease> redlock::acquire(std::chrono::milliseconds timeout) {
  return retry_for(timeout, backoff_, [this] { return try_acquire(); });
}

void redlock::release(const lease& l) {
  for (auto& c : conns_) {
    try {
      c.command({"EVAL", detail::kReleaseScript, "1", l.name, l.token});
    } catch (const redis_error&) {
      ++stats_.errors;
    }
  }
}

bool redlock::extend(lease& l) {
  const auto start = std::chrono::steady_clock::now();
  const std::string ttl = std::to_string(opts_.timing.ttl.count());
  std::size_t ok = 0;
  for (auto& c : conns_) {
    try {
      auto r = c.command({"EVAL", detail::kExtendScript, "1", l.name, l.token, ttl});
      if (r.type == redis_reply::kind::integer && r.integer == 1) ++ok;
    } catch (const redis_error&) {
      ++stats_.errors;
    }
  }
  const auto valid_until = start + opts_.timing.ttl - opts_.timing.drift(opts_.timing.ttl);
  if (ok < quorum() || std::chrono::steady_clock::now() >= valid_until) return false;
  l.valid_until = valid_until;
  return true;
}

}  // namespace lockstep::dist
