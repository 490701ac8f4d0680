// Redis lock and Redlock against real redis-server processes (ci/servers/redis.sh, started
// by the CTest fixture dist_redis): mutual exclusion under concurrent clients, owner-checked
// release/extend, blocking acquire with timeout, an instance killed and restarted, and a
// client paused beyond its ttl with an unfenced and a fenced resource.
#include <lockstep/dist/fenced_resource.hpp>
#include <lockstep/dist/redis.hpp>
#include <lockstep/dist/redlock.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "dist_test_support.hpp"

using namespace std::chrono_literals;
using lockstep::dist::fenced_resource;
using lockstep::dist::redis_endpoint;
using lockstep::dist::redis_lock;
using lockstep::dist::redlock;
using lockstep::dist::unfenced_resource;
using steady = std::chrono::steady_clock;

namespace {

std::vector<redis_endpoint> endpoints() {
  std::vector<redis_endpoint> eps;
  for (int p : dist_test::redis_ports()) eps.push_back({"127.0.0.1", p});
  return eps;
}

// A name per test run: the fixture's servers are shared by the tests of this executable.
std::string unique(const std::string& base) { return base + ":" + lockstep::dist::random_token(); }

// One client of lock `name` with leases of `ttl`: a redis_lock on the first instance, or a
// redlock over all of them.
template <class Lock>
Lock client(const std::vector<redis_endpoint>& eps, const std::string& name,
            std::chrono::milliseconds ttl) {
  if constexpr (std::is_same_v<Lock, redis_lock>) {
    return redis_lock(eps[0], name, {.timing = {.ttl = ttl}});
  } else {
    return redlock(eps, name, {.timing = {.ttl = ttl}});
  }
}

// The setup of the two-client tests: clients a and b of one fresh lock name, and the lease
// `la` that a took on the free lock between `before` and `after`.
//   two_clients<redis_lock> c("basics", 300ms);
//   auto &a = c.a, &b = c.b;  // (not a structured binding: clang 14 cannot capture one)
template <class Lock>
struct two_clients {
  two_clients(const std::string& base, std::chrono::milliseconds ttl)
      : two_clients(endpoints(), unique(base), ttl) {}

  Lock a, b;
  steady::time_point before, after;
  lockstep::dist::lease la;

 private:
  two_clients(const std::vector<redis_endpoint>& eps, const std::string& name,
              std::chrono::milliseconds ttl)
      : a(client<Lock>(eps, name, ttl)), b(client<Lock>(eps, name, ttl)) {
    // acquire, not try_acquire: a server restarted by an earlier test is refused by the
    // restart guard until it has been up for a ttl (redis.hpp).
    before = steady::now();
    auto l = a.acquire(10'000ms);
    after = steady::now();
    LOCKSTEP_ASSERT(l.has_value()) << "a free lock must be granted";
    la = *l;
  }
};

// The critical-section checker: an in-process witness that two holders never overlap, and
// that fences grow with the order in which holders enter.
struct witness {
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::mutex mu;
  std::uint64_t last_fence = 0;
  int fence_regressions = 0;
  int entries = 0;

  void enter(std::uint64_t fence) {
    if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
    {
      std::lock_guard g(mu);
      if (fence <= last_fence) ++fence_regressions;
      last_fence = fence;
      ++entries;
    }
    std::this_thread::yield();
    inside.fetch_sub(1);
  }
};

}  // namespace

LOCKSTEP_UNIT_TEST(redis_lock_basics) {
  two_clients<redis_lock> c("basics", 300ms);
  auto &a = c.a, &b = c.b;
  auto& la = c.la;
  LOCKSTEP_ASSERT(la.valid()) << "fresh lease not valid";
  LOCKSTEP_ASSERT(la.valid_until <= steady::now() + 300ms) << "validity beyond ttl";
  LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "a held lock was granted twice";

  // Owner check: a lease with another token cannot release or extend the lock.
  auto forged = la;
  forged.token = "not-the-owner";
  LOCKSTEP_ASSERT(!b.release(forged)) << "released with a wrong token";
  LOCKSTEP_ASSERT(!b.extend(forged, 1000ms)) << "extended with a wrong token";
  LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "lock lost after a forged release";

  LOCKSTEP_ASSERT(a.release(la)) << "owner could not release";
  LOCKSTEP_ASSERT(!a.release(la)) << "second release reported success";
  auto lb = b.try_acquire();
  LOCKSTEP_ASSERT(lb.has_value()) << "released lock not granted";
  LOCKSTEP_ASSERT(lb->fence > la.fence)
      << "fence did not grow: " << la.fence << " then " << lb->fence;
  LOCKSTEP_ASSERT(b.release(*lb));
}

LOCKSTEP_UNIT_TEST(redis_lock_expires_and_extends) {
  // Generous margins (100 ms steps against a 300 ms ttl): a loaded CI machine may oversleep.
  two_clients<redis_lock> c("ttl", 300ms);
  auto &a = c.a, &b = c.b;
  auto& la = c.la;
  // Extension keeps it held beyond the original ttl.
  std::this_thread::sleep_for(100ms);
  LOCKSTEP_ASSERT(a.extend(la, 1000ms)) << "owner could not extend";
  std::this_thread::sleep_for(300ms);  // 400 ms after acquisition: past the first ttl
  LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "extended lock was granted to another";
  // Without further extension it expires: the next client gets it.
  auto lb = b.acquire(3000ms);
  LOCKSTEP_ASSERT(lb.has_value()) << "expired lock not granted within 3 s";
  LOCKSTEP_ASSERT(!la.valid()) << "lease still valid after its key expired";
  LOCKSTEP_ASSERT(!a.extend(la, 400ms)) << "expired lease extended over the new owner";
  LOCKSTEP_ASSERT(b.release(*lb));
}

LOCKSTEP_UNIT_TEST(redis_lock_blocking_acquire_times_out) {
  two_clients<redis_lock> c("timeout", 3000ms);
  auto &a = c.a, &b = c.b;
  auto& la = c.la;
  const auto t0 = steady::now();
  auto lb = b.acquire(150ms);
  const auto waited = steady::now() - t0;
  LOCKSTEP_ASSERT(!lb.has_value()) << "granted while held";
  LOCKSTEP_ASSERT(waited >= 150ms && waited < 1000ms)
      << "waited " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
      << " ms for a 150 ms timeout";
  LOCKSTEP_ASSERT(b.stats().attempts > 2) << "no backoff retries: " << b.stats().attempts;
  // Released in the middle of a blocking acquire: the waiter gets it.
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    a.release(la);
  });
  lb = b.acquire(2000ms);
  releaser.join();
  LOCKSTEP_ASSERT(lb.has_value()) << "waiter did not get the released lock";
  b.release(*lb);
}

namespace {

// `threads` clients of one lock each take it `rounds` times; the witness checks that no two
// holders overlap and that fences grow in the order holders enter.
template <class Lock>
void mutual_exclusion_scenario(const std::vector<redis_endpoint>& eps, const std::string& base,
                               int threads, int rounds) {
  const auto name = unique(base);
  witness w;
  dist_test::failures f;
  const auto deadline = steady::now() + 20s;
  dist_test::run_threads(threads, f, [&](int) {
    auto l = client<Lock>(eps, name, 2000ms);
    for (int i = 0; i < rounds && steady::now() < deadline; ++i) {
      auto lease = l.acquire(5000ms);
      if (!lease) {
        f.add("acquire timed out");
        continue;
      }
      w.enter(lease->fence);
      if (!lease->valid()) f.add("lease expired inside the critical section");
      if constexpr (std::is_same_v<Lock, redis_lock>) {
        if (!l.release(*lease)) f.add("release of an owned lock failed");
      } else {
        l.release(*lease);  // redlock: best effort on every instance, no result
      }
    }
  });
  LOCKSTEP_ASSERT(f.count() == 0) << f.count() << " failures:" << f.summary();
  LOCKSTEP_ASSERT(w.overlaps.load() == 0) << w.overlaps.load() << " overlapping holders";
  LOCKSTEP_ASSERT(w.fence_regressions == 0) << w.fence_regressions << " fence regressions";
  LOCKSTEP_ASSERT(w.entries == threads * rounds) << "entries " << w.entries;
}

}  // namespace

LOCKSTEP_UNIT_TEST(redis_lock_mutual_exclusion_many_clients) {
  mutual_exclusion_scenario<redis_lock>(endpoints(), "mutex", 12, 40);
}

LOCKSTEP_UNIT_TEST(redlock_mutual_exclusion_many_clients) {
  auto eps = endpoints();
  LOCKSTEP_ASSERT(eps.size() >= 3) << "Redlock needs 3 instances, have " << eps.size();
  mutual_exclusion_scenario<redlock>(eps, "redlock-mutex", 8, 30);
}

LOCKSTEP_UNIT_TEST(redlock_validity_and_extend) {
  two_clients<redlock> c("redlock-validity", 1000ms);
  auto &a = c.a, &b = c.b;
  auto& la = c.la;
  // validity = ttl − elapsed − drift, drift = 1% of ttl + 2 ms = 12 ms: valid_until is
  // (acquisition start) + 988 ms, the start lying between c.before and c.after.
  LOCKSTEP_ASSERT(la.valid_until >= c.before + 988ms && la.valid_until <= c.after + 988ms)
      << "validity is not ttl - elapsed - drift";
  LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "granted twice";
  std::this_thread::sleep_for(300ms);
  LOCKSTEP_ASSERT(a.extend(la)) << "owner could not extend";
  std::this_thread::sleep_for(800ms);  // 1.1 s: past the first ttl
  LOCKSTEP_ASSERT(!b.try_acquire().has_value()) << "extended Redlock granted to another";
  a.release(la);
  auto lb = b.try_acquire();
  LOCKSTEP_ASSERT(lb.has_value()) << "released on all instances, yet not granted";
  LOCKSTEP_ASSERT(lb->fence > la.fence) << la.fence << " then " << lb->fence;
  b.release(*lb);
}

// One instance crashes (SIGKILL: its keys and fence counter are gone) and comes back after a
// delayed restart (>= ttl, as Redlock requires for instances without persistence). Clients
// keep their mutual exclusion and monotonic fences through all phases; with two instances
// down there is no quorum.
LOCKSTEP_UNIT_TEST(redlock_instance_killed_and_restarted) {
  auto eps = endpoints();
  LOCKSTEP_ASSERT(eps.size() == 3) << "expects exactly 3 instances, have " << eps.size();
  const auto name = unique("redlock-crash");
  constexpr auto kTtl = 300ms;
  witness w;
  dist_test::failures f;
  std::atomic<int> phase{0};
  std::atomic<int> per_phase[4] = {0, 0, 0, 0};
  std::atomic<bool> stop{false};
  std::thread driver([&] {
    try {
      std::this_thread::sleep_for(300ms);
      dist_test::redis_script("kill", 1);
      phase = 1;
      std::this_thread::sleep_for(500ms);  // > ttl: delayed restart
      dist_test::redis_script("restart", 1);
      phase = 2;
      std::this_thread::sleep_for(400ms);
    } catch (const std::exception& e) {
      f.add(std::string("driver: ") + e.what());
    }
    stop = true;
  });
  dist_test::run_threads(4, f, [&](int) {
    redlock l(eps, name, {.timing = {.ttl = kTtl}, .io_timeout = 50ms});
    for (int i = 0; i < 2000 && !stop.load(); ++i) {
      const int ph = phase.load();
      auto lease = l.acquire(1000ms);
      if (!lease) continue;  // contention or the crash window
      w.enter(lease->fence);
      if (lease->valid() && phase.load() == ph) per_phase[ph].fetch_add(1);
      l.release(*lease);
    }
  });
  driver.join();
  LOCKSTEP_ASSERT(f.count() == 0) << f.count() << " failures:" << f.summary();
  LOCKSTEP_ASSERT(w.overlaps.load() == 0) << w.overlaps.load() << " overlapping holders";
  LOCKSTEP_ASSERT(w.fence_regressions == 0) << w.fence_regressions << " fence regressions";
  for (int ph = 0; ph < 3; ++ph) {
    LOCKSTEP_ASSERT(per_phase[ph].load() > 0)
        << "no grants in phase " << ph << " (0 all up, 1 one killed, 2 restarted)";
  }
  // Two of three down: no quorum, no grant.
  dist_test::redis_script("kill", 0);
  dist_test::redis_script("kill", 2);
  {
    redlock l(eps, name, {.timing = {.ttl = kTtl}, .io_timeout = 50ms});
    LOCKSTEP_ASSERT(!l.try_acquire().has_value()) << "granted with 1 of 3 instances";
  }
  dist_test::redis_script("restart", 0);
  dist_test::redis_script("restart", 2);
}

namespace {

// Client A takes the lock, is paused past its ttl (a GC pause, SIGSTOP, a slow page fault),
// then writes. Meanwhile B took the expired lock and wrote. The unfenced resource must accept
// A's late write (the lost update that fencing exists for), the fenced one must reject it.
template <class Lock>
void paused_client_scenario(const std::string& base, std::chrono::milliseconds ttl) {
  unfenced_resource unfenced;
  fenced_resource fenced;
  two_clients<Lock> c(base, ttl);
  auto& b = c.b;
  auto& la = c.la;
  // A is paused for 2 × ttl; its lease expires meanwhile.
  std::thread client_b([&] {
    auto lb = b.acquire(3000ms);
    if (!lb) return;
    unfenced.write(lb->fence, "B");
    fenced.write(lb->fence, "B");
    b.release(*lb);
  });
  std::this_thread::sleep_for(400ms);
  client_b.join();
  LOCKSTEP_ASSERT(fenced.value() == "B") << "B never got the expired lock";
  // A resumes and writes, believing it still holds the lock (it checked before the pause).
  const bool unfenced_ok = unfenced.write(la.fence, "A");
  const bool fenced_ok = fenced.write(la.fence, "A");
  LOCKSTEP_ASSERT(unfenced_ok && unfenced.value() == "A")
      << "the unfenced resource was expected to accept the stale write";
  LOCKSTEP_ASSERT(!fenced_ok && fenced.value() == "B")
      << "the fenced resource accepted a stale fence " << la.fence << " after "
      << fenced.highest_fence();
  LOCKSTEP_ASSERT(fenced.rejected() == 1);
  LOCKSTEP_ASSERT(!la.valid()) << "A's lease claims to be valid after the pause";
}

}  // namespace

LOCKSTEP_UNIT_TEST(redis_lock_paused_client_fenced_vs_unfenced) {
  paused_client_scenario<redis_lock>("paused", 200ms);
}

LOCKSTEP_UNIT_TEST(redlock_paused_client_fenced_vs_unfenced) {
  paused_client_scenario<redlock>("redlock-paused", 200ms);
}
