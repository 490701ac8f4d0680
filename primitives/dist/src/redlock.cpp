#include "lockstep/dist/redlock.hpp"

#include "lockstep/dist/epoch.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

namespace lockstep::dist {

redlock::redlock(std::vector<redis_endpoint> instances, std::string name, redlock_options opts)
    : name_(std::move(name)), opts_(opts), backoff_(opts.retry) {
  if (instances.size() < 3) throw std::invalid_argument("redlock needs at least 3 instances");
  for (auto& ep : instances) {
    conns_.emplace_back(std::move(ep), opts_.io_timeout);
    if (opts_.restart_guard) {
      conns_.back().set_min_uptime(opts_.timing.ttl + opts_.timing.drift(opts_.timing.ttl));
    }
  }
}

std::uint64_t redlock::restarts_seen() const {
  std::uint64_t n = 0;
  for (const auto& c : conns_) n += c.run_id_changes();
  return n;
}

std::optional<lease> redlock::try_acquire() {
  ++stats_.attempts;
  const auto start = std::chrono::steady_clock::now();
  lease l;
  l.name = name_;
  l.token = random_token();
  std::size_t granted = 0;
  std::uint64_t fence = 0;
  std::vector<std::size_t> need_epoch;  // granted, but the fence state is missing there
  const auto count = [&](const std::optional<detail::fence_reply>& r) {
    if (!r) return;
    if (auto f = detail::make_fence(r->epoch, r->counter)) {
      ++granted;
      fence = std::max(fence, *f);
    }
  };
  for (std::size_t i = 0; i < conns_.size(); ++i) {
    try {
      auto r = detail::acquire_script(conns_[i], name_, l.token, opts_.timing.ttl,
                                      detail::mode_of(opts_.epochs.get(), opts_.clock_epochs));
      if (r && r->epoch < 0) {
        need_epoch.push_back(i);
      } else {
        count(r);
      }
    } catch (const redis_restarted_recently&) {
      ++stats_.refused_recent_restart;
    } catch (const redis_error&) {
      ++stats_.errors;
    }
  }
  // One durable epoch for every instance that lost its fence state, taken after all of them
  // were seen without it (epoch.hpp: that is what makes it exceed their earlier lives), and
  // only if it can make a quorum.
  if (!need_epoch.empty() && granted + need_epoch.size() >= quorum()) {
    ++stats_.epochs_installed;
    try {
      const std::uint64_t epoch = opts_.epochs->next_epoch(name_);
      for (std::size_t i : need_epoch) {
        try {
          count(detail::install_epoch(conns_[i], name_, l.token, epoch));
        } catch (const redis_error&) {
          ++stats_.errors;
        }
      }
    } catch (const std::exception&) {
      ++stats_.errors;  // no durable epoch: these instances do not count
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
    const std::string fe = std::to_string(fence_epoch(fence));
    const std::string fc = std::to_string(fence_counter(fence));
    const std::string fencing = detail::fencing_key(name_);
    for (auto& c : conns_) {
      try {
        auto r =
            c.command({"EVAL", detail::kRaiseFenceScript, "2", name_, fencing, l.token, fe, fc});
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
