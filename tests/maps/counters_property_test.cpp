// Linearizability properties of the counters (lockstep/counters.hpp) against models::counter:
// rapidcheck scenarios explored by the model checker. Each counter has a broken twin that
// the same property must catch.
#include <lockstep/counters.hpp>
#include <lockstep/models/counter.hpp>
#include <lockstep/test.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "lin_support.hpp"

#include "counter_apply.hpp"

namespace {

using M = lockstep::models::counter;
using P = lockstep::model_platform;
using In = M::input_type;

// Distinct deltas, so a torn or lost update produces a value no linearization explains.
rc::Gen<In> gen_add_get() {
  return rc::gen::element(In{M::op::add, 1}, In{M::op::add, 2}, In{M::op::get});
}
rc::Gen<In> gen_with_limit() {
  return rc::gen::element(In{M::op::add, 1}, In{M::op::add, 2}, In{M::op::get},
                          In{M::op::add_if_below, 1, 2}, In{M::op::add_if_below, 2, 3});
}

template <class C>
bool property(const std::string& name, rc::Gen<In> gen, int threads, C* (*make)(), int ops = 4) {
  return lockstep::lin_property<M>(
      name, gen, [make] { return std::unique_ptr<C>(make()); },
      [](C& c, const In& in) { return apply_counter(c, in); },
      {.max_threads = threads, .max_ops = ops, .preemption_bound = 2});
}

// ---- broken twins ------------------------------------------------------------------

// Twin of AtomicCounter: add and add_if_below as a load and a separate store (no CAS), so
// two concurrent adds can both read the same old value and one of them is lost.
class LoadStoreCounter {
 public:
  void add(std::int64_t d) { v_.store(v_.load() + d); }
  bool add_if_below(std::int64_t d, std::int64_t limit) {
    std::int64_t cur = v_.load();
    if (cur + d >= limit) return false;
    v_.store(cur + d);
    return true;
  }
  std::int64_t get() const { return v_.load(); }

 private:
  P::atomic<std::int64_t> v_{0};
};

// Twin of ShardedCounter: per-thread shards, but total() reads the shards one after another,
// each under its own lock only — a sum that never existed at any instant can come out (an add
// to an already-read shard is missed while a later add to an unread shard is counted).
class TornShardedCounter {
 public:
  void add(std::int64_t d) {
    shards_[static_cast<std::size_t>(P::this_thread::get_id().value) % kShards].add(d);
  }
  std::int64_t total() const {
    std::int64_t sum = 0;
    for (const auto& s : shards_) sum += s.get();
    return sum;
  }

 private:
  static constexpr std::size_t kShards = 4;
  lockstep::LockedCounter<P> shards_[kShards];
};

}  // namespace

LOCKSTEP_UNIT_TEST(locked_counter_is_linearizable) {
  LOCKSTEP_ASSERT(
      property<lockstep::LockedCounter<P>>("maps: LockedCounter is linearizable", gen_with_limit(),
                                           3, [] { return new lockstep::LockedCounter<P>(); }));
}

LOCKSTEP_UNIT_TEST(sharded_counter_total_is_linearizable) {
  LOCKSTEP_ASSERT(property<lockstep::ShardedCounter<P>>(
      "maps: ShardedCounter total is linearizable", gen_add_get(), 3,
      [] { return new lockstep::ShardedCounter<P>(2); }));
}

LOCKSTEP_UNIT_TEST(atomic_counter_is_linearizable) {
  LOCKSTEP_ASSERT(
      property<lockstep::AtomicCounter<P>>("maps: AtomicCounter is linearizable", gen_with_limit(),
                                           3, [] { return new lockstep::AtomicCounter<P>(); }));
}

LOCKSTEP_UNIT_TEST(broken_load_store_counter_is_caught) {
  LOCKSTEP_ASSERT(maps_test::caught_within(
      "maps: load+store counter is caught", 10, [](const std::string& name) {
        return property<LoadStoreCounter>(name, gen_with_limit(), 2,
                                          [] { return new LoadStoreCounter(); });
      }));
}

LOCKSTEP_UNIT_TEST(broken_torn_sharded_total_is_caught) {
  LOCKSTEP_ASSERT(maps_test::caught_within(
      "maps: torn sharded total is caught", 10, [](const std::string& name) {
        return property<TornShardedCounter>(name, gen_add_get(), 3,
                                            [] { return new TornShardedCounter(); });
      }));
}
