// lockstep/once.hpp — run an initializer exactly once (OnceFlag, call_once) and a lazily
// initialised value (Lazy), by double-checked locking.
//
// Guarantees
//   * call_once(flag, f, args...) runs f at most once to completion per flag. Concurrent
//     callers block until it has completed; every caller returns only after a completed run,
//     whose effects are visible to it (the release store of the flag, read by an acquire
//     load, orders them).
//   * If f throws, the flag stays unset and the exception propagates to that caller; the
//     next caller (or a waiting one) runs f again — like std::call_once.
//   * After completion the fast path is one acquire load (a plain load on x86): no lock.
//   * Lazy<T>::get() builds the value on first use with the initializer given at
//     construction and returns a reference to it for the Lazy's lifetime; same retry rule.
//
// Why double-checked locking is correct here and how it breaks: the first check is an
// acquire load so that reading `true` also makes the payload written before the release
// store visible; with a relaxed first load a thread can see `true` yet read the payload
// unpublished (a data race; stale data on weakly ordered CPUs). The second check, under the
// mutex, can be relaxed: the mutex orders it after a previous initializer's store. The
// orders are template parameters only so the model tests can instantiate the broken
// variant from this same code (tests/multilock/once_model_test.cpp); keep the defaults.
//
// Usage
//   lockstep::OnceFlag<> flag;
//   lockstep::call_once(flag, [] { init_tables(); });
//
//   lockstep::Lazy<Config> config([] { return Config::load("app.conf"); });
//   use(config.get());          // loaded by the first caller, shared by all
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform, std::memory_order FastLoad = std::memory_order_acquire,
          std::memory_order Publish = std::memory_order_release>
class OnceFlag {
 public:
  OnceFlag() = default;
  OnceFlag(const OnceFlag&) = delete;
  OnceFlag& operator=(const OnceFlag&) = delete;

  // True once an initializer has completed (an acquire load: its effects are visible).
  bool is_done() const { return done_.load(FastLoad); }

  template <class F, class... A>
  void call_once(F&& f, A&&... args) {
    if (done_.load(FastLoad)) return;  // fast path: initialised and published
    std::lock_guard<typename P::mutex> g(m_);
    // Under the mutex: a previous initializer stored `true` before unlocking, so the mutex
    // already orders this load after it; relaxed suffices.
    if (done_.load(std::memory_order_relaxed)) return;
    // If f throws, done_ stays false and the guard releases the mutex: the next caller retries.
    std::invoke(std::forward<F>(f), std::forward<A>(args)...);
    done_.store(true, Publish);
  }

 private:
  typename P::template atomic<bool> done_{false};
  typename P::mutex m_;
};

template <class P, std::memory_order L, std::memory_order S, class F, class... A>
void call_once(OnceFlag<P, L, S>& flag, F&& f, A&&... args) {
  flag.call_once(std::forward<F>(f), std::forward<A>(args)...);
}

template <class T, class P = std_platform, std::memory_order FastLoad = std::memory_order_acquire,
          std::memory_order Publish = std::memory_order_release>
class Lazy {
 public:
  explicit Lazy(std::function<T()> init) : init_(std::move(init)) {}
  Lazy(const Lazy&) = delete;
  Lazy& operator=(const Lazy&) = delete;

  // The value, built by the first call that completes the initializer.
  const T& get() {
    once_.call_once([this] { value_.set(std::optional<T>(init_())); });
    // Read through var<T>: under the model checker this read is checked for a data race
    // against the initializer's write (caught when the fast path is not an acquire).
    return *value_.cref();
  }
  bool is_initialised() const { return once_.is_done(); }

 private:
  std::function<T()> init_;
  OnceFlag<P, FastLoad, Publish> once_;
  typename P::template var<std::optional<T>> value_;
};

}  // namespace lockstep
