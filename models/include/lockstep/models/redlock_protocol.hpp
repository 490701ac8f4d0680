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
//
// The property (asserted after all clients finished, in every explored execution)
//   The resource's value equals the number of increments it accepted: no update is lost, i.e.
//   no two holders ever interleaved inside the critical section — the "double grant" made
//   visible. Without fencing, a pause longer than the ttl (or clock drift beyond the
//   allowance) violates it; with fencing it holds.
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
  int ttl = 3;              // ticks
  int drift_allowance = 1;  // ticks taken off the validity
  int max_drift = 0;        // an instance clock may run fast: 0 or max_drift ticks per ttl
  int attempts = 2;         // acquisition attempts per client (one backoff tick between)
  bool delays = true;       // one request per attempt may reach its instance a tick late
  bool pauses = true;       // a holder may pause ttl + 1 ticks inside its critical section
  bool fencing = true;      // the resource rejects accesses with stale fences
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
  };

  int now() { return now_.load(); }
  void tick(int n) { now_.fetch_add(n); }
  // A fast instance clock makes its keys expire early in real time: a key set for ttl ticks
  // of instance time lives ttl − drift ticks of real time.
  int key_lifetime(int i) const { return cfg_.ttl - skew_[static_cast<std::size_t>(i)]; }
  int quorum() const { return cfg_.instances / 2 + 1; }

  // SET key token NX PX ttl + INCR fence, atomically. Returns the fence or 0.
  int set_nx(int i, int token) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    const int t = now();
    if (in.owner.get() != 0 && in.expiry.get() > t) return 0;
    in.owner = token;
    in.expiry = t + key_lifetime(i);
    in.counter += 1;
    return in.counter.get();
  }
  // Owner-checked: raise the fence counter to `fence`.
  bool raise(int i, int token, int fence) {
    auto& in = inst_[static_cast<std::size_t>(i)];
    std::lock_guard g(in.mu);
    if (in.owner.get() != token || in.expiry.get() <= now()) return false;
    if (in.counter.get() < fence) in.counter = fence;
    return true;
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
      int granted = 0, fence = 0;
      const int delayed = cfg_.delays ? choose_(cfg_.instances + 1, "delayed request") : -1;
      for (int i = 0; i < cfg_.instances; ++i) {
        maybe_delay(i, delayed);
        if (int f = set_nx(i, token)) {
          ++granted;
          if (f > fence) fence = f;
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
  typename P::mutex res_mu_;
  typename P::template var<int> value_{0};
  typename P::template var<int> highest_fence_{0};
  int accepted_ = 0;  // written under res_mu_, read after the clients joined
};

}  // namespace lockstep::models
