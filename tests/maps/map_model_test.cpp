// Hand-written model tests of what the per-key linearizability properties cannot express:
// ConcurrentMap::snapshot() is consistent ACROSS keys. A writer puts key 0 and then key 1;
// a snapshot that contains key 1 must contain key 0. The broken twin uses for_each (weakly
// consistent by contract: stripe by stripe) as if it were a snapshot, and is caught.
#include <lockstep/check.hpp>
#include <lockstep/concurrent_map.hpp>

#include <cstdint>
#include <map>

using P = lockstep::model_platform;
namespace locking = lockstep::map_locking;

namespace {

template <class Locking, bool UseForEach>
void writer_order_visible_in_snapshot() {
  // Two stripes for striped<>: std::hash<int> is the identity, so key k is in stripe k % 2.
  lockstep::ConcurrentMap<int, int, P, Locking> m(2);
  P::thread writer([&] {
    m.put(0, 1);
    m.put(1, 1);
  });
  std::map<int, int> seen;
  if constexpr (UseForEach) {
    m.for_each([&](int k, int v) { seen[k] = v; });
  } else {
    for (const auto& [k, v] : m.snapshot()) seen[k] = v;
  }
  writer.join();
  LOCKSTEP_ASSERT(!seen.count(1) || seen.count(0)) << "saw key 1 without the earlier key 0";
}

}  // namespace

LOCKSTEP_TEST(single_lock_snapshot_is_consistent) {
  writer_order_visible_in_snapshot<locking::single_lock, false>();
}
LOCKSTEP_TEST(rw_lock_snapshot_is_consistent) {
  writer_order_visible_in_snapshot<locking::rw_lock, false>();
}
LOCKSTEP_TEST(striped_snapshot_is_consistent) {
  writer_order_visible_in_snapshot<locking::striped<>, false>();
}
LOCKSTEP_TEST(per_key_snapshot_is_consistent) {
  writer_order_visible_in_snapshot<locking::per_key, false>();
}
LOCKSTEP_TEST(broken_striped_for_each_as_snapshot_is_caught,
              {.expect = lockstep::failure_kind::assertion}) {
  writer_order_visible_in_snapshot<locking::striped<>, true>();
}
