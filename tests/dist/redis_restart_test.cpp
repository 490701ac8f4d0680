// Fencing across Redis restarts that lose the data (ci/servers/redis.sh runs the lock servers
// with `--save '' --appendonly no`), against real redis-server processes started by the
// CTest fixtures dist_redis and dist_redis_durable (the durable instance is the epoch source).
//
// A lock server restarted while a lease is held forgets the key and the fence counter. With
// the restart guard off, a second client is granted at once — two holders — and only the
// fence can keep the resource consistent: with durable epochs the new owner's fence is the
// larger one (the resource accepts it and rejects the stale holder); without epochs it
// restarts from 1 and the resource would reject the new owner and accept the stale one (the
// inversion, shown by the *_without_epochs_* tests, which turn clock epochs off too). With
// the restart guard on (the default) the restarted server grants nothing until every lease
// from before the restart has expired, and the next fence is in a newer epoch — durable, or
// with default options the server's clock (*_default_options). Last, four clients loop on a lock
// through immediate restarts (guard and epochs on): no two holders overlap and fences grow in entry
// order (without epochs the single-server variant fails at the first grant after the restart: fence
// 1).
#include <lockstep/dist/epoch.hpp>
#include <lockstep/dist/fenced_resource.hpp>
#include <lockstep/dist/redis.hpp>
#include <lockstep/dist/redlock.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "dist_test_support.hpp"

using namespace std::chrono_literals;
namespace ld = lockstep::dist;
using steady = std::chrono::steady_clock;

namespace {

std::vector<ld::redis_endpoint> endpoints() {
  std::vector<ld::redis_endpoint> eps;
  for (int p : dist_test::redis_ports()) eps.push_back({"127.0.0.1", p});
  return eps;
}

std::string unique(const std::string& base) { return base + ":" + ld::random_token(); }

std::shared_ptr<ld::epoch_source> durable_epochs() {
  return std::make_shared<ld::redis_epoch_source>(
      ld::redis_endpoint{"127.0.0.1", dist_test::redis_durable_port()});
}

std::string fence_str(std::uint64_t f) {
  return std::to_string(f) + " (epoch " + std::to_string(ld::fence_epoch(f)) + ", counter " +
         std::to_string(ld::fence_counter(f)) + ")";
}

// Lock options: a long ttl (the stale holder's lease is still valid when the second client
// is granted), durable epochs as given (nullptr: none — epoch 0, not the server's clock),
// restart guard as given.
ld::redis_lock_options lock_opts(std::shared_ptr<ld::epoch_source> epochs, bool guard,
                                 std::chrono::milliseconds ttl = 5000ms) {
  return {.timing = {.ttl = ttl},
          .epochs = std::move(epochs),
          .clock_epochs = false,
          .restart_guard = guard};
}
ld::redlock_options redlock_opts(std::shared_ptr<ld::epoch_source> epochs, bool guard,
                                 std::chrono::milliseconds ttl = 5000ms) {
  return {.timing = {.ttl = ttl},
          .epochs = std::move(epochs),
          .clock_epochs = false,
          .restart_guard = guard};
}

// Takes and releases the lock `n` times, so that the next fence's counter is above n.
template <class Lock>
void churn(Lock& l, int n) {
  for (int i = 0; i < n; ++i) {
    auto x = l.acquire(10s);
    LOCKSTEP_ASSERT(x.has_value()) << "warm-up acquisition " << i << " failed";
    l.release(*x);
  }
}

}  // namespace

// The epoch sources hand out strictly increasing values, also across a restart (SIGTERM) and
// a crash (SIGKILL) of the durable Redis and across reopening the SQLite file; a Redis
// without fsync is refused as a source.
LOCKSTEP_UNIT_TEST(epoch_sources_increase_across_restarts) {
  const std::string name = unique("epochs");
  std::uint64_t last = 0;
  const auto next_from_new_source = [&] {
    auto src = durable_epochs();
    const std::uint64_t e = src->next_epoch(name);
    LOCKSTEP_ASSERT(e > last) << "epoch " << e << " after " << last;
    last = e;
  };
  next_from_new_source();
  next_from_new_source();
  dist_test::redis_script("restart", 0, dist_test::redis_durable_state());
  next_from_new_source();
  dist_test::redis_script("kill", 0, dist_test::redis_durable_state());
  dist_test::redis_script("restart", 0, dist_test::redis_durable_state());
  next_from_new_source();
  LOCKSTEP_ASSERT(last == 4) << "epochs of a fresh name start at 1: " << last;

  ld::redis_epoch_source volatile_src(endpoints()[0]);
  bool refused = false;
  try {
    volatile_src.next_epoch(name);
  } catch (const ld::redis_error&) {
    refused = true;
  }
  LOCKSTEP_ASSERT(refused) << "a Redis without appendfsync always was accepted as epoch source";

#ifdef LOCKSTEP_DIST_TMP_DIR
  std::filesystem::path dir = LOCKSTEP_DIST_TMP_DIR;
#else
  std::filesystem::path dir = std::filesystem::temp_directory_path();
#endif
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "epochs.db").string();
  std::filesystem::remove(db);
  std::uint64_t prev = 0;
  for (int round = 0; round < 3; ++round) {
    ld::sqlite_epoch_source a(db), b(db);  // two "processes" sharing the file
    for (auto* s : {&a, &b, &a}) {
      const std::uint64_t e = s->next_epoch("n");
      LOCKSTEP_ASSERT(e > prev) << "sqlite epoch " << e << " after " << prev;
      prev = e;
    }
  }
  LOCKSTEP_ASSERT(prev == 9) << prev;
}

// The lock's server restarts without persistence while A holds a valid lease; with the
// restart guard off, B is granted at once. Durable epochs: B's fence is larger, the
// resource accepts B and rejects A's late write; A can no longer extend or release.
LOCKSTEP_UNIT_TEST(redis_lock_restart_without_persistence_keeps_fences_monotonic) {
  const auto eps = endpoints();
  const auto name = unique("restart-fenced");
  auto epochs = durable_epochs();
  ld::redis_lock a(eps[0], name, lock_opts(epochs, false));
  ld::redis_lock b(eps[0], name, lock_opts(epochs, false));
  churn(a, 5);
  auto la = a.acquire(10s);
  LOCKSTEP_ASSERT(la.has_value());
  LOCKSTEP_ASSERT(ld::fence_counter(la->fence) == 6) << fence_str(la->fence);
  ld::fenced_resource res;
  LOCKSTEP_ASSERT(res.write(la->fence, "A1"));

  dist_test::redis_script("restart", 0);
  auto lb = b.acquire(5s);
  LOCKSTEP_ASSERT(lb.has_value()) << "no grant after the restart";
  LOCKSTEP_ASSERT(la->valid()) << "A's lease expired meanwhile: the test did not overlap";
  LOCKSTEP_ASSERT(lb->fence > la->fence)
      << "fence went backwards across the restart: " << fence_str(la->fence) << " then "
      << fence_str(lb->fence);
  LOCKSTEP_ASSERT(ld::fence_epoch(lb->fence) > ld::fence_epoch(la->fence));
  LOCKSTEP_ASSERT(b.stats().epochs_installed == 1) << b.stats().epochs_installed;
  LOCKSTEP_ASSERT(res.write(lb->fence, "B")) << "the new owner was rejected";
  LOCKSTEP_ASSERT(!res.write(la->fence, "A2")) << "the stale holder's write was accepted";
  LOCKSTEP_ASSERT(res.value() == "B");
  LOCKSTEP_ASSERT(!a.extend(*la, 5000ms)) << "a lease lost in the restart was extended";
  LOCKSTEP_ASSERT(!a.release(*la)) << "a lease lost in the restart released B's lock";
  LOCKSTEP_ASSERT(b.release(*lb));
  // Later grants stay in the new epoch and keep growing.
  auto lc = a.acquire(5s);
  LOCKSTEP_ASSERT(lc.has_value() && lc->fence > lb->fence);
  a.release(*lc);
}

// The same restart without an epoch source: the counter starts again from 1, below the stale
// holder's fence, and the fenced resource rejects the new owner — the inversion this issue
// fixed (kept as the documented behaviour of `epochs = nullptr`).
LOCKSTEP_UNIT_TEST(redis_lock_restart_without_epochs_inverts_fences) {
  const auto eps = endpoints();
  const auto name = unique("restart-no-epochs");
  ld::redis_lock a(eps[0], name, lock_opts(nullptr, false));
  ld::redis_lock b(eps[0], name, lock_opts(nullptr, false));
  churn(a, 5);
  auto la = a.acquire(10s);
  LOCKSTEP_ASSERT(la.has_value());
  dist_test::redis_script("restart", 0);
  auto lb = b.acquire(5s);
  LOCKSTEP_ASSERT(lb.has_value());
  LOCKSTEP_ASSERT(lb->fence < la->fence)
      << "expected the inversion without epochs: " << la->fence << " then " << lb->fence;
  ld::fenced_resource res;
  LOCKSTEP_ASSERT(res.write(la->fence, "A1"));
  LOCKSTEP_ASSERT(!res.write(lb->fence, "B")) << "without epochs the new owner is rejected";
  b.release(*lb);
}

namespace {

// Redlock: A holds a valid lease; `restarted` instances (1 and, for 2, also 2) restart
// without persistence; B (restart guard off) tries at once and then waits for A's lease to
// run out. Returns B's lease; checks every fenced-resource outcome.
void redlock_restart_scenario(int restarted, bool with_epochs) {
  const auto eps = endpoints();
  LOCKSTEP_ASSERT(eps.size() == 3) << "expects exactly 3 instances";
  const auto name = unique("redlock-restart-" + std::to_string(restarted));
  auto epochs = with_epochs ? durable_epochs() : nullptr;
  constexpr auto kTtl = 4000ms;  // A's lease outlives the restarts even on a loaded machine
  ld::redlock a(eps, name, redlock_opts(epochs, false, kTtl));
  ld::redlock b(eps, name, redlock_opts(epochs, false, kTtl));
  churn(a, 5);
  auto la = a.acquire(10s);
  LOCKSTEP_ASSERT(la.has_value());
  ld::fenced_resource res;
  LOCKSTEP_ASSERT(res.write(la->fence, "A1"));
  for (int i = 1; i <= restarted; ++i) dist_test::redis_script("restart", i);
  auto lb = b.try_acquire();
  if (restarted == 1) {
    // A still holds instances 0 and 2: no quorum for B while A's keys live.
    LOCKSTEP_ASSERT(!lb.has_value()) << "granted with 1 of 3 instances restarted";
    lb = b.acquire(10s);  // after A's keys expire
    LOCKSTEP_ASSERT(lb.has_value()) << "no grant after A's lease expired";
  } else {
    // A majority lost A's keys: B is granted while A's lease is valid (double grant).
    LOCKSTEP_ASSERT(lb.has_value()) << "no grant with 2 of 3 instances restarted";
    LOCKSTEP_ASSERT(la->valid()) << "A's lease expired meanwhile: the test did not overlap";
    LOCKSTEP_ASSERT(!a.extend(*la)) << "A extended a lease whose majority was lost";
  }
  if (!with_epochs) {
    LOCKSTEP_ASSERT(restarted == 2 && lb->fence < la->fence)
        << "expected the inversion without epochs: " << la->fence << " then " << lb->fence;
    LOCKSTEP_ASSERT(!res.write(lb->fence, "B")) << "without epochs the new owner is rejected";
    b.release(*lb);
    return;
  }
  LOCKSTEP_ASSERT(lb->fence > la->fence)
      << "fence went backwards: " << fence_str(la->fence) << " then " << fence_str(lb->fence);
  LOCKSTEP_ASSERT(res.write(lb->fence, "B")) << "the new owner was rejected";
  LOCKSTEP_ASSERT(!res.write(la->fence, "A2")) << "the stale holder's write was accepted";
  LOCKSTEP_ASSERT(res.value() == "B");
  b.release(*lb);
}

}  // namespace

LOCKSTEP_UNIT_TEST(redlock_one_of_three_restarted_keeps_fences_monotonic) {
  redlock_restart_scenario(1, true);
}

LOCKSTEP_UNIT_TEST(redlock_two_of_three_restarted_keeps_fences_monotonic) {
  redlock_restart_scenario(2, true);
}

LOCKSTEP_UNIT_TEST(redlock_two_of_three_restarted_without_epochs_inverts_fences) {
  redlock_restart_scenario(2, false);
}

namespace {

// With the restart guard (default), restarted servers are refused until they have been up
// for ttl + drift: B is granted only after A's lease has expired — no double grant — and
// B's fence is in a newer epoch (durable, or the server's clock), so the fenced resource
// accepts B and rejects A's late write. The Redis lock restarts its server, Redlock 2 of 3.
template <class Lock>
void guard_scenario(const std::string& base, const std::function<Lock(const std::string&)>& make) {
  const auto name = unique(base);
  constexpr bool single = std::is_same_v<Lock, ld::redis_lock>;
  Lock a = make(name), b = make(name);
  churn(a, 5);
  auto la = a.acquire(10s);
  LOCKSTEP_ASSERT(la.has_value());
  ld::fenced_resource res;
  LOCKSTEP_ASSERT(res.write(la->fence, "A1"));
  LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "granted twice";  // b is connected now
  for (int i : single ? std::vector<int>{0} : std::vector<int>{1, 2}) {
    dist_test::redis_script("restart", i);
  }
  // The first attempt fails on the broken connections, the next ones reconnect and are
  // refused (ttl 3 s: the guard needs an uptime of 4 s, even a loaded machine gets here).
  for (int i = 0; i < 3; ++i) {
    LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "granted by a server up for less than a ttl";
  }
  const std::uint64_t restarted = single ? 1 : 2;
  LOCKSTEP_ASSERT(b.stats().refused_recent_restart >= restarted)
      << b.stats().refused_recent_restart;
  auto lb = b.acquire(10s);
  LOCKSTEP_ASSERT(lb.has_value()) << "no grant after the guard's wait";
  LOCKSTEP_ASSERT(!la->valid()) << "B was granted while A's lease was still valid";
  LOCKSTEP_ASSERT(ld::fence_epoch(lb->fence) > ld::fence_epoch(la->fence))
      << fence_str(la->fence) << " then " << fence_str(lb->fence);
  LOCKSTEP_ASSERT(res.write(lb->fence, "B")) << "the new owner was rejected";
  LOCKSTEP_ASSERT(!res.write(la->fence, "A2")) << "the stale holder's write was accepted";
  LOCKSTEP_ASSERT(b.restarts_seen() == restarted) << b.restarts_seen();
  b.release(*lb);
}

constexpr auto kGuardTtl = 3000ms;

}  // namespace

LOCKSTEP_UNIT_TEST(redis_lock_restart_guard_durable_epochs) {
  const auto eps = endpoints();
  auto epochs = durable_epochs();
  guard_scenario<ld::redis_lock>("guard-durable", [&](const std::string& name) {
    return ld::redis_lock(eps[0], name, lock_opts(epochs, true, kGuardTtl));
  });
}

// Default options: no epoch source, so the epochs come from the server's clock.
LOCKSTEP_UNIT_TEST(redis_lock_restart_guard_default_options) {
  const auto eps = endpoints();
  guard_scenario<ld::redis_lock>("guard-default", [&](const std::string& name) {
    return ld::redis_lock(eps[0], name, {.timing = {.ttl = kGuardTtl}});
  });
}

LOCKSTEP_UNIT_TEST(redlock_restart_guard_durable_epochs) {
  const auto eps = endpoints();
  LOCKSTEP_ASSERT(eps.size() == 3);
  auto epochs = durable_epochs();
  guard_scenario<ld::redlock>("redlock-guard-durable", [&](const std::string& name) {
    return ld::redlock(eps, name, redlock_opts(epochs, true, kGuardTtl));
  });
}

LOCKSTEP_UNIT_TEST(redlock_restart_guard_default_options) {
  const auto eps = endpoints();
  LOCKSTEP_ASSERT(eps.size() == 3);
  guard_scenario<ld::redlock>("redlock-guard-default", [&](const std::string& name) {
    return ld::redlock(eps, name, {.timing = {.ttl = kGuardTtl}});
  });
}

namespace {

// A paused past its ttl (with durable epochs configured): B takes the expired lock, A's late
// write is rejected; A's extend after the expiry fails.
template <class Lock, class Options>
void paused_holder(Lock a, Lock b) {
  auto la = a.acquire(10s);
  LOCKSTEP_ASSERT(la.has_value());
  ld::fenced_resource res;
  LOCKSTEP_ASSERT(res.write(la->fence, "A1"));
  std::this_thread::sleep_for(400ms);  // ttl 200 ms: A's lease and keys are gone
  LOCKSTEP_ASSERT(!la->valid());
  auto lb = b.acquire(5s);
  LOCKSTEP_ASSERT(lb.has_value());
  LOCKSTEP_ASSERT(lb->fence > la->fence);
  LOCKSTEP_ASSERT(res.write(lb->fence, "B"));
  LOCKSTEP_ASSERT(!res.write(la->fence, "A2")) << "the paused holder's write was accepted";
  if constexpr (std::is_same_v<Lock, ld::redis_lock>) {
    LOCKSTEP_ASSERT(!a.extend(*la, 1000ms)) << "extended after expiry, over B's lease";
  } else {
    LOCKSTEP_ASSERT(!a.extend(*la)) << "extended after expiry, over B's lease";
  }
  b.release(*lb);
  // Extend after expiry with nobody else holding the lock fails too.
  auto lc = a.acquire(5s);
  LOCKSTEP_ASSERT(lc.has_value());
  std::this_thread::sleep_for(400ms);
  if constexpr (std::is_same_v<Lock, ld::redis_lock>) {
    LOCKSTEP_ASSERT(!a.extend(*lc, 1000ms)) << "an expired lease was extended";
  } else {
    LOCKSTEP_ASSERT(!a.extend(*lc)) << "an expired lease was extended";
  }
}

}  // namespace

LOCKSTEP_UNIT_TEST(redis_lock_paused_holder_and_extend_after_expiry) {
  const auto eps = endpoints();
  const auto name = unique("paused-epochs");
  auto epochs = durable_epochs();
  paused_holder<ld::redis_lock, ld::redis_lock_options>(
      ld::redis_lock(eps[0], name, lock_opts(epochs, true, 200ms)),
      ld::redis_lock(eps[0], name, lock_opts(epochs, true, 200ms)));
}

LOCKSTEP_UNIT_TEST(redlock_paused_holder_and_extend_after_expiry) {
  const auto eps = endpoints();
  const auto name = unique("redlock-paused-epochs");
  auto epochs = durable_epochs();
  paused_holder<ld::redlock, ld::redlock_options>(
      ld::redlock(eps, name, redlock_opts(epochs, true, 200ms)),
      ld::redlock(eps, name, redlock_opts(epochs, true, 200ms)));
}

namespace {

// Clients loop on one lock (bounded: 10 000 rounds or until the driver stops them) while a
// driver restarts `restarted` instances without persistence and without delay. With the
// restart guard and durable epochs, no two holders overlap (in-process witness) and fences
// grow in the order holders enter, before, across and after the restarts.
template <class Lock, class Options>
void clients_through_restarts(const std::vector<ld::redis_endpoint>& lock_eps, int restarted,
                              Options opts) {
  const auto name = unique("through-restarts");
  std::atomic<int> inside{0}, overlaps{0}, phase{0};
  std::atomic<int> per_phase[2] = {0, 0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::uint64_t last_fence = 0;
  int regressions = 0;
  std::string first_regression;
  dist_test::failures f;
  const auto make = [&] {
    if constexpr (std::is_same_v<Lock, ld::redis_lock>) {
      return ld::redis_lock(lock_eps[0], name, opts);
    } else {
      return ld::redlock(lock_eps, name, opts);
    }
  };
  {
    // Wait out the guard of a server restarted by an earlier test: phase 0 needs grants.
    Lock warm = make();
    auto l = warm.acquire(10s);
    LOCKSTEP_ASSERT(l.has_value()) << "no grant before the restarts";
    warm.release(*l);
  }
  std::thread driver([&] {
    try {
      std::this_thread::sleep_for(500ms);
      for (int i = 0; i < restarted; ++i) {
        dist_test::redis_script("restart", lock_eps.size() == 1 ? 0 : i + 1);
      }
      phase = 1;
      std::this_thread::sleep_for(2500ms);  // the guard's wait (uptime >= 1 s) and then some
    } catch (const std::exception& e) {
      f.add(std::string("driver: ") + e.what());
    }
    stop = true;
  });
  dist_test::run_threads(4, f, [&](int) {
    Lock l = make();
    for (int i = 0; i < 10'000 && !stop.load(); ++i) {
      const int ph = phase.load();
      auto lease = l.acquire(1000ms);
      if (!lease) continue;  // contention or the guard's wait
      if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
      {
        std::lock_guard g(mu);
        if (lease->fence <= last_fence && regressions++ == 0) {
          first_regression = fence_str(last_fence) + " then " + fence_str(lease->fence);
        }
        last_fence = lease->fence;
      }
      std::this_thread::yield();
      inside.fetch_sub(1);
      if (lease->valid() && phase.load() == ph) per_phase[ph].fetch_add(1);
      l.release(*lease);
      std::this_thread::sleep_for(1ms);  // <= 1000 rounds/s per client: the rounds outlast
    }                                    // the driver (~3 s)
  });
  driver.join();
  LOCKSTEP_ASSERT(f.count() == 0) << f.count() << " failures:" << f.summary();
  LOCKSTEP_ASSERT(overlaps.load() == 0) << overlaps.load() << " overlapping holders";
  LOCKSTEP_ASSERT(regressions == 0)
      << regressions << " fence regressions, first " << first_regression;
  LOCKSTEP_ASSERT(per_phase[0].load() > 0 && per_phase[1].load() > 0)
      << "grants before / after the restarts: " << per_phase[0].load() << " / "
      << per_phase[1].load();
}

}  // namespace

LOCKSTEP_UNIT_TEST(redis_lock_clients_through_a_restart) {
  clients_through_restarts<ld::redis_lock>({endpoints()[0]}, 1,
                                           lock_opts(durable_epochs(), true, 300ms));
}

LOCKSTEP_UNIT_TEST(redlock_clients_through_two_restarts) {
  clients_through_restarts<ld::redlock>(endpoints(), 2,
                                        redlock_opts(durable_epochs(), true, 300ms));
}

// The same with default options (epochs from the servers' clocks).
LOCKSTEP_UNIT_TEST(redis_lock_clients_through_a_restart_default_options) {
  clients_through_restarts<ld::redis_lock>({endpoints()[0]}, 1,
                                           ld::redis_lock_options{.timing = {.ttl = 300ms}});
}

LOCKSTEP_UNIT_TEST(redlock_clients_through_two_restarts_default_options) {
  clients_through_restarts<ld::redlock>(endpoints(), 2,
                                        ld::redlock_options{.timing = {.ttl = 300ms}});
}
