// Model tests of OptimisticMap under the checker: optimistic increments are never lost,
// conflicts are reported exactly, stale versions are refused; the twin whose version check
// and write are separate critical sections loses an update and is caught.
#include <lockstep/check.hpp>
#include <lockstep/optimistic_map.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

int plus_one(std::optional<int> v) { return v.value_or(0) + 1; }

// Broken twin: update() checks the version in one critical section and writes in another.
// Two writers that read version 0 both pass the check, and one increment is lost.
class CheckThenWriteMap {
 public:
  bool update(int key, std::uint64_t expected, int value) {
    {
      std::lock_guard<P::mutex> g(mu_);
      auto it = map_.cref().find(key);
      std::uint64_t cur = it == map_.cref().end() ? 0 : it->second.second;
      if (cur != expected) return false;
    }
    std::lock_guard<P::mutex> g(mu_);  // BUG: the version may have moved since the check
    auto& e = map_.ref()[key];
    e.first = value;
    ++e.second;
    return true;
  }
  std::pair<int, std::uint64_t> get(int key) {
    std::lock_guard<P::mutex> g(mu_);
    auto it = map_.cref().find(key);
    return it == map_.cref().end() ? std::pair<int, std::uint64_t>{0, 0} : it->second;
  }
  void increment(int key) {
    for (;;) {
      auto [v, ver] = get(key);
      if (update(key, ver, v + 1)) return;
      P::this_thread::yield();
    }
  }

 private:
  P::mutex mu_;
  P::var<std::unordered_map<int, std::pair<int, std::uint64_t>>> map_;
};

}  // namespace

LOCKSTEP_TEST(optimistic_map_no_lost_increment) {
  lockstep::OptimisticMap<int, int, P> m;
  std::uint32_t c1 = 0, c2 = 0;
  P::thread a([&] { c1 = m.update_with_retry(1, plus_one).conflicts; });
  P::thread b([&] { c2 = m.update_with_retry(1, plus_one).conflicts; });
  a.join();
  b.join();
  auto v = m.get(1);
  LOCKSTEP_ASSERT(v && v->value == 2) << "lost update: " << (v ? v->value : -1);
  LOCKSTEP_ASSERT(v->version == 2) << "version " << v->version;
  LOCKSTEP_ASSERT(m.conflicts() == std::uint64_t{c1} + c2)
      << "conflict count " << m.conflicts() << " vs reported " << c1 + c2;
}

LOCKSTEP_TEST(optimistic_map_stale_version_conflicts, {.preemption_bound = 3}) {
  lockstep::OptimisticMap<int, int, P> m;
  m.put(5, 10);  // version 1
  bool a_ok = false, b_ok = false;
  P::thread a([&] { a_ok = m.update(5, 1, 11).ok; });
  P::thread b([&] { b_ok = m.update(5, 1, 12).ok; });
  P::thread c([&] {
    auto v = m.get(5);
    LOCKSTEP_ASSERT(v.has_value());
    // Value and version come from the same write.
    LOCKSTEP_ASSERT((v->version == 1 && v->value == 10) ||
                    (v->version == 2 && (v->value == 11 || v->value == 12)))
        << "mismatched value " << v->value << " version " << v->version;
  });
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(a_ok != b_ok) << "exactly one writer with version 1 must win";
  LOCKSTEP_ASSERT(m.conflicts() == 1);
  LOCKSTEP_ASSERT(m.get(5)->value == (a_ok ? 11 : 12));
}

LOCKSTEP_TEST(broken_optimistic_map_check_then_write_loses_update,
              {.expect = failure_kind::assertion}) {
  CheckThenWriteMap m;
  P::thread a([&] { m.increment(1); });
  P::thread b([&] { m.increment(1); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(m.get(1).first == 2) << "lost update: " << m.get(1).first;
}
