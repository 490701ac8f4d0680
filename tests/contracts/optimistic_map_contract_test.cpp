// Contract tests of OptimisticMap (optimistic_map.hpp), one per stated guarantee: versions
// (0 while absent, +1 per successful put / update / erase, returned with the value by get);
// update's check-and-write is one atomic step (two writers with one expected version: exactly
// one wins, the other sees the winner's version), 0 meaning "only if absent"; erase keeps the
// version so a stale writer cannot resurrect the key, and refuses an absent key;
// update_with_retry never loses an increment and reports its attempts and conflicts, which
// conflicts() (read concurrently) counts with erase's; put is unconditional; f runs without the
// lock (a slow f delays nobody else). SC and C11 runs (the map's only atomic is the relaxed
// conflict count). Broken twins: a copy of the map with one line changed per mechanism.
#include <lockstep/check.hpp>
#include <lockstep/optimistic_map.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

using Map = lockstep::OptimisticMap<int, int, P>;

int plus_one(std::optional<int> v) { return v.value_or(0) + 1; }

// The mechanisms a twin breaks (one each).
enum class bug {
  none,
  split_check,      // update: the version check and the write in two critical sections
  erase_resets,     // erase: the version goes back to 0 (the key can be resurrected)
  erase_uncounted,  // erase: a refused erase is not counted in conflicts()
  unlocked_read,    // update_with_retry: reads the entry without the lock
  f_under_lock,     // update_with_retry: runs f while holding the lock
};

// OptimisticMap<int, int, P> (optimistic_map.hpp) with the one change its `B` names; the
// backoff is a yield (its length is not a guarantee).
template <bug B>
class TwinMap {
 public:
  struct update_result {
    bool ok;
    std::uint64_t version;
  };
  std::optional<std::pair<int, std::uint64_t>> get(int key) const {
    std::lock_guard<P::mutex> g(mu_);
    auto it = map_.cref().find(key);
    if (it == map_.cref().end() || !it->second.present) return std::nullopt;
    return std::pair<int, std::uint64_t>{it->second.value, it->second.version};
  }
  std::uint64_t version(int key) const {
    std::lock_guard<P::mutex> g(mu_);
    auto it = map_.cref().find(key);
    return it == map_.cref().end() ? 0 : it->second.version;
  }
  std::uint64_t put(int key, int value) {
    std::lock_guard<P::mutex> g(mu_);
    Entry& e = map_.ref()[key];
    e.value = value;
    e.present = true;
    return ++e.version;
  }
  update_result update(int key, std::uint64_t expected, int value) {
    std::unique_lock<P::mutex> g(mu_);
    auto& m = map_.ref();
    auto it = m.find(key);
    std::uint64_t current = it == m.end() ? 0 : it->second.version;
    if (current != expected) {
      conflicts_.fetch_add(1, std::memory_order_relaxed);
      return {false, current};
    }
    if constexpr (B == bug::split_check) {
      g.unlock();  // BUG: another writer may pass the same check here
      P::this_thread::yield();
      g.lock();
    }
    Entry& e = m[key];
    e.value = value;
    e.present = true;
    return {true, ++e.version};
  }
  update_result erase(int key, std::uint64_t expected) {
    std::lock_guard<P::mutex> g(mu_);
    auto& m = map_.ref();
    auto it = m.find(key);
    std::uint64_t current = it == m.end() ? 0 : it->second.version;
    if (current != expected || it == m.end() || !it->second.present) {
      if constexpr (B != bug::erase_uncounted)  // BUG when it is: the conflict goes uncounted
        conflicts_.fetch_add(1, std::memory_order_relaxed);
      return {false, current};
    }
    it->second.present = false;
    if constexpr (B == bug::erase_resets) {
      it->second.version = 0;  // BUG: "absent" again, so update(key, 0, v) succeeds
      return {true, 0};
    }
    return {true, ++it->second.version};
  }
  template <class F>
  std::pair<std::uint64_t, std::uint32_t> update_with_retry(int key, F&& f) {
    std::uint32_t conflicts = 0;
    for (;;) {
      std::optional<int> old;
      std::uint64_t seen;
      {
        std::unique_lock<P::mutex> g(mu_, std::defer_lock);
        if constexpr (B != bug::unlocked_read) g.lock();  // BUG when it is: reads unlocked
        auto it = map_.cref().find(key);
        seen = it == map_.cref().end() ? 0 : it->second.version;
        if (it != map_.cref().end() && it->second.present) old = it->second.value;
        if constexpr (B == bug::f_under_lock) {
          const int v = f(old);  // BUG: f runs under the map's lock
          g.unlock();
          if (const auto r = update(key, seen, v); r.ok) return {r.version, conflicts};
          ++conflicts;
          P::this_thread::yield();
          continue;
        }
      }
      if (const auto r = update(key, seen, f(old)); r.ok) return {r.version, conflicts};
      ++conflicts;
      P::this_thread::yield();
    }
  }
  std::uint64_t conflicts() const { return conflicts_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    int value = 0;
    std::uint64_t version = 0;
    bool present = false;
  };
  mutable P::mutex mu_;
  P::var<std::unordered_map<int, Entry>> map_;
  P::atomic<std::uint64_t> conflicts_{0};
};

// Versions through one thread's writes: 0 while absent (get empty), +1 per successful put,
// update and erase; refused writes change nothing; the version survives an erase, so an
// "only if absent" update (0) is refused afterwards.
template <class M>
void versions_count_successful_writes() {
  M m;
  LOCKSTEP_ASSERT(m.version(1) == 0 && !m.get(1));
  LOCKSTEP_ASSERT(m.update(1, 0, 10).version == 1) << "insert-if-absent";
  LOCKSTEP_ASSERT(!m.update(1, 0, 11).ok) << "version 0 = only if absent";
  const auto stale = m.update(1, 7, 11);
  LOCKSTEP_ASSERT(!stale.ok && stale.version == 1) << "a conflict returns the current version";
  const auto erased = m.erase(1, 1);
  LOCKSTEP_ASSERT(erased.ok && erased.version == 2) << "erase is a write";
  LOCKSTEP_ASSERT(!m.get(1) && m.version(1) == 2) << "the version survives the erase";
  LOCKSTEP_ASSERT(!m.update(1, 0, 12).ok) << "a stale writer resurrected the key";
  const auto again = m.erase(1, 2);
  LOCKSTEP_ASSERT(!again.ok && again.version == 2) << "erase of an absent key";
  const auto never = m.erase(9, 0);
  LOCKSTEP_ASSERT(!never.ok && never.version == 0) << "erase of a never-written key (version 0)";
  LOCKSTEP_ASSERT(m.update(1, 2, 13).version == 3);
  LOCKSTEP_ASSERT(m.get(1)->first == 13);
  LOCKSTEP_ASSERT(m.put(1, 14) == 4 && m.get(1)->first == 14) << "put is a write";
  LOCKSTEP_ASSERT(m.put(2, 1) == 1) << "put of a new key";
  LOCKSTEP_ASSERT(m.conflicts() == 5) << m.conflicts() << " conflicts, 5 refused";
}

// The public API's get() returns versioned{value, version}; the twins' a pair. One adaptor.
struct RealMap {
  Map m;
  std::optional<std::pair<int, std::uint64_t>> get(int k) const {
    auto v = m.get(k);
    if (!v) return std::nullopt;
    return std::pair<int, std::uint64_t>{v->value, v->version};
  }
  std::uint64_t version(int k) const { return m.version(k); }
  std::uint64_t put(int k, int v) { return m.put(k, v); }
  Map::update_result update(int k, std::uint64_t e, int v) { return m.update(k, e, v); }
  Map::update_result erase(int k, std::uint64_t e) { return m.erase(k, e); }
  // {the version created, the conflicts seen}; the attempts are the conflicts + 1.
  template <class F>
  std::pair<std::uint64_t, std::uint32_t> update_with_retry(int k, F&& f) {
    const auto r = m.update_with_retry(k, f);
    LOCKSTEP_ASSERT(r.attempts == r.conflicts + 1) << r.attempts << " attempts, " << r.conflicts;
    return {r.version, r.conflicts};
  }
  std::uint64_t conflicts() const { return m.conflicts(); }
};

// Two writers with the same expected version: exactly one wins and creates version 2, the
// other gets a conflict naming version 2; a reader sees a value and version of one write.
template <class M>
void one_of_two_updates_wins() {
  M m;
  m.update(5, 0, 10);
  std::optional<bool> a_ok;
  P::thread a([&] {
    const auto r = m.update(5, 1, 11);
    a_ok = r.ok;
    LOCKSTEP_ASSERT(r.version == 2) << "winner or conflict: version 2, got " << r.version;
  });
  P::thread reader([&] {
    const auto v = m.get(5);
    LOCKSTEP_ASSERT(v && ((v->second == 1 && v->first == 10) ||
                          (v->second == 2 && (v->first == 11 || v->first == 12))))
        << "value and version of different writes";
    const std::uint64_t ver = m.version(5);
    LOCKSTEP_ASSERT(ver >= v->second && ver <= 2) << "version " << ver;
  });
  const auto r = m.update(5, 1, 12);
  LOCKSTEP_ASSERT(r.version == 2) << "winner or conflict: version 2, got " << r.version;
  a.join();
  reader.join();
  LOCKSTEP_ASSERT(*a_ok != r.ok) << "exactly one writer with version 1 must win";
  LOCKSTEP_ASSERT(m.get(5)->first == (r.ok ? 12 : 11));
  LOCKSTEP_ASSERT(m.conflicts() == 1);
}

// Two update_with_retry increments: none lost, and the conflicts they report are exactly the
// map's count, also read concurrently (never more than the final count).
template <class M>
void retries_lose_no_increment() {
  M m;
  std::pair<std::uint64_t, std::uint32_t> r1;
  P::thread a([&] { r1 = m.update_with_retry(1, plus_one); });
  const std::uint64_t during = m.conflicts();
  const auto r2 = m.update_with_retry(1, plus_one);
  a.join();
  const auto v = m.get(1);
  LOCKSTEP_ASSERT(v && v->first == 2 && v->second == 2) << "lost increment";
  LOCKSTEP_ASSERT(r1.first + r2.first == 3) << "each returns the version it created (1 and 2)";
  LOCKSTEP_ASSERT(m.conflicts() == std::uint64_t{r1.second} + r2.second)
      << "conflicts() vs reported";
  LOCKSTEP_ASSERT(during <= m.conflicts());
}

// f runs without the map's lock: an f that waits for another thread's get() (which needs
// the lock) finishes.
template <class M>
void f_runs_unlocked() {
  M m;
  P::atomic<int> got{0};
  P::thread reader([&] {
    (void)m.version(1);
    got.store(1, std::memory_order_release);
    got.notify_one();
  });
  m.update_with_retry(1, [&](std::optional<int> v) {
    while (got.load(std::memory_order_acquire) == 0) got.wait(0, std::memory_order_acquire);
    return v.value_or(0) + 1;
  });
  reader.join();
  LOCKSTEP_ASSERT(m.get(1)->first == 1);
}

// Two threads each erase with the version they read: one erase wins, the other is a counted
// conflict (or finds the key absent).
template <class M>
void racing_erases_are_counted() {
  M m;
  m.update(3, 0, 1);
  P::thread a([&] { m.erase(3, 1); });
  m.erase(3, 1);
  a.join();
  LOCKSTEP_ASSERT(!m.get(3) && m.version(3) == 2);
  LOCKSTEP_ASSERT(m.conflicts() == 1) << m.conflicts() << " conflicts after two erases";
}

// put is unconditional: racing an "only if absent" update, both orders leave version 2 or
// a refused update, never a lost version.
template <class M>
void put_races_update() {
  M m;
  std::uint64_t put_version = 0;
  P::thread a([&] { put_version = m.put(4, 5); });
  const auto r = m.update(4, 0, 7);
  a.join();
  const auto v = m.get(4);
  if (r.ok) {
    LOCKSTEP_ASSERT(r.version == 1 && put_version == 2 && v->first == 5 && v->second == 2);
  } else {
    LOCKSTEP_ASSERT(r.version == 1 && put_version == 1 && v->first == 5 && v->second == 1);
    LOCKSTEP_ASSERT(m.conflicts() == 1);
  }
}

}  // namespace

LOCKSTEP_TEST(optimistic_map_versions_count_successful_writes) {
  versions_count_successful_writes<RealMap>();
}
LOCKSTEP_TEST(optimistic_map_one_of_two_updates_wins) { one_of_two_updates_wins<RealMap>(); }
LOCKSTEP_TEST(optimistic_map_one_of_two_updates_wins_c11, {.memory = memory_model::c11}) {
  one_of_two_updates_wins<RealMap>();
}
LOCKSTEP_TEST(optimistic_map_retries_lose_no_increment) { retries_lose_no_increment<RealMap>(); }
LOCKSTEP_TEST(optimistic_map_retries_lose_no_increment_c11, {.memory = memory_model::c11}) {
  retries_lose_no_increment<RealMap>();
}
LOCKSTEP_TEST(optimistic_map_put_races_update) { put_races_update<RealMap>(); }
LOCKSTEP_TEST(optimistic_map_f_runs_unlocked) { f_runs_unlocked<RealMap>(); }
LOCKSTEP_TEST(optimistic_map_racing_erases_are_counted) { racing_erases_are_counted<RealMap>(); }
LOCKSTEP_TEST(optimistic_map_racing_erases_are_counted_c11, {.memory = memory_model::c11}) {
  racing_erases_are_counted<RealMap>();
}

// The twins pass where their mechanism is not involved (the copy is faithful) ...
LOCKSTEP_TEST(optimistic_map_twin_copy_is_faithful) {
  versions_count_successful_writes<TwinMap<bug::none>>();
  one_of_two_updates_wins<TwinMap<bug::none>>();
}
// ... and each broken one is caught.
LOCKSTEP_TEST(optimistic_map_broken_split_check_is_caught, {.expect = failure_kind::assertion}) {
  one_of_two_updates_wins<TwinMap<bug::split_check>>();
}
LOCKSTEP_TEST(optimistic_map_broken_erase_resets_version_is_caught,
              {.expect = failure_kind::assertion}) {
  versions_count_successful_writes<TwinMap<bug::erase_resets>>();
}
LOCKSTEP_TEST(optimistic_map_broken_uncounted_erase_conflict_is_caught,
              {.expect = failure_kind::assertion}) {
  racing_erases_are_counted<TwinMap<bug::erase_uncounted>>();
}
LOCKSTEP_TEST(optimistic_map_broken_unlocked_read_is_caught, {.expect = failure_kind::data_race}) {
  retries_lose_no_increment<TwinMap<bug::unlocked_read>>();
}
LOCKSTEP_TEST(optimistic_map_broken_f_under_lock_is_caught, {.expect = failure_kind::deadlock}) {
  f_runs_unlocked<TwinMap<bug::f_under_lock>>();
}
