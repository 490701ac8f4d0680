// Real-thread stress tests of the counters, ConcurrentMap and VersionedKv on std_platform
// (also built in the tsan preset). Two kinds:
//   * histories: short fixed scenarios (3 threads x 4 operations) run many times with
//     lockstep::stress_history; every round's history must be linearizable;
//   * invariants under load: exact totals after many concurrent adds/updates, monotonic
//     consistent snapshots, add_if_below never overshooting its limit.
#include <lockstep/concurrent_map.hpp>
#include <lockstep/counters.hpp>
#include <lockstep/lincheck/scenario.hpp>
#include <lockstep/models/counter.hpp>
#include <lockstep/models/map.hpp>
#include <lockstep/models/versioned_kv.hpp>
#include <lockstep/test.hpp>
#include <lockstep/versioned_kv.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "counter_apply.hpp"

namespace {

namespace locking = lockstep::map_locking;
using SP = lockstep::std_platform;
constexpr int kThreads = 4;

// ThreadSanitizer slows thread creation and every lock by an order of magnitude: fewer
// history rounds and operations there keep each test within seconds (g++ defines the macro,
// clang answers __has_feature).
#if defined(__SANITIZE_THREAD__)
constexpr bool kTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif
#else
constexpr bool kTsan = false;
#endif

// A deterministic scenario: `threads` x `ops` operations drawn by `pick(random)`.
template <class Input, class Pick>
lockstep::lin_scenario<Input> scenario(std::uint32_t seed, int threads, int ops, Pick pick) {
  lockstep::lin_scenario<Input> s;
  std::uint32_t x = seed * 2654435761u + 1;
  for (int t = 0; t < threads; ++t) {
    s.threads.emplace_back();
    for (int i = 0; i < ops; ++i) {
      x = x * 1664525u + 1013904223u;
      s.threads.back().push_back(pick(x >> 8));
    }
  }
  return s;
}

// Runs `scenarios` different scenarios `rounds` times each; asserts every history is
// linearizable.
template <class M, class Make, class Apply, class Pick>
void histories_linearizable(Make make, Apply apply, Pick pick, int scenarios = kTsan ? 6 : 20,
                            int rounds = kTsan ? 10 : 50) {
  for (int k = 0; k < scenarios; ++k) {
    auto s = scenario<typename M::input_type>(static_cast<std::uint32_t>(k), 3, 4, pick);
    std::string why;
    auto r = lockstep::stress_history<M>(s, make, apply, rounds, &why);
    LOCKSTEP_ASSERT(r.linearizable()) << "scenario " << k << ":\n" << why;
  }
}

// ---- counters ----------------------------------------------------------------------

using CM = lockstep::models::counter;

CM::input_type pick_counter(std::uint32_t r) {
  switch (r % 4) {
    case 0:
      return {CM::op::add, 1};
    case 1:
      return {CM::op::add, 2};
    case 2:
      return {CM::op::add_if_below, 1, 4};
    default:
      return {CM::op::get};
  }
}

template <class C>
void counter_histories() {
  histories_linearizable<CM>(
      [] { return std::make_unique<C>(); },
      [](C& c, const CM::input_type& in) { return apply_counter(c, in); },
      [](std::uint32_t r) {
        auto in = pick_counter(r);
        // Without add_if_below the op is an add: keep the recorded input truthful.
        if (!requires(C & c) { c.add_if_below(1, 1); } && in.kind == CM::op::add_if_below)
          in = {CM::op::add, 1};
        return in;
      });
}

}  // namespace

LOCKSTEP_UNIT_TEST(locked_counter_histories) { counter_histories<lockstep::LockedCounter<>>(); }
LOCKSTEP_UNIT_TEST(sharded_counter_histories) { counter_histories<lockstep::ShardedCounter<>>(); }
LOCKSTEP_UNIT_TEST(atomic_counter_histories) { counter_histories<lockstep::AtomicCounter<>>(); }

// Writers add 1 many times while a reader takes totals: every total lies between 0 and the
// final value and never decreases (each is a consistent snapshot of a growing counter).
LOCKSTEP_UNIT_TEST(sharded_counter_totals_are_monotonic_and_exact) {
  lockstep::ShardedCounter<> c(8);
  constexpr int kAdds = kTsan ? 10000 : 50000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    std::int64_t last = 0;
    while (!done.load()) {
      std::int64_t t = c.total();
      if (t < last || t > std::int64_t{kThreads} * kAdds) bad.fetch_add(1);
      last = t;
    }
  });
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) c.add(1);
    });
  for (auto& th : ts) th.join();
  done = true;
  reader.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " torn or decreasing totals";
  LOCKSTEP_ASSERT(c.total() == std::int64_t{kThreads} * kAdds) << c.total();
}

// add_if_below(1, limit) from many threads admits exactly limit - 1 increments.
LOCKSTEP_UNIT_TEST(atomic_counter_add_if_below_never_overshoots) {
  lockstep::AtomicCounter<> c;
  constexpr std::int64_t kLimit = 5000;
  std::atomic<std::int64_t> admitted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 4000; ++i)
        if (c.add_if_below(1, kLimit)) admitted.fetch_add(1);
    });
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(c.get() == kLimit - 1) << c.get();
  LOCKSTEP_ASSERT(admitted.load() == kLimit - 1) << admitted.load();
}

// ---- maps --------------------------------------------------------------------------

namespace {

using MM = lockstep::models::map;

MM::input_type pick_map(std::uint32_t r) {
  const std::int64_t key = (r >> 4) % 2;
  switch (r % 4) {
    case 0:
      return {MM::op::get, key};
    case 1:
      return {MM::op::put, key, static_cast<std::int64_t>(1 + (r >> 6) % 2)};
    case 2:
      return {MM::op::erase, key};
    default:
      return {MM::op::update, key, 1};
  }
}

template <class Map>
MM::output_type apply_map(Map& m, const MM::input_type& in) {
  switch (in.kind) {
    case MM::op::get:
      return {m.get(in.key).value_or(MM::absent), true};
    case MM::op::put:
      return {0, m.put(in.key, in.value)};
    case MM::op::erase:
      return {0, m.erase(in.key)};
    case MM::op::update:
      return {*m.update(in.key,
                        [&](std::optional<std::int64_t> v) {
                          return std::optional<std::int64_t>(v.value_or(0) + in.value);
                        }),
              true};
  }
  return {};
}

template <class Locking>
using IntMap = lockstep::ConcurrentMap<std::int64_t, std::int64_t, SP, Locking>;

template <class Locking>
void map_histories() {
  histories_linearizable<MM>(
      [] { return std::make_unique<IntMap<Locking>>(2); },
      [](IntMap<Locking>& m, const MM::input_type& in) { return apply_map(m, in); }, pick_map);
}

// Threads increment 16 keys concurrently (update) while one thread takes snapshots: the sum
// over a snapshot never decreases (snapshots are consistent), and the final values are exact.
template <class Locking>
void map_updates_exact_and_snapshots_monotonic() {
  IntMap<Locking> m(4);
  constexpr int kUpdates = kTsan ? 10000 : 100000;
  constexpr int kKeys = 16;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread snapper([&] {
    std::int64_t last = 0;
    while (!done.load()) {
      std::int64_t sum = 0;
      for (const auto& [k, v] : m.snapshot()) sum += v;
      if (sum < last) bad.fetch_add(1);
      last = sum;
    }
  });
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kUpdates; ++i)
        m.update((i + t) % kKeys, [](std::optional<std::int64_t> v) {
          return std::optional<std::int64_t>(v.value_or(0) + 1);
        });
    });
  for (auto& th : ts) th.join();
  done = true;
  snapper.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " decreasing snapshot sums";
  std::int64_t total = 0;
  m.for_each([&](std::int64_t, std::int64_t v) { total += v; });
  LOCKSTEP_ASSERT(total == std::int64_t{kThreads} * kUpdates) << total;
  LOCKSTEP_ASSERT(m.size() == kKeys) << m.size();
  for (int k = 0; k < kKeys; ++k) m.erase(k);
  LOCKSTEP_ASSERT(m.size() == 0) << m.size();
}

}  // namespace

LOCKSTEP_UNIT_TEST(single_lock_map_histories) { map_histories<locking::single_lock>(); }
LOCKSTEP_UNIT_TEST(rw_lock_map_histories) { map_histories<locking::rw_lock>(); }
LOCKSTEP_UNIT_TEST(striped_map_histories) { map_histories<locking::striped<>>(); }
LOCKSTEP_UNIT_TEST(per_key_map_histories) { map_histories<locking::per_key>(); }

LOCKSTEP_UNIT_TEST(single_lock_map_updates_exact) {
  map_updates_exact_and_snapshots_monotonic<locking::single_lock>();
}
LOCKSTEP_UNIT_TEST(rw_lock_map_updates_exact) {
  map_updates_exact_and_snapshots_monotonic<locking::rw_lock>();
}
LOCKSTEP_UNIT_TEST(striped_map_updates_exact) {
  map_updates_exact_and_snapshots_monotonic<locking::striped<>>();
}
LOCKSTEP_UNIT_TEST(per_key_map_updates_exact) {
  map_updates_exact_and_snapshots_monotonic<locking::per_key>();
}

// ---- versioned KV ------------------------------------------------------------------

namespace {

using VM = lockstep::models::versioned_kv;

VM::input_type pick_kv(std::uint32_t r) {
  const std::int64_t key = (r >> 4) % 2;
  const std::int64_t ts = 1 + (r >> 6) % 3;
  if (r % 2) return {VM::op::set, key, static_cast<std::int64_t>(1 + (r >> 9) % 2), ts};
  return {VM::op::get, key, 0, ts};
}

template <class Kv>
VM::output_type apply_kv(Kv& kv, const VM::input_type& in) {
  if (in.kind == VM::op::set) {
    kv.set(in.key, in.value, in.ts);
    return {};
  }
  return {kv.get(in.key, in.ts).value_or(VM::absent)};
}

template <class Kv, class Make>
void kv_histories(Make make) {
  histories_linearizable<VM>(
      make, [](Kv& kv, const VM::input_type& in) { return apply_kv(kv, in); }, pick_kv);
}

template <class Locking>
using IntKv = lockstep::VersionedKv<std::int64_t, std::int64_t, SP, Locking>;

// Each thread writes its own timestamps (t, t + threads, ...) of a shared key and reads back
// at its own latest timestamp: it must see its own write or a later one of another thread
// (timestamps are unique, so a read at ts returns the version written at ts exactly).
template <class Kv>
void kv_readers_see_their_writes(Kv& kv) {
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::int64_t stamp = std::int64_t{i} * kThreads + t;
        kv.set(i % 3, stamp * 10, stamp);
        auto v = kv.get(i % 3, stamp);
        if (!v || *v != stamp * 10) bad.fetch_add(1);
      }
    });
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " reads missed their own version";
}

}  // namespace

LOCKSTEP_UNIT_TEST(single_lock_versioned_kv_histories) {
  kv_histories<IntKv<locking::single_lock>>(
      [] { return std::make_unique<IntKv<locking::single_lock>>(); });
}
LOCKSTEP_UNIT_TEST(rw_lock_versioned_kv_histories) {
  kv_histories<IntKv<locking::rw_lock>>([] { return std::make_unique<IntKv<locking::rw_lock>>(); });
}
LOCKSTEP_UNIT_TEST(per_key_versioned_kv_histories) {
  kv_histories<IntKv<locking::per_key>>([] { return std::make_unique<IntKv<locking::per_key>>(); });
}
LOCKSTEP_UNIT_TEST(executor_versioned_kv_histories) {
  using Ex = lockstep::ExecutorVersionedKv<std::int64_t, std::int64_t>;
  kv_histories<Ex>([] { return std::make_unique<Ex>(); });
}
LOCKSTEP_UNIT_TEST(executor_versioned_kv_reads_own_writes) {
  lockstep::ExecutorVersionedKv<std::int64_t, std::int64_t> kv;
  kv_readers_see_their_writes(kv);
}
LOCKSTEP_UNIT_TEST(per_key_versioned_kv_reads_own_writes) {
  IntKv<locking::per_key> kv;
  kv_readers_see_their_writes(kv);
}
LOCKSTEP_UNIT_TEST(rw_lock_versioned_kv_reads_own_writes) {
  IntKv<locking::rw_lock> kv;
  kv_readers_see_their_writes(kv);
}
