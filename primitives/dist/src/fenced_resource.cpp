#include "lockstep/dist/fenced_resource.hpp"

#include <utility>

namespace lockstep::dist {

bool fenced_resource::write(std::uint64_t fence, std::string value) {
  std::lock_guard g(mu_);
  if (fence < highest_) {
    ++rejected_;
    return false;
  }
  highest_ = fence;
  history_.push_back({fence, std::move(value)});
  return true;
}

std::string fenced_resource::value() const {
  std::lock_guard g(mu_);
  return history_.empty() ? std::string() : history_.back().value;
}

std::uint64_t fenced_resource::highest_fence() const {
  std::lock_guard g(mu_);
  return highest_;
}

std::vector<resource_write> fenced_resource::history() const {
  std::lock_guard g(mu_);
  return history_;
}

std::uint64_t fenced_resource::rejected() const {
  std::lock_guard g(mu_);
  return rejected_;
}

bool unfenced_resource::write(std::uint64_t fence, std::string value) {
  std::lock_guard g(mu_);
  history_.push_back({fence, std::move(value)});
  return true;
}

std::string unfenced_resource::value() const {
  std::lock_guard g(mu_);
  return history_.empty() ? std::string() : history_.back().value;
}

std::vector<resource_write> unfenced_resource::history() const {
  std::lock_guard g(mu_);
  return history_;
}

}  // namespace lockstep::dist
