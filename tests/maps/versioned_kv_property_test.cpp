// Linearizability properties of the versioned KV store (lockstep/versioned_kv.hpp) in each
// variant, against models::versioned_kv: rapidcheck scenarios explored by the model checker.
// Broken twin: set() as a copy of the key's versions (get) + a separate write-back (put), so
// a concurrent set on the same key is lost — a later get then misses that version.
#include <lockstep/concurrent_map.hpp>
#include <lockstep/models/versioned_kv.hpp>
#include <lockstep/test.hpp>
#include <lockstep/versioned_kv.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "lin_support.hpp"

namespace {

using M = lockstep::models::versioned_kv;
using P = lockstep::model_platform;
using In = M::input_type;
namespace locking = lockstep::map_locking;

// Mostly one key (lost versions need two sets on the same key), timestamps and values 1..2.
rc::Gen<In> gen_op() {
  return rc::gen::apply(
      [](bool set, int key, int value, int ts) {
        return set ? In{M::op::set, key, value, ts} : In{M::op::get, key, 0, ts};
      },
      rc::gen::arbitrary<bool>(), rc::gen::weightedElement<int>({{3, 0}, {1, 1}}),
      rc::gen::inRange(1, 3), rc::gen::inRange(1, 3));
}

template <class Store>
M::output_type apply(Store& s, const In& in) {
  if (in.kind == M::op::set) {
    s.set(in.key, in.value, in.ts);
    return {};
  }
  return {s.get(in.key, in.ts).value_or(M::absent)};
}

// The twin: each half is atomic, the whole set is not.
class CopyWriteBackKv {
 public:
  void set(std::int64_t key, std::int64_t value, std::int64_t ts) {
    auto versions = m_.get(key).value_or(std::map<std::int64_t, std::int64_t>{});
    versions[ts] = value;
    m_.put(key, std::move(versions));
  }
  std::optional<std::int64_t> get(std::int64_t key, std::int64_t ts) const {
    return m_.visit(key, [&](const std::map<std::int64_t, std::int64_t>* v) {
      return lockstep::detail::kv_latest_at(v, ts);
    });
  }

 private:
  lockstep::ConcurrentMap<std::int64_t, std::map<std::int64_t, std::int64_t>, P, locking::per_key>
      m_;
};

// Twin of ExecutorVersionedKv: set goes through the single worker, but get reads the data on
// the caller's thread, "because reads do not modify anything" — it races with the worker's
// writes (and is not ordered after sets queued before it).
class BypassingExecutorKv {
 public:
  void set(std::int64_t key, std::int64_t value, std::int64_t ts) {
    worker_.submit([this, key, value, ts] { data_.ref()[key][ts] = value; }).result();
  }
  std::optional<std::int64_t> get(std::int64_t key, std::int64_t ts) const {
    const auto& d = data_.cref();
    auto it = d.find(key);
    return lockstep::detail::kv_latest_at(it == d.end() ? nullptr : &it->second, ts);
  }

 private:
  P::var<std::map<std::int64_t, std::map<std::int64_t, std::int64_t>>> data_;
  lockstep::ThreadPool<P> worker_{1};
};

template <class Store>
bool property(const std::string& name) {
  return lockstep::lin_property<M>(
      name, gen_op(), [] { return std::make_unique<Store>(); },
      [](Store& s, const In& in) { return apply(s, in); },
      {.max_threads = 3, .max_ops = 4, .preemption_bound = 2});
}

// The executor variants block on futures while the worker waits on its condition variable,
// with spurious wake-ups and timeouts as checker choices: even two single-operation clients
// have ~1e22 schedules, so exhaustive exploration is out of reach. Same scenarios and
// history check, but each scenario is explored by seeded random executions.
template <class Store>
bool random_property(const std::string& name) {
  return lockstep::lin_property<M>(
      name, gen_op(), [] { return std::make_unique<Store>(); },
      [](Store& s, const In& in) { return apply(s, in); },
      {.max_threads = 3,
       .max_ops = 4,
       .max_steps = 5'000,
       .fallback_iterations = 150,
       .exhaustive = false});
}

template <class Locking>
using Kv = lockstep::VersionedKv<std::int64_t, std::int64_t, P, Locking>;

}  // namespace

LOCKSTEP_UNIT_TEST(single_lock_versioned_kv_is_linearizable) {
  LOCKSTEP_ASSERT(
      (property<Kv<locking::single_lock>>("maps: single-lock versioned KV is linearizable")));
}
LOCKSTEP_UNIT_TEST(rw_lock_versioned_kv_is_linearizable) {
  LOCKSTEP_ASSERT((property<Kv<locking::rw_lock>>("maps: RW-lock versioned KV is linearizable")));
}
LOCKSTEP_UNIT_TEST(per_key_versioned_kv_is_linearizable) {
  LOCKSTEP_ASSERT((property<Kv<locking::per_key>>("maps: per-key versioned KV is linearizable")));
}

LOCKSTEP_UNIT_TEST(executor_versioned_kv_is_linearizable) {
  LOCKSTEP_ASSERT((random_property<lockstep::ExecutorVersionedKv<std::int64_t, std::int64_t, P>>(
      "maps: executor versioned KV is linearizable")));
}

LOCKSTEP_UNIT_TEST(broken_executor_bypassing_get_is_caught) {
  LOCKSTEP_ASSERT(maps_test::caught_within(
      "maps: executor KV with a bypassing get is caught", 10,
      [](const std::string& n) { return random_property<BypassingExecutorKv>(n); }));
}

LOCKSTEP_UNIT_TEST(broken_copy_write_back_set_is_caught) {
  LOCKSTEP_ASSERT(
      maps_test::caught_within("maps: copy+write-back versioned set is caught", 10,
                               [](const std::string& n) { return property<CopyWriteBackKv>(n); }));
}
