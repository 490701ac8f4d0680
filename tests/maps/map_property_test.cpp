// Linearizability properties of ConcurrentMap (lockstep/concurrent_map.hpp) under each locking
// policy, against models::map: rapidcheck scenarios explored by the model checker. The broken
// twin of each policy implements update() as a get followed by a separate put — the lost
// update the atomic update() exists to prevent — and the same property must catch it.
#include <lockstep/concurrent_map.hpp>
#include <lockstep/models/map.hpp>
#include <lockstep/test.hpp>

#include <cstdint>
#include <memory>
#include <optional>

#include "lin_support.hpp"

namespace {

using M = lockstep::models::map;
using P = lockstep::model_platform;
using In = M::input_type;
namespace locking = lockstep::map_locking;

// Two keys (one stripe each with striped<2>), two values: collisions on a key are frequent.
rc::Gen<In> gen_op() {
  return rc::gen::apply(
      [](int kind, int key, int value) {
        return In{static_cast<M::op>(kind), key,
                  kind == static_cast<int>(M::op::update) ? 1 : value};
      },
      rc::gen::inRange(0, 4), rc::gen::inRange(0, 2), rc::gen::inRange(1, 3));
}

template <class Locking, bool BrokenUpdate>
struct subject {
  lockstep::ConcurrentMap<std::int64_t, std::int64_t, P, Locking> m{2};

  M::output_type apply(const In& in) {
    const auto add = [&](std::optional<std::int64_t> old) {
      return std::optional<std::int64_t>(old.value_or(0) + in.value);
    };
    switch (in.kind) {
      case M::op::get:
        return {m.get(in.key).value_or(M::absent), true};
      case M::op::put:
        return {0, m.put(in.key, in.value)};
      case M::op::erase:
        return {0, m.erase(in.key)};
      case M::op::update:
        if constexpr (BrokenUpdate) {
          // Read and write under two separate lock acquisitions: a concurrent write between
          // them is overwritten.
          auto next = add(m.get(in.key));
          m.put(in.key, *next);
          return {*next, true};
        } else {
          return {*m.update(in.key, add), true};
        }
    }
    return {};
  }
};

template <class Locking, bool Broken>
bool property(const std::string& name) {
  using S = subject<Locking, Broken>;
  return lockstep::lin_property<M>(
      name, gen_op(), [] { return std::make_unique<S>(); },
      [](S& s, const In& in) { return s.apply(in); },
      {.max_threads = 3, .max_ops = 4, .preemption_bound = 2});
}

template <class Locking>
bool twin_caught(const std::string& name) {
  return maps_test::caught_within(name, 10,
                                  [](const std::string& n) { return property<Locking, true>(n); });
}

}  // namespace

LOCKSTEP_UNIT_TEST(single_lock_map_is_linearizable) {
  LOCKSTEP_ASSERT((property<locking::single_lock, false>("maps: single-lock map is linearizable")));
}
LOCKSTEP_UNIT_TEST(rw_lock_map_is_linearizable) {
  LOCKSTEP_ASSERT((property<locking::rw_lock, false>("maps: RW-lock map is linearizable")));
}
LOCKSTEP_UNIT_TEST(striped_map_is_linearizable) {
  LOCKSTEP_ASSERT((property<locking::striped<>, false>("maps: striped map is linearizable")));
}
LOCKSTEP_UNIT_TEST(per_key_map_is_linearizable) {
  LOCKSTEP_ASSERT((property<locking::per_key, false>("maps: per-key map is linearizable")));
}

LOCKSTEP_UNIT_TEST(broken_single_lock_update_is_caught) {
  LOCKSTEP_ASSERT(twin_caught<locking::single_lock>("maps: single-lock get+put update is caught"));
}
LOCKSTEP_UNIT_TEST(broken_rw_lock_update_is_caught) {
  LOCKSTEP_ASSERT(twin_caught<locking::rw_lock>("maps: RW-lock get+put update is caught"));
}
LOCKSTEP_UNIT_TEST(broken_striped_update_is_caught) {
  LOCKSTEP_ASSERT(twin_caught<locking::striped<>>("maps: striped get+put update is caught"));
}
LOCKSTEP_UNIT_TEST(broken_per_key_update_is_caught) {
  LOCKSTEP_ASSERT(twin_caught<locking::per_key>("maps: per-key get+put update is caught"));
}
