// Unit tests of the generic sequential models models::set and models::lru_cache: each model
// accepts a hand-written linearizable history (with a witness order that replays) and rejects
// a non-linearizable one, plus the state equality/hashing the checker's memo relies on.
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/lru_cache.hpp>
#include <lockstep/models/set.hpp>
#include <lockstep/test.hpp>

#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

using namespace lockstep;

namespace {

using S = models::set;
using L = models::lru_cache<2>;

}  // namespace

LOCKSTEP_UNIT_TEST(set_model_steps) {
  const S m;
  auto s = m.init();
  auto step = [&](S::op k, int x, bool res) { return m.step(s, {k, x}, S::output_type{res}); };
  LOCKSTEP_ASSERT(!step(S::op::contains, 3, true));
  LOCKSTEP_ASSERT(!step(S::op::erase, 3, true));
  s = *step(S::op::insert, 3, true);
  LOCKSTEP_ASSERT(!step(S::op::insert, 3, true));  // already present
  LOCKSTEP_ASSERT(*step(S::op::insert, 3, false) == s);
  LOCKSTEP_ASSERT(*step(S::op::contains, 3, true) == s);
  LOCKSTEP_ASSERT(*step(S::op::erase, 3, true) == m.init());
  // Open operations take the effect the state dictates.
  LOCKSTEP_ASSERT(*m.step(m.init(), {S::op::insert, 63}, std::nullopt) == (S::state_type{1} << 63));
  LOCKSTEP_ASSERT(!m.step(m.init(), {S::op::insert, 64}, std::nullopt));  // outside the universe
  LOCKSTEP_ASSERT(!m.step(m.init(), {S::op::insert, -1}, std::nullopt));
  std::ostringstream os;
  os << S::input_type{S::op::erase, 5};
  LOCKSTEP_ASSERT(os.str() == "erase(5)") << os.str();
}

LOCKSTEP_UNIT_TEST(set_model_accepts_and_rejects) {
  using Hs = lin::history<S>;
  // Client 0 inserts 1 while client 1 checks for it (either answer is fine while they overlap),
  // then client 1 erases it; client 2's insert(2) overlaps a contains(2) that saw it.
  Hs good{{{0, {S::op::insert, 1}, S::output_type{true}, 0, 10},
           {1, {S::op::contains, 1}, S::output_type{false}, 1, 2},
           {1, {S::op::contains, 1}, S::output_type{true}, 3, 4},
           {1, {S::op::erase, 1}, S::output_type{true}, 11, 12},
           {2, {S::op::insert, 2}, S::output_type{true}, 5, 20},
           {0, {S::op::contains, 2}, S::output_type{true}, 13, 14},
           {0, {S::op::contains, 1}, S::output_type{false}, 15, 16}}};
  auto r = lin::check(S{}, good);
  LOCKSTEP_ASSERT(r.linearizable()) << lin::describe(r, good);
  // Checked per element; the elements' orders are merged into one real-time witness.
  LOCKSTEP_ASSERT(S{}.partition(good).size() == 2);
  LOCKSTEP_ASSERT(lin::valid_linearization(S{}, good, r.order));
  // Same, but contains(1) after the erase returned still sees 1: not linearizable.
  Hs bad = good;
  bad.ops[6].output = S::output_type{true};
  r = lin::check(S{}, bad);
  LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::not_linearizable);
  LOCKSTEP_ASSERT(r.unplaced == std::vector<std::size_t>{6}) << lin::describe(r, bad);
  // Two successful erases of one insert: one of them must have failed.
  Hs twice{{{0, {S::op::insert, 4}, S::output_type{true}, 0, 1},
            {1, {S::op::erase, 4}, S::output_type{true}, 2, 5},
            {2, {S::op::erase, 4}, S::output_type{true}, 3, 6}}};
  LOCKSTEP_ASSERT(!lin::check(S{}, twice).linearizable());
  twice.ops[2].output = S::output_type{false};
  LOCKSTEP_ASSERT(lin::check(S{}, twice).linearizable());
}

LOCKSTEP_UNIT_TEST(partitioned_witness_respects_real_time_across_partitions) {
  // Element 2's partition is the smaller one and is checked first, but its operation ran
  // between two of element 1's: a concatenation of the partitions' orders would put it before
  // insert(1), which returned before it began.
  lin::history<S> h{{{0, {S::op::insert, 1}, S::output_type{true}, 0, 1},
                     {1, {S::op::insert, 2}, S::output_type{true}, 2, 3},
                     {0, {S::op::contains, 1}, S::output_type{true}, 4, 5}}};
  auto r = lin::check(S{}, h);
  LOCKSTEP_ASSERT(r.linearizable());
  LOCKSTEP_ASSERT((r.order == std::vector<std::size_t>{0, 1, 2})) << r.order.size();
  LOCKSTEP_ASSERT(lin::valid_linearization(S{}, h, r.order));
  LOCKSTEP_ASSERT(!lin::valid_linearization(S{}, h, {1, 0, 2}));  // real time broken
}

LOCKSTEP_UNIT_TEST(lru_model_steps_evict_least_recently_used) {
  const L m;
  auto s = m.init();
  auto put = [&](int k, int v, bool evicted) {
    auto n = m.step(s, L::put(k, v), L::output_type{std::nullopt, evicted});
    LOCKSTEP_ASSERT(n.has_value()) << L::describe(L::put(k, v)) << " evicted=" << evicted;
    s = *n;
  };
  auto get = [&](int k, std::optional<int> v) { return m.step(s, L::get(k), L::output_type{v}); };
  put(1, 10, false);
  put(2, 20, false);
  LOCKSTEP_ASSERT(!m.step(s, L::put(3, 30), L::output_type{std::nullopt, false}));  // must evict
  s = *get(1, 10);  // 1 is now most recent; 2 is LRU
  LOCKSTEP_ASSERT(!get(1, 11) && !get(1, std::nullopt) && !get(3, 30));
  put(3, 30, true);  // evicts 2
  LOCKSTEP_ASSERT(get(2, std::nullopt) && !get(2, 20));
  LOCKSTEP_ASSERT(get(1, 10) && get(3, 30));
  put(3, 31, false);  // overwrite: no eviction
  LOCKSTEP_ASSERT(get(3, 31));
  // The state includes recency: same entries in another order are a different state.
  L::state_type a{{{1, 10}, {3, 31}}}, b{{{3, 31}, {1, 10}}};
  LOCKSTEP_ASSERT(s == b && !(a == b));
  LOCKSTEP_ASSERT(std::hash<L::state_type>{}(a) != std::hash<L::state_type>{}(b));
  LOCKSTEP_ASSERT(L::describe(L::get(2), L::output_type{}) == "get(2) -> miss");
  LOCKSTEP_ASSERT(L::describe(L::put(1, 7), L::output_type{std::nullopt, true}) ==
                  "put(1,7) evicted");
}

LOCKSTEP_UNIT_TEST(lru_model_accepts_and_rejects) {
  using Hl = lin::history<L>;
  auto out = [](std::optional<int> v, bool ev = false) { return L::output_type{v, ev}; };
  // put(1), put(2), then client 1's get(1) overlaps client 0's put(3). If get(1) goes first,
  // put(3) evicts 2, and the later get(2) misses: linearizable only in that order.
  Hl good{{{0, L::put(1, 10), out(std::nullopt), 0, 1},
           {0, L::put(2, 20), out(std::nullopt), 2, 3},
           {1, L::get(1), out(10), 4, 8},
           {0, L::put(3, 30), out(std::nullopt, true), 5, 7},
           {1, L::get(2), out(std::nullopt), 9, 10},
           {0, L::get(1), out(10), 11, 12}}};
  auto r = lin::check(L{}, good);
  LOCKSTEP_ASSERT(r.linearizable()) << lin::describe(r, good);
  LOCKSTEP_ASSERT(lin::valid_linearization(L{}, good, r.order));
  // A hit on 2 afterwards: whichever of get(1) / put(3) went first, put(3) evicted 1 or 2,
  // and both get(1) and get(2) hit.
  Hl bad = good;
  bad.ops[4].output = out(20);
  r = lin::check(L{}, bad);
  LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::not_linearizable) << lin::describe(r, bad);
  LOCKSTEP_ASSERT(!r.unplaced.empty());
  // An open put may or may not have taken effect; a later miss is fine, but a hit on a value
  // nobody wrote is not.
  Hl open{{{0, L::put(1, 10), std::nullopt, 0, lin::open_time},
           {1, L::get(1), out(std::nullopt), 1, 2},
           {1, L::get(1), out(10), 3, 4}}};
  LOCKSTEP_ASSERT(lin::check(L{}, open).linearizable());
  open.ops[2].output = out(11);
  LOCKSTEP_ASSERT(!lin::check(L{}, open).linearizable());
}
