// lockstep/models/redlock_protocol.hpp — a protocol model of Redlock with fencing tokens,
// for the model checker (primitives/dist/redlock.hpp is the real implementation).
//
// What is modelled
//   * N redis instances (N <= 5), each a key (owner, expiry) and a
//     fence counter; each instance applies one request atomically (a Lua script is atomic).
//   * Real time: a global tick counter. It advances only when the environment says so:
//     message delays (one request per attempt reaches its instance a tick late), process
//     pauses (a holder stops for ttl + 1 ticks inside its critical section, after it checked
//     its validity: a GC pause, SIGSTOP),
//     and backoff between attempts. Each instance's clock may run fast by up to max_drift
//     ticks over a ttl (its keys expire that much early; explored: 0 or max_drift). Every one of
//     these is a `choose` — a nondeterministic choice that the checker enumerates, like the
//     interleaving of clients and instances.
//     Elapsed time is global, so a client that is merely descheduled while others' delays and
//     backoffs advance the clock is paused too.
//   * Clients run Redlock: SET NX on every instance (with its fence increment), quorum and
//     validity = ttl − elapsed − drift_allowance, the owner-checked fence round, then (if the
//     lease is still valid) one increment of the protected resource (read, then write: the
//     critical section), then release on all.
//   * The resource: with `fencing`, it rejects an access whose fence is lower than the
//     highest it has seen; without, it accepts every access.
//   * Restarts with data loss (`restarts` = k): an environment thread restarts instances
//     0..k-1 once each, at any point of the execution (the schedule decides), wiping the key,
//     the fence counter and the epoch — a redis-server without persistence. With
//     `restart_guard`, a restarted instance refuses SET NX until it has been up for ttl ticks
//     (the client's check of the server's uptime, redis.hpp).
//   * Fences are epoch * 100 + counter. With `epochs` (the fix, epoch.hpp), an instance
//     without an epoch (at the start, and after a restart) grants without a fence; the client
//     takes one new epoch from a durable counter (an atomic that survives every restart)
//     after its SET round and installs it, owner-checked, on those instances. With
//     `clock_epochs` instead (the locks' default without an epoch source), the SET NX step
//     itself starts an epoch at the current tick + 1 when the instance has none. Otherwise
//     the epoch is always 0.
//
// The properties (asserted in every explored execution)
//   1. The resource's value equals the number of increments it accepted (checked after all
//      clients finished): no update is lost, i.e. no two holders ever interleaved inside the
//      critical section — the "double grant" made visible. Without fencing, a pause longer
//      than the ttl, clock drift beyond the allowance, or a restart that forgets a live key
//      violates it; with fencing it holds.
//   2. Fences never go backwards (checked when a grant stands): a grant whose attempt started
//      after another grant had been made carries a larger fence. Otherwise the fenced
//      resource rejects the new owner and keeps accepting the stale one. A restart that
//      wipes the counters of a majority (or of the only instance) violates it without
//      epochs; with epochs it holds.
//
// Usage (a model test)
//   using P = lockstep::model_platform;
//   LOCKSTEP_TEST(redlock_fenced_is_safe) {
//     lockstep::models::redlock_protocol<P> m({.fencing = true}, [](int n, const char* w) {
//       return lockstep::rt::choose(n, w); });
//     m.run();
//   }
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "lockstep/test.hpp"

namespace lockstep::models {

struct redlock_model_config {
  int instances = 3;
  int clients = 2;
  int ttl = 3;                 // ticks
  int drift_allowance = 1;     // ticks taken off the validity
  int max_drift = 0;           // an instance clock may run fast: 0 or max_drift ticks per ttl
  int attempts = 2;            // acquisition attempts per client (one backoff tick between)
  bool delays = true;          // one request per attempt may reach its instance a tick late
  bool pauses = true;          // a holder may pause ttl + 1 ticks inside its critical section
  bool fencing = true;         // the resource rejects accesses with stale fences
  int restarts = 0;            // instances 0..restarts-1 restart once, losing their data
  bool epochs = false;         // durable epochs in the fences (the fix for restarts)
  bool clock_epochs = false;   // without `epochs`: epoch = tick + 1 when missing
  bool restart_guard = false;  // a restarted instance refuses grants for ttl ticks
};

template <class P>
class redlock_protocol {
 public:
  // choose(n, what) returns a value in [0, n): the environment's choice.
  using chooser = std::function<int(int, const char*)>;

  redlock_protocol(redlock_model_config cfg, chooser choose)
      : cfg_(cfg), choose_(std::move(choose)) {}

  // Runs cfg.clients clients to completion; the resource asserts the property.
  void run() {
    for (int i = 0; i < cfg_.instances; ++i) {
      // Drift 0 or max_drift: the extremes are what matter, and they keep the space small.
      skew_[static_cast<std::size_t>(i)] =
          cfg_.max_drift > 0 && choose_(2, "instance clock fast") == 1 ? cfg_.max_drift : 0;
    }
    std::vector<typename P::thread> ts;
    for (int c = 0; c < cfg_.clients; ++c) ts.emplace_back([this, c] { client(c); });
    if (cfg_.restarts > 0) {
      ts.emplace_back([this] {
        for (int i = 0; i < cfg_.restarts && i < cfg_.instances; ++i) restart(i);
      });
    }
    for (auto& t : ts) t.join();
    LOCKSTEP_ASSERT(value_.get() == accepted_)
        << "double grant: " << accepted_ << " holders incremented the resource, but it holds "
        << value_.get() << " — two clients held the lock at once and an update was lost"
        << (cfg_.fencing ? "" : " (no fencing)");
  }

  int accepted_increments() const { return accepted_; }

 private:
  struct instance {
    typename P::mutex mu;
    typename P::template var<int> owner{0};   // token, 0: free
    typename P::template var<int> expiry{0};  // in real time (ticks)
    typename P::template var<int> counter{0};
    typename P::template var<int> epoch{0};  // 0: none (with epochs: must be installed)
    int restarted_at = -1;                   // tick of the restart (under mu)
  };
  static constexpr int kEpochScale = 100;  // fence = epoch * 100 + counter (counter < 100)

  int now() { return now_.load(); }
  void tick(int n) { now_.fetch_add(n); }
  // A fast instance clock makes its keys expire early in real time: a key set for ttl ticks
  // of instance time lives ttl − drift ticks of real time.
  int key_lifetime(int i) const { return cfg_.ttl - skew_[static_cast<std::size_t>(i)]; }
  int quorum() const { return cfg_.instances / 2 + 1; }

  int fence_of(const instance& in) const { return in.epoch.get() * kEpochScale + in.counter.get(); }

  // SET key token NX PX ttl + INCR fence, atomically. Returns the fence, 0 (not granted) or
  // -1 (granted, but the instance has no epoch: install one).
  int set_nx(int i, int token) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    const int t = now();
    if (in.owner.get() != 0 && in.expiry.get() > t) return 0;
    if (cfg_.restart_guard && in.restarted_at >= 0 && t - in.restarted_at < cfg_.ttl) return 0;
    in.owner = token;
    in.expiry = t + key_lifetime(i);
    if (cfg_.epochs && in.epoch.get() == 0) return -1;
    if (cfg_.clock_epochs && !cfg_.epochs && in.epoch.get() == 0) {
      in.epoch = t + 1;
      in.counter = 0;
    }
    in.counter += 1;
    return fence_of(in);
  }
  // Owner-checked: install `epoch` (if larger than the instance's) and take a fence.
  int install(int i, int token, int epoch) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    if (in.owner.get() != token || in.expiry.get() <= now()) return 0;
    if (in.epoch.get() < epoch) {
      in.epoch = epoch;
      in.counter = 0;
    }
    in.counter += 1;
    return fence_of(in);
  }
  // Owner-checked: raise the instance's (epoch, counter) to `fence`.
  bool raise(int i, int token, int fence) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    if (in.owner.get() != token || in.expiry.get() <= now()) return false;
    if (fence_of(in) < fence) {
      in.epoch = fence / kEpochScale;
      in.counter = fence % kEpochScale;
    }
    return true;
  }
  // A restart without persistence: every key of the instance is gone.
  void restart(int i) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    in.owner = 0;
    in.expiry = 0;
    in.counter = 0;
    in.epoch = 0;
    in.restarted_at = now();
  }
  void release(int i, int token) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    if (in.owner.get() == token) in.owner = 0;
  }
  // One request per attempt may arrive a tick late (which one is the choice; none is one of
  // the options). With validity = ttl − elapsed − allowance, one tick already reaches the
  // boundary where a grant is still made with almost no validity left; more delays only make
  // the attempt fail.
  void maybe_delay(int i, int delayed) {
    if (i == delayed) tick(1);
  }

  // The protected resource: a counter that each holder increments (read, then write). With
  // fencing, every access carries the fence and one lower than the highest seen is rejected
  // (reads too, as Kleppmann's storage does: otherwise two overlapping holders could both
  // read the same value and the lower fence write first).
  bool access(int fence) {
    if (!cfg_.fencing) return true;
    if (fence < highest_fence_.get()) return false;
    highest_fence_ = fence;
    return true;
  }
  void increment_resource(int fence) {
    int seen = 0;
    {
      std::lock_guard g(res_mu_);
      if (!access(fence)) return;
      seen = value_.get();
    }
    // The holder checked its validity before the critical section; a pause here outlives
    // the lease unnoticed.
    if (cfg_.pauses && choose_(2, "process paused") == 1) tick(cfg_.ttl + 1);
    std::lock_guard g(res_mu_);
    if (!access(fence)) return;
    value_ = seen + 1;
    ++accepted_;
  }

  void client(int c) {
    for (int attempt = 0; attempt < cfg_.attempts; ++attempt) {
      const int token = c * 16 + attempt + 1;
      const int start = now();
      // Property 2: every grant made before this attempt started has a smaller fence.
      const int floor = highest_granted_fence_;
      int granted = 0, fence = 0;
      std::array<bool, 5> need_epoch{};
      int needing = 0;
      const int delayed = cfg_.delays ? choose_(cfg_.instances + 1, "delayed request") : -1;
      for (int i = 0; i < cfg_.instances; ++i) {
        maybe_delay(i, delayed);
        const int f = set_nx(i, token);
        if (f < 0) {
          need_epoch[static_cast<std::size_t>(i)] = true;
          ++needing;
        } else if (f > 0) {
          ++granted;
          if (f > fence) fence = f;
        }
      }
      // One durable epoch, taken after the whole SET round (epoch.hpp), if it can help.
      if (needing > 0 && granted + needing >= quorum()) {
        const int epoch = durable_epoch_.fetch_add(1) + 1;
        for (int i = 0; i < cfg_.instances; ++i) {
          if (!need_epoch[static_cast<std::size_t>(i)]) continue;
          if (int f = install(i, token, epoch)) {
            ++granted;
            if (f > fence) fence = f;
          }
        }
      }
      bool ok = granted >= quorum() && cfg_.ttl - (now() - start) - cfg_.drift_allowance > 0;
      if (ok) {
        int raised = 0;
        for (int i = 0; i < cfg_.instances; ++i) raised += raise(i, token, fence) ? 1 : 0;
        ok = raised >= quorum();
      }
      const int valid_until = start + cfg_.ttl - cfg_.drift_allowance;
      if (ok && now() < valid_until) {
        LOCKSTEP_ASSERT(fence > floor)
            << "fence went backwards: a grant made after one with fence " << floor << " got fence "
            << fence << " (epoch " << fence / kEpochScale << ", counter " << fence % kEpochScale
            << ")"
            << (cfg_.restarts > 0 && !cfg_.epochs ? " — restarted instances lost their counters"
                                                  : "");
        if (fence > highest_granted_fence_) highest_granted_fence_ = fence;
        increment_resource(fence);
        for (int i = 0; i < cfg_.instances; ++i) release(i, token);
        return;
      }
      for (int i = 0; i < cfg_.instances; ++i) release(i, token);
      tick(1);  // backoff
    }
  }

  redlock_model_config cfg_;
  chooser choose_;
  std::array<instance, 5> inst_;
  std::array<int, 5> skew_{};
  typename P::template atomic<int> now_{0};
  typename P::template atomic<int> durable_epoch_{0};  // survives every restart
  int highest_granted_fence_ = 0;  // plain: read and written between scheduling points
  typename P::mutex res_mu_;
  typename P::template var<int> value_{0};
  typename P::template var<int> highest_fence_{0};
  int accepted_ = 0;  // written under res_mu_, read after the clients joined
};

}  // namespace lockstep::models
