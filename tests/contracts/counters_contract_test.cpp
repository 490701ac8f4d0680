// Contract tests of the counters (counters.hpp): no add is lost under any of the three;
// add_if_below(d, limit) adds only if the result stays below `limit`, at the exact boundary,
// and two threads racing for the last step below the limit cannot both pass; ShardedCounter's
// total() is the value at one instant (a unit moved between two shards is never counted
// twice or not at all) while adds run. Broken twin: a sharded counter that sums shard by
// shard under separate locks.
#include <lockstep/check.hpp>
#include <lockstep/counters.hpp>

#include <cstdint>
#include <mutex>
#include <string>

#include "../support/cross_check.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

// Two shards, summed one lock at a time (the header's "would not be linearizable").
class ShardByShardCounter {
 public:
  explicit ShardByShardCounter(std::size_t) {}
  void add(std::int64_t d) {
    Shard& s = shards_[P::this_thread::get_id().value & 1];
    std::lock_guard g(s.mu);
    s.value += d;
  }
  std::int64_t total() const {
    std::int64_t sum = 0;
    for (const Shard& s : shards_) {
      std::lock_guard g(s.mu);  // BUG: one shard at a time
      sum += s.value.get();
    }
    return sum;
  }

 private:
  struct Shard {
    mutable P::mutex mu;
    P::var<std::int64_t> value{0};
  };
  Shard shards_[2];
};

template <class C>
void no_lost_adds() {
  C c;
  P::thread t([&] { c.add(1); });
  c.add(2);
  t.join();
  if constexpr (requires { c.total(); })
    LOCKSTEP_ASSERT(c.total() == 3);
  else
    LOCKSTEP_ASSERT(c.get() == 3);
}

template <class C>
void add_if_below_boundaries() {
  C c;
  LOCKSTEP_ASSERT(!c.add_if_below(1, 1)) << "0 + 1 is not below 1";
  LOCKSTEP_ASSERT(c.add_if_below(1, 2)) << "0 + 1 is below 2";
  LOCKSTEP_ASSERT(!c.add_if_below(1, 2)) << "1 + 1 is not below 2";
  LOCKSTEP_ASSERT(c.add_if_below(-5, -3)) << "1 - 5 is below -3";
  LOCKSTEP_ASSERT(c.get() == -4);
}

// Two threads race for the one step left below the limit: exactly one gets it.
template <class C>
void add_if_below_race() {
  C c;
  P::atomic<int> passed{0};
  auto body = [&] {
    if (c.add_if_below(1, 2)) passed.fetch_add(1);
  };
  P::thread t(body);
  body();
  t.join();
  LOCKSTEP_ASSERT(passed.load() == 1 && c.get() == 1) << passed.load() << " passed the limit";
}

// A unit moves from shard 0 to shard 1: thread 2 (shard 0) adds 1, then thread 1 (shard 1)
// adds -1. The counter holds 0, 1, 0; a total() at one instant sees 0 or 1, never -1.
template <class C>
void total_is_one_instant() {
  C c(2);
  P::atomic<int> added{0};
  P::thread t1([&] {
    while (added.load() == 0) added.wait(0);
    c.add(-1);
  });
  P::thread t2([&] {
    c.add(1);
    added.store(1);
    added.notify_one();
  });
  const std::int64_t seen = c.total();
  LOCKSTEP_ASSERT(seen == 0 || seen == 1) << "total() = " << seen << ": never the value";
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(c.total() == 0);
}

}  // namespace

LOCKSTEP_TEST(counters_locked_no_lost_adds) { no_lost_adds<lockstep::LockedCounter<P>>(); }
LOCKSTEP_TEST(counters_sharded_no_lost_adds) { no_lost_adds<lockstep::ShardedCounter<P>>(); }
LOCKSTEP_TEST(counters_atomic_no_lost_adds_c11, {.memory = memory_model::c11}) {
  no_lost_adds<lockstep::AtomicCounter<P>>();
}

LOCKSTEP_TEST(counters_add_if_below_boundaries) {
  add_if_below_boundaries<lockstep::LockedCounter<P>>();
  add_if_below_boundaries<lockstep::AtomicCounter<P>>();
}
LOCKSTEP_TEST(counters_locked_add_if_below_race) {
  add_if_below_race<lockstep::LockedCounter<P>>();
}
LOCKSTEP_TEST(counters_atomic_add_if_below_race_c11, {.memory = memory_model::c11}) {
  add_if_below_race<lockstep::AtomicCounter<P>>();
}

LOCKSTEP_TEST(counters_sharded_total_is_one_instant) {
  total_is_one_instant<lockstep::ShardedCounter<P>>();
}
LOCKSTEP_TEST(counters_broken_shard_by_shard_total_is_caught, {.expect = failure_kind::assertion}) {
  total_is_one_instant<ShardByShardCounter>();
}

// shards() is the requested count rounded up to a power of two (at least 1).
LOCKSTEP_TEST(counters_sharded_shard_count) {
  LOCKSTEP_ASSERT(lockstep::ShardedCounter<P>(1).shards() == 1);
  LOCKSTEP_ASSERT(lockstep::ShardedCounter<P>(3).shards() == 4);
  LOCKSTEP_ASSERT(lockstep::ShardedCounter<P>(4).shards() == 4);
  LOCKSTEP_ASSERT(lockstep::ShardedCounter<P>().shards() >= 1);
}

// Loop pruning on AtomicCounter's CAS loops (the graph engine cuts their failed retries: the
// same-line CAS retry rule, the loops are not marked with P::loop_head): the cut search finds
// exactly the outcomes of the search without loop pruning (which of two racing add_if_below
// calls passes, what each add landed on), under both models, with fewer complete executions.
LOCKSTEP_UNIT_TEST(counters_atomic_pruned_retries_lose_no_outcome) {
  for (memory_model m : {memory_model::sequential, memory_model::c11})
    lockstep_test::cross_check_pruning(
        "atomic counter race",
        [](std::string& out) {
          lockstep::AtomicCounter<P> c;
          bool passed[2] = {false, false};
          std::int64_t before[2] = {0, 0};
          P::thread t([&] {
            passed[1] = c.add_if_below(1, 2);
            before[1] = c.get();
            c.add(2);
          });
          passed[0] = c.add_if_below(1, 2);
          before[0] = c.get();
          c.add(3);
          t.join();
          LOCKSTEP_ASSERT(passed[0] != passed[1] && c.get() == 6);
          out = std::to_string(passed[0]) + std::to_string(before[0]) + std::to_string(before[1]);
        },
        m);
}
