// Contract tests of ConcurrentMap::size() and snapshot() (concurrent_map.hpp): "the number of
// entries at one instant" and "a copy of the whole map at one instant", under every locking
// policy. A writer moves an entry between two keys in different stripes (put the new key,
// then erase the old one): the map holds 1, 2, then 1 entries, never 0, so a size() or
// snapshot() that counts the stripes at different instants can see 0 (either visiting order
// is covered by moving both ways). A size() read concurrently with two inserts never goes
// down. Counts at their boundaries: empty, a key put twice, erasing an absent key, update()
// erasing with nullopt; for_each visits what is there for the whole call. The broken twin
// counts stripe by stripe under separate locks.
#include <lockstep/check.hpp>
#include <lockstep/concurrent_map.hpp>

#include <cstddef>
#include <mutex>
#include <optional>
#include <unordered_map>

using P = lockstep::model_platform;
using lockstep::failure_kind;
namespace ml = lockstep::map_locking;

namespace {

template <class Locking>
using Map = lockstep::ConcurrentMap<int, int, P, Locking>;

// The twin: two stripes (key & 1), each under its own mutex, and a size() that sums them
// one lock at a time — the weakly consistent for_each's instants, not one instant.
class StripeByStripeSize {
 public:
  explicit StripeByStripeSize(std::size_t) {}
  bool put(int k, int v) {
    Stripe& s = stripes_[k & 1];
    std::lock_guard g(s.mu);
    return s.table.ref().insert_or_assign(k, v).second;
  }
  bool erase(int k) {
    Stripe& s = stripes_[k & 1];
    std::lock_guard g(s.mu);
    return s.table.ref().erase(k) == 1;
  }
  std::size_t size() const {
    std::size_t n = 0;
    for (const Stripe& s : stripes_) {
      std::lock_guard g(s.mu);  // BUG: one stripe at a time
      n += s.table.cref().size();
    }
    return n;
  }

 private:
  struct Stripe {
    mutable P::mutex mu;
    P::var<std::unordered_map<int, int>> table;
  };
  Stripe stripes_[2];
};

// The entry moves from key `from` to key `to` (different stripes with 2 stripes) while
// another thread counts.
template <class M>
void size_during_move(int from, int to) {
  M m(2);
  m.put(from, 1);
  P::thread writer([&] {
    m.put(to, 1);
    m.erase(from);
  });
  const std::size_t n = m.size();
  LOCKSTEP_ASSERT(n == 1 || n == 2) << "size() = " << n << ": the map never held that many";
  writer.join();
  LOCKSTEP_ASSERT(m.size() == 1);
}

template <class M>
void size_during_moves() {
  size_during_move<M>(0, 1);
  size_during_move<M>(1, 0);
}

template <class Locking>
void snapshot_during_move(int from, int to) {
  Map<Locking> m(2);
  m.put(from, 1);
  P::thread writer([&] {
    m.put(to, 2);
    m.erase(from);
  });
  const auto snap = m.snapshot();
  LOCKSTEP_ASSERT(!snap.empty() && snap.size() <= 2) << "snapshot of " << snap.size();
  if (snap.size() == 1) {
    const bool before = snap[0] == std::pair<int, int>(from, 1);
    const bool after = snap[0] == std::pair<int, int>(to, 2);
    LOCKSTEP_ASSERT(before || after) << "an entry the map never held alone";
  }
  writer.join();
}

// Two threads insert distinct keys; sizes read in between never go down and end at 2.
template <class Locking>
void size_read_concurrently_is_monotone() {
  Map<Locking> m(2);
  P::thread a([&] { m.put(0, 0); });
  P::thread b([&] { m.put(1, 1); });
  const std::size_t first = m.size();
  const std::size_t second = m.size();
  LOCKSTEP_ASSERT(first <= second && second <= 2) << first << " then " << second;
  a.join();
  b.join();
  LOCKSTEP_ASSERT(m.size() == 2);
}

// Counts at their boundaries, and put/erase's return values that size() must agree with.
template <class Locking>
void size_boundaries() {
  Map<Locking> m(2);
  LOCKSTEP_ASSERT(m.size() == 0) << "a new map is empty";
  LOCKSTEP_ASSERT(!m.erase(7)) << "erased an absent key";
  LOCKSTEP_ASSERT(m.size() == 0);
  LOCKSTEP_ASSERT(m.put(7, 1)) << "first put of a key";
  LOCKSTEP_ASSERT(!m.put(7, 2)) << "second put of the same key inserted";
  LOCKSTEP_ASSERT(m.size() == 1) << "a key put twice counts once";
  LOCKSTEP_ASSERT(m.put(8, 1));
  LOCKSTEP_ASSERT(m.size() == 2);
  m.update(8, [](std::optional<int>) { return std::optional<int>(); });
  LOCKSTEP_ASSERT(m.size() == 1) << "update() to nullopt did not erase";
  LOCKSTEP_ASSERT(m.erase(7));
  LOCKSTEP_ASSERT(m.size() == 0);
  LOCKSTEP_ASSERT(m.snapshot().empty());
}

}  // namespace

LOCKSTEP_TEST(map_size_one_instant_striped) { size_during_moves<Map<ml::striped<>>>(); }
LOCKSTEP_TEST(map_size_one_instant_single_lock) { size_during_moves<Map<ml::single_lock>>(); }
LOCKSTEP_TEST(map_size_one_instant_rw_lock) { size_during_moves<Map<ml::rw_lock>>(); }
LOCKSTEP_TEST(map_size_one_instant_per_key) { size_during_moves<Map<ml::per_key>>(); }
LOCKSTEP_TEST(map_broken_stripe_by_stripe_size_is_caught, {.expect = failure_kind::assertion}) {
  size_during_moves<StripeByStripeSize>();
}

LOCKSTEP_TEST(map_snapshot_one_instant_striped) {
  snapshot_during_move<ml::striped<>>(0, 1);
  snapshot_during_move<ml::striped<>>(1, 0);
}
LOCKSTEP_TEST(map_snapshot_one_instant_per_key) {
  snapshot_during_move<ml::per_key>(0, 1);
  snapshot_during_move<ml::per_key>(1, 0);
}

LOCKSTEP_TEST(map_size_read_concurrently_striped) {
  size_read_concurrently_is_monotone<ml::striped<>>();
}
LOCKSTEP_TEST(map_size_read_concurrently_per_key) {
  size_read_concurrently_is_monotone<ml::per_key>();
}

LOCKSTEP_TEST(map_size_boundaries) {
  size_boundaries<ml::striped<>>();
  size_boundaries<ml::single_lock>();
  size_boundaries<ml::rw_lock>();
  size_boundaries<ml::per_key>();
}

// for_each (weakly consistent): every entry present for the whole call is visited, once;
// one inserted concurrently may or may not be.
template <class Locking>
void for_each_sees_stable_entries() {
  Map<Locking> m(2);
  m.put(0, 10);
  m.put(1, 11);
  P::thread writer([&] { m.put(2, 12); });
  int stable = 0, other = 0;
  m.for_each([&](const int& k, const int& v) {
    LOCKSTEP_ASSERT(v == k + 10) << "a value the map never held";
    (k < 2 ? stable : other) += 1;
  });
  LOCKSTEP_ASSERT(stable == 2 && other <= 1) << stable << " stable entries visited";
  writer.join();
}

LOCKSTEP_TEST(map_for_each_sees_stable_entries) {
  for_each_sees_stable_entries<ml::striped<>>();
  for_each_sees_stable_entries<ml::per_key>();
}

// get() racing put() on the same key, per policy: the value read is the old or the new one
// (and, under the race detector, read under the key's lock).
template <class Locking>
void get_races_put() {
  Map<Locking> m(2);
  m.put(0, 1);
  P::thread writer([&] { m.put(0, 2); });
  const auto v = m.get(0);
  LOCKSTEP_ASSERT(v && (*v == 1 || *v == 2)) << "a value the key never held";
  LOCKSTEP_ASSERT(m.contains(0));
  writer.join();
}

LOCKSTEP_TEST(map_get_races_put) {
  get_races_put<ml::striped<>>();
  get_races_put<ml::rw_lock>();
  get_races_put<ml::per_key>();
}

// per_key: an erase() and a put() of a key that has no value yet, concurrently. Both hold a
// reference to the key's lock-table entry; the entry may be dropped only when the last of
// them leaves without a value (an entry freed under the other would be a use after free).
LOCKSTEP_TEST(map_per_key_entry_outlives_its_users) {
  Map<ml::per_key> m;
  P::thread eraser([&] { (void)m.erase(5); });
  LOCKSTEP_ASSERT(m.put(5, 1));
  eraser.join();
  const std::size_t n = m.size();
  LOCKSTEP_ASSERT(n <= 1 && m.contains(5) == (n == 1));
}
