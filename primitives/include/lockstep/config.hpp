// lockstep/config.hpp — an immutable configuration object replaced by reference swap.
//
// Guarantees
//   * Readers always see a complete, consistent configuration: load() returns a shared
//     pointer to an immutable T, every field of which comes from the same store()/update().
//     A reader keeps its snapshot alive (and unchanged) for as long as it holds the pointer,
//     however many updates happen meanwhile.
//   * Versions are totally ordered: each publish increments version(); a thread that has
//     loaded version n never loads an older one afterwards (linearizable register).
//   * update(f) is atomic with respect to other writers: f sees the latest config, so
//     concurrent updates are never lost (they serialise on the writer lock).
//   * Progress, stated honestly: std::atomic<std::shared_ptr> is not available as a platform
//     atomic, so the current pointer is swapped under a mutex. load() holds that mutex only
//     for one shared_ptr copy (a reference-count increment), never while a writer builds the
//     next config (that happens outside the swap lock), so readers wait at most for one
//     pointer copy, never for a writer's work.
//
// Usage
//   struct Limits { int max_conns; int timeout_ms; };
//   lockstep::Config<Limits> cfg(Limits{100, 500});
//   auto snap = cfg.load();                  // consistent: both fields from one version
//   cfg.update([](Limits& l) { l.max_conns = 200; l.timeout_ms = 900; });
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class T, class P = std_platform>
class Config {
 public:
  explicit Config(T initial) : current_(std::make_shared<const T>(std::move(initial))) {}
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // The current configuration; immutable and kept alive by the returned pointer.
  std::shared_ptr<const T> load() const {
    std::lock_guard<typename P::mutex> g(swap_mu_);
    return current_.get();
  }

  // The number of publishes so far (0 for the initial configuration).
  std::uint64_t version() const {
    std::lock_guard<typename P::mutex> g(swap_mu_);
    return version_.get();
  }

  // Replaces the whole configuration.
  void store(T next) {
    auto fresh = std::make_shared<const T>(std::move(next));
    std::lock_guard<typename P::mutex> w(write_mu_);
    publish(std::move(fresh));
  }

  // Copies the current configuration, applies f(T&) to the copy and publishes it; returns the
  // new version. Writers serialise on write_mu_, so f always starts from the latest config.
  template <class F>
  std::uint64_t update(F&& f) {
    std::lock_guard<typename P::mutex> w(write_mu_);
    T next = *load();  // the copy and f run without the swap lock: readers are not delayed
    std::forward<F>(f)(next);
    return publish(std::make_shared<const T>(std::move(next)));
  }

 private:
  std::uint64_t publish(std::shared_ptr<const T> fresh) {
    std::shared_ptr<const T> old;
    std::uint64_t v;
    {
      std::lock_guard<typename P::mutex> g(swap_mu_);
      old = std::exchange(current_.ref(), std::move(fresh));
      v = version_.get() + 1;
      version_ = v;
    }
    // `old` is released here, outside the swap lock: if this was the last reference the
    // destructor of T must not delay readers.
    return v;
  }

  mutable typename P::mutex write_mu_;  // serialises writers (held around copy + modify)
  mutable typename P::mutex swap_mu_;   // protects current_ and version_ (held briefly)
  typename P::template var<std::shared_ptr<const T>> current_;
  typename P::template var<std::uint64_t> version_{0};
};

}  // namespace lockstep
