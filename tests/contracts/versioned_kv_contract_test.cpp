// Contract tests of VersionedKv and ExecutorVersionedKv (versioned_kv.hpp), one per stated
// guarantee, in every variant (single_lock, rw_lock, per_key, striped<2>, the executor):
// get(key, ts) is the latest version at or before ts (ts itself included, nullopt before the
// first), timestamps arrive in any order, a set with an existing (key, ts) overwrites it;
// concurrent sets of one key lose no version and a concurrent get sees a linearizable state;
// per_key: operations on different keys never wait for each other's critical sections;
// rw_lock: gets run in parallel. SC and C11 runs. Broken twins: a copy of the store with its
// lookup bound off by one, one whose set is a read-copy-write instead of an edit under the
// key's lock, one whose set keeps the first value of a (key, ts), and an executor whose get
// bypasses the worker.
#include <lockstep/check.hpp>
#include <lockstep/versioned_kv.hpp>

#include <atomic>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;
namespace locking = lockstep::map_locking;

namespace {

template <class Locking>
using Kv = lockstep::VersionedKv<int, int, P, Locking>;
using ExecKv = lockstep::ExecutorVersionedKv<int, int, P>;

// The mechanisms a twin breaks (one each).
enum class bug {
  none,
  lower_bound,    // get: the first version at or after ts (off by one at ts and between)
  copy_then_put,  // set: copies the key's versions out, edits the copy, puts it back
  keep_first,     // set: an existing (key, ts) keeps its old value
};

// VersionedKv<int, int, P, per_key> (versioned_kv.hpp) with the one change its `B` names.
template <bug B>
class TwinKv {
 public:
  void set(int key, int value, int ts) {
    if constexpr (B == bug::copy_then_put) {
      // BUG: a concurrent set of the same key between the copy and the put is lost.
      auto versions = versions_.get(key).value_or(std::map<int, int>{});
      versions[ts] = value;
      versions_.put(key, std::move(versions));
    } else {
      versions_.compute(key, [&](std::optional<std::map<int, int>>& slot) {
        if (!slot) slot.emplace();
        if constexpr (B == bug::keep_first)
          slot->emplace(ts, value);  // BUG: does not overwrite
        else
          (*slot)[ts] = value;
      });
    }
  }
  std::optional<int> get(int key, int ts) const {
    return versions_.visit(key, [&](const std::map<int, int>* versions) -> std::optional<int> {
      if constexpr (B == bug::lower_bound) {
        if (versions == nullptr) return std::nullopt;
        auto it = versions->lower_bound(ts);  // BUG: upper_bound, then the one before
        if (it == versions->end()) return std::nullopt;
        return it->second;
      } else {
        return lockstep::detail::kv_latest_at(versions, ts);
      }
    });
  }

 private:
  lockstep::ConcurrentMap<int, std::map<int, int>, P, locking::per_key> versions_;
};

// ExecutorVersionedKv<int, int, P> whose get reads the data on the caller's thread: it races
// with the worker's writes.
class BypassingExecKv {
 public:
  void set(int key, int value, int ts) {
    worker_.submit([this, key, value, ts] { data_.ref()[key][ts] = value; }).result();
  }
  std::optional<int> get(int key, int ts) const {
    const auto& d = data_.cref();  // BUG: not through the worker
    auto it = d.find(key);
    return lockstep::detail::kv_latest_at(it == d.end() ? nullptr : &it->second, ts);
  }

 private:
  P::var<std::unordered_map<int, std::map<int, int>>> data_;
  mutable lockstep::ThreadPool<P> worker_{1};
};

// One thread: versions set out of timestamp order; get at, between, before and after them;
// an overwrite at an existing timestamp; keys are independent.
template <class S>
void latest_at_or_before() {
  S kv;
  LOCKSTEP_ASSERT(!kv.get(1, 100)) << "a key never set";
  kv.set(1, 20, 20);
  kv.set(1, 10, 10);  // older, after
  LOCKSTEP_ASSERT(!kv.get(1, 9)) << "before the first version";
  LOCKSTEP_ASSERT(kv.get(1, 10) == 10) << "ts itself is included";
  LOCKSTEP_ASSERT(kv.get(1, 15) == 10) << "between two versions";
  LOCKSTEP_ASSERT(kv.get(1, 20) == 20);
  LOCKSTEP_ASSERT(kv.get(1, 99) == 20) << "after the last version";
  kv.set(1, 11, 10);  // overwrites the version at 10
  LOCKSTEP_ASSERT(kv.get(1, 15) == 11) << "a set at an existing ts overwrites it";
  LOCKSTEP_ASSERT(!kv.get(2, 99)) << "keys are independent";
}

// Two threads set versions 1 and 2 of one key while a third reads at ts 2: the reader sees
// nothing, the version at 1 or the one at 2 (each is a linearization), and afterwards both
// versions are there.
template <class S>
void concurrent_sets_lose_no_version() {
  S kv;
  P::thread a([&] { kv.set(7, 100, 1); });
  P::thread b([&] { kv.set(7, 200, 2); });
  const auto seen = kv.get(7, 2);
  LOCKSTEP_ASSERT(!seen || *seen == 100 || *seen == 200) << "saw " << *seen;
  a.join();
  b.join();
  LOCKSTEP_ASSERT(kv.get(7, 1) == 100) << "the version at 1 was lost";
  LOCKSTEP_ASSERT(kv.get(7, 2) == 200) << "the version at 2 was lost";
}

// A value whose move-assignment (set stores by move, under the key's lock) or copy (get
// returns a copy, under the key's lock) waits for `gate` when its number says so: a critical
// section that waits for another thread's operation.
P::atomic<int>* g_gate = nullptr;
constexpr int kWaitOnStore = -1;
constexpr int kWaitOnCopy = -2;
void wait_gate() {
  while (g_gate->load(std::memory_order_acquire) == 0) g_gate->wait(0, std::memory_order_acquire);
}
struct Gated {
  int v = 0;
  Gated() = default;
  explicit Gated(int x) : v(x) {}
  Gated(const Gated& o) : v(o.v) {
    if (v == kWaitOnCopy) wait_gate();
  }
  Gated(Gated&&) noexcept = default;
  Gated& operator=(const Gated&) = default;
  Gated& operator=(Gated&& o) noexcept {
    v = o.v;
    if (v == kWaitOnStore) wait_gate();
    return *this;
  }
};
void open_gate() {
  g_gate->store(1, std::memory_order_release);
  g_gate->notify_all();
}

// A set of key 1 waits inside its critical section until the main thread has set and read
// key 2: per_key runs them side by side (single_lock would deadlock).
template <class Locking>
void different_keys_never_wait() {
  lockstep::VersionedKv<int, Gated, P, Locking> kv;
  P::atomic<int> gate{0};
  g_gate = &gate;
  P::thread a([&] { kv.set(1, Gated(kWaitOnStore), 1); });
  kv.set(2, Gated(5), 1);
  LOCKSTEP_ASSERT(kv.get(2, 1)->v == 5);
  open_gate();
  a.join();
  LOCKSTEP_ASSERT(kv.get(1, 1)->v == kWaitOnStore);
}

// A get of key 1 waits inside its critical section (copying the value) until the main thread
// has read key 2: rw_lock runs gets in parallel (single_lock would deadlock).
template <class Locking>
void gets_run_in_parallel() {
  lockstep::VersionedKv<int, Gated, P, Locking> kv;
  P::atomic<int> gate{0};
  g_gate = &gate;
  kv.set(1, Gated(kWaitOnCopy), 1);
  kv.set(2, Gated(5), 1);
  P::thread a([&] { LOCKSTEP_ASSERT(kv.get(1, 1)->v == kWaitOnCopy); });
  LOCKSTEP_ASSERT(kv.get(2, 1)->v == 5);
  open_gate();
  a.join();
}

// The executor's tasks are too many schedules for exhaustive search (see
// tests/maps/versioned_kv_property_test.cpp): seeded random executions.
constexpr lockstep::model_test_options kExecutor{.exhaustive = false, .iterations = 300};

}  // namespace

LOCKSTEP_TEST(versioned_kv_latest_at_or_before_single_lock) {
  latest_at_or_before<Kv<locking::single_lock>>();
}
LOCKSTEP_TEST(versioned_kv_latest_at_or_before_rw_lock) {
  latest_at_or_before<Kv<locking::rw_lock>>();
}
LOCKSTEP_TEST(versioned_kv_latest_at_or_before_per_key) {
  latest_at_or_before<Kv<locking::per_key>>();
}
LOCKSTEP_TEST(versioned_kv_latest_at_or_before_striped) {
  latest_at_or_before<Kv<locking::striped<2>>>();
}
LOCKSTEP_TEST(versioned_kv_latest_at_or_before_executor, kExecutor) {
  latest_at_or_before<ExecKv>();
}

LOCKSTEP_TEST(versioned_kv_concurrent_sets_single_lock) {
  concurrent_sets_lose_no_version<Kv<locking::single_lock>>();
}
LOCKSTEP_TEST(versioned_kv_concurrent_sets_rw_lock_c11, {.memory = memory_model::c11}) {
  concurrent_sets_lose_no_version<Kv<locking::rw_lock>>();
}
LOCKSTEP_TEST(versioned_kv_concurrent_sets_per_key) {
  concurrent_sets_lose_no_version<Kv<locking::per_key>>();
}
LOCKSTEP_TEST(versioned_kv_concurrent_sets_per_key_c11, {.memory = memory_model::c11}) {
  concurrent_sets_lose_no_version<Kv<locking::per_key>>();
}
LOCKSTEP_TEST(versioned_kv_concurrent_sets_striped) {
  concurrent_sets_lose_no_version<Kv<locking::striped<2>>>();
}
LOCKSTEP_TEST(versioned_kv_concurrent_sets_executor, kExecutor) {
  concurrent_sets_lose_no_version<ExecKv>();
}

// The single_lock twins: a thread blocked in an atomic wait inside the critical section and one
// blocked on that lock (tests/graph/graph_detectors_model_test.cpp, wait_under_lock, is the
// minimal program).
LOCKSTEP_TEST(versioned_kv_per_key_different_keys_never_wait) {
  different_keys_never_wait<locking::per_key>();
}
LOCKSTEP_TEST(versioned_kv_single_lock_different_keys_wait_is_caught,
              {.expect = failure_kind::deadlock}) {
  different_keys_never_wait<locking::single_lock>();
}
LOCKSTEP_TEST(versioned_kv_rw_lock_gets_run_in_parallel) {
  gets_run_in_parallel<locking::rw_lock>();
}
LOCKSTEP_TEST(versioned_kv_single_lock_gets_in_parallel_is_caught,
              {.expect = failure_kind::deadlock}) {
  gets_run_in_parallel<locking::single_lock>();
}

// The twin copy passes where nothing is broken ...
LOCKSTEP_TEST(versioned_kv_twin_copy_is_faithful) {
  latest_at_or_before<TwinKv<bug::none>>();
  concurrent_sets_lose_no_version<TwinKv<bug::none>>();
}
// ... and each broken one is caught.
LOCKSTEP_TEST(versioned_kv_broken_lower_bound_is_caught, {.expect = failure_kind::assertion}) {
  latest_at_or_before<TwinKv<bug::lower_bound>>();
}
LOCKSTEP_TEST(versioned_kv_broken_copy_then_put_is_caught, {.expect = failure_kind::assertion}) {
  concurrent_sets_lose_no_version<TwinKv<bug::copy_then_put>>();
}
LOCKSTEP_TEST(versioned_kv_broken_keep_first_is_caught, {.expect = failure_kind::assertion}) {
  latest_at_or_before<TwinKv<bug::keep_first>>();
}
LOCKSTEP_TEST(versioned_kv_broken_bypassing_executor_is_caught,
              {.expect = failure_kind::data_race, .exhaustive = false, .iterations = 300}) {
  concurrent_sets_lose_no_version<BypassingExecKv>();
}
