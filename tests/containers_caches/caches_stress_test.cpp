// Real-thread stress tests of the caches containers on std_platform (also run under
// ThreadSanitizer). Each is bounded by an iteration count and checks the same invariants as
// the model tests; the LRU test records short histories and checks them for linearizability.
#include <lockstep/config.hpp>
#include <lockstep/cow_list.hpp>
#include <lockstep/lru_cache.hpp>
#include <lockstep/optimistic_map.hpp>
#include <lockstep/rate_limiter.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "lru_history.hpp"

using lru_history::op;
using lru_history::op_kind;

namespace {
constexpr int kThreads = 4;
}  // namespace

// Many threads hammer a small cache: values always belong to their key, the size never
// exceeds the capacity.
LOCKSTEP_UNIT_TEST(lru_stress_values_and_capacity) {
  lockstep::LruCache<int, std::int64_t> cache(8);
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::uint32_t x = 12345u + static_cast<std::uint32_t>(t);
      for (int i = 0; i < 20000; ++i) {
        x = x * 1664525u + 1013904223u;
        int key = static_cast<int>((x >> 16) % 16);
        if ((x >> 8) & 1) {
          cache.put(key, std::int64_t{key} * 1000000 + t * 100000 + i % 100000);
        } else if (auto v = cache.get(key)) {
          if (*v / 1000000 != key) bad.fetch_add(1);
        }
        if (cache.size() > cache.capacity()) bad.fetch_add(1);
      }
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " invariant violations";
  LOCKSTEP_ASSERT(cache.size() <= 8);
}

// Rounds of two threads × three operations on a fresh capacity-2 cache; each round's history
// (call/return stamps from a shared atomic counter) must be linearizable.
LOCKSTEP_UNIT_TEST(lru_stress_histories_linearizable) {
  for (int round = 0; round < 300; ++round) {
    lockstep::LruCache<int, int> cache(2);
    lru_history::model initial(2);
    std::atomic<std::int64_t> clk{0};
    std::atomic<int> go{0};
    std::vector<std::vector<op>> hist(2);
    auto body = [&](int t) {
      go.fetch_add(1);
      while (go.load() < 2) std::this_thread::yield();
      std::uint32_t x = static_cast<std::uint32_t>(round * 7919 + t * 104729);
      for (int i = 0; i < 3; ++i) {
        x = x * 1664525u + 1013904223u;
        int key = static_cast<int>((x >> 16) % 3);
        op o{};
        o.key = key;
        o.call = clk.fetch_add(1);
        if ((x >> 10) & 1) {
          o.kind = op_kind::put;
          o.value = t * 100 + i;
          o.result = cache.put(key, o.value);
        } else {
          o.kind = op_kind::get;
          auto v = cache.get(key);
          o.result = v.has_value();
          o.value = v.value_or(0);
        }
        o.ret = clk.fetch_add(1);
        hist[static_cast<std::size_t>(t)].push_back(o);
      }
    };
    std::thread a(body, 0), b(body, 1);
    a.join();
    b.join();
    LOCKSTEP_ASSERT(lru_history::linearizable(hist, initial)) << "round " << round << ":\n"
                                                              << lru_history::describe(hist);
  }
}

// Writers update a config whose fields must agree; readers check every snapshot they load
// and that versions never go backwards.
LOCKSTEP_UNIT_TEST(config_stress_no_torn_reads_no_lost_updates) {
  struct Settings {
    int a = 0;
    int b = 0;
  };
  lockstep::Config<Settings> cfg(Settings{});
  std::atomic<int> bad{0};
  constexpr int kWriters = 2, kUpdates = 2000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kWriters; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < kUpdates; ++i) {
        cfg.update([](Settings& s) {
          s.a += 1;
          s.b = 2 * s.a;
        });
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&] {
      int last = 0;
      for (int i = 0; i < 5000; ++i) {
        auto s = cfg.load();
        if (s->b != 2 * s->a) bad.fetch_add(1);
        if (s->a < last) bad.fetch_add(1);
        last = s->a;
      }
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " torn or backwards reads";
  LOCKSTEP_ASSERT(cfg.load()->a == kWriters * kUpdates) << "lost updates";
  LOCKSTEP_ASSERT(cfg.version() == std::uint64_t{kWriters * kUpdates});
}

// Writers push distinct values while readers check that each snapshot is a duplicate-free
// set of pushed values that never shrinks; finally nothing is lost and, quiescent, nothing
// stays retired after one more write.
LOCKSTEP_UNIT_TEST(cow_list_stress_snapshots) {
  lockstep::CowList<int> list;
  std::atomic<int> bad{0};
  constexpr int kWriters = 2, kPushes = 300;
  std::vector<std::thread> ts;
  for (int t = 0; t < kWriters; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kPushes; ++i) list.push_back(t * kPushes + i);
    });
  }
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&] {
      std::size_t last = 0;
      for (int i = 0; i < 2000; ++i) {
        list.read([&](const std::vector<int>& v) {
          if (v.size() < last) bad.fetch_add(1);
          last = v.size();
          std::vector<bool> seen(kWriters * kPushes, false);
          for (int x : v) {
            if (x < 0 || x >= kWriters * kPushes || seen[static_cast<std::size_t>(x)]) {
              bad.fetch_add(1);
            } else {
              seen[static_cast<std::size_t>(x)] = true;
            }
          }
        });
      }
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " bad snapshots";
  LOCKSTEP_ASSERT(list.size() == std::size_t{kWriters * kPushes}) << "lost writes";
  list.push_back(-1);
  LOCKSTEP_ASSERT(list.retired_count() == 0);
}

// Threads increment two keys with optimistic retries: no increment is lost, versions equal
// the number of writes, and the map's conflict count equals the sum the callers saw.
LOCKSTEP_UNIT_TEST(optimistic_map_stress_increments) {
  lockstep::OptimisticMap<int, int> m;
  constexpr int kIncs = 2000;
  std::atomic<std::uint64_t> conflicts{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::uint64_t mine = 0;
      for (int i = 0; i < kIncs; ++i) {
        mine += m.update_with_retry((t + i) % 2, [](std::optional<int> v) {
                   return v.value_or(0) + 1;
                 }).conflicts;
      }
      conflicts.fetch_add(mine);
    });
  }
  for (auto& th : ts) th.join();
  auto a = m.get(0), b = m.get(1);
  LOCKSTEP_ASSERT(a && b);
  LOCKSTEP_ASSERT(a->value + b->value == kThreads * kIncs) << "lost updates";
  LOCKSTEP_ASSERT(a->version == std::uint64_t(a->value) && b->version == std::uint64_t(b->value));
  LOCKSTEP_ASSERT(m.conflicts() == conflicts.load());
}

// Real threads hammer each limiter variant for a bounded number of attempts; total grants
// over the whole run must respect capacity + rate * elapsed (elapsed measured around the
// run, so the bound is generous only by the scheduling slack, never too tight).
namespace {
template <class Limiter>
void hammer_limiter(Limiter& limiter, std::chrono::steady_clock::time_point start,
                    std::uint64_t capacity, std::uint64_t rate) {
  std::atomic<std::uint64_t> granted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&] {
      std::uint64_t mine = 0;
      for (int i = 0; i < 20000; ++i) mine += limiter.try_acquire() ? 1 : 0;
      granted.fetch_add(mine);
    });
  }
  for (auto& th : ts) th.join();
  auto elapsed_us =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count());
  std::uint64_t allowed = capacity + (elapsed_us + 1) * rate / 1'000'000;
  LOCKSTEP_ASSERT(granted.load() <= allowed)
      << granted.load() << " grants in " << elapsed_us << "us, at most " << allowed;
  LOCKSTEP_ASSERT(granted.load() >= 1) << "a full bucket granted nothing";
}
}  // namespace

LOCKSTEP_UNIT_TEST(rate_limiter_stress_locked) {
  auto start = std::chrono::steady_clock::now();
  lockstep::LockedRateLimiter<> l(50, 10000);
  hammer_limiter(l, start, 50, 10000);
}

LOCKSTEP_UNIT_TEST(rate_limiter_stress_lock_free) {
  auto start = std::chrono::steady_clock::now();
  lockstep::LockFreeRateLimiter<> l(50, 10000);
  hammer_limiter(l, start, 50, 10000);
}

LOCKSTEP_UNIT_TEST(rate_limiter_stress_thread_local) {
  auto start = std::chrono::steady_clock::now();
  lockstep::ThreadLocalRateLimiter<> l(50, 10000, 2);
  hammer_limiter(l, start, 50, 10000);
}
