// Real-thread linearizability stress (issue 5 verification (2)) of the optimistic versioned
// map, the copy-on-write list and the immutable config on std_platform: fixed contended
// scenarios run many times, every history checked against the sequential model. Builds
// without the model checker, so it also runs in the tsan preset.
#include <lockstep/config.hpp>
#include <lockstep/cow_list.hpp>
#include <lockstep/lincheck/scenario.hpp>
#include <lockstep/models/config.hpp>
#include <lockstep/models/list.hpp>
#include <lockstep/models/versioned_map.hpp>
#include <lockstep/optimistic_map.hpp>
#include <lockstep/test.hpp>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

namespace {

template <class M, class Make, class Apply>
bool stress(const lockstep::lin_scenario<typename M::input_type>& s, Make make, Apply apply) {
  std::string why;
  auto r = lockstep::stress_history<M>(s, make, apply, /*rounds=*/300, &why);
  if (!r.linearizable()) std::cerr << why;
  return r.linearizable();
}

}  // namespace

LOCKSTEP_UNIT_TEST(optimistic_map_stress_histories_are_linearizable) {
  using M = lockstep::models::versioned_map_model;
  using Map = lockstep::OptimisticMap<int, std::int64_t>;
  const M::input_type get{M::op::get, 0}, put1{M::op::put, 0, 0, 1}, upd0{M::op::update, 0, 0, 2},
      upd1{M::op::update, 0, 1, 3}, upd2{M::op::update, 0, 2, 4}, er1{M::op::erase, 0, 1},
      ver{M::op::version, 0};
  lockstep::lin_scenario<M::input_type> s{
      {{upd0, get, upd1, ver}, {put1, upd1, er1, get}, {upd2, get, upd0, put1}}};
  LOCKSTEP_ASSERT(stress<M>(
      s, [] { return std::make_unique<Map>(); },
      [](Map& m, const M::input_type& in) -> M::output_type {
        switch (in.kind) {
          case M::op::get: {
            auto v = m.get(in.key);
            return v ? M::output_type{true, v->value, v->version} : M::output_type{false, 0, 0};
          }
          case M::op::version:
            return {true, 0, m.version(in.key)};
          case M::op::put:
            return {true, 0, m.put(in.key, in.value)};
          case M::op::update: {
            auto r = m.update(in.key, in.expected, in.value);
            return {r.ok, 0, r.version};
          }
          case M::op::erase: {
            auto r = m.erase(in.key, in.expected);
            return {r.ok, 0, r.version};
          }
        }
        return {};
      }));
}

LOCKSTEP_UNIT_TEST(cow_list_stress_histories_are_linearizable) {
  using M = lockstep::models::list_model;
  using List = lockstep::CowList<std::int64_t>;
  const M::input_type p1{M::op::push_back, 1}, p2{M::op::push_back, 2}, r1{M::op::remove, 1},
      snap{M::op::snapshot}, size{M::op::size};
  lockstep::lin_scenario<M::input_type> s{
      {{p1, snap, p2, size}, {p2, r1, snap, p1}, {snap, p1, size, snap}}};
  LOCKSTEP_ASSERT(stress<M>(
      s, [] { return std::make_unique<List>(); },
      [](List& l, const M::input_type& in) -> M::output_type {
        switch (in.kind) {
          case M::op::push_back:
            l.push_back(in.value);
            return {};
          case M::op::remove:
            return {l.remove(in.value), {}};
          case M::op::snapshot:
            return {0, l.snapshot()};
          case M::op::size:
            return {l.size(), {}};
        }
        return {};
      }));
}

LOCKSTEP_UNIT_TEST(config_stress_histories_are_linearizable) {
  using M = lockstep::models::config_model;
  using Cfg = lockstep::Config<std::int64_t>;
  const M::input_type load{M::op::load}, ver{M::op::version}, st{M::op::store, 5},
      add1{M::op::add, 1}, add2{M::op::add, 2};
  lockstep::lin_scenario<M::input_type> s{
      {{add1, load, add2, ver}, {st, add1, load, add1}, {load, add2, ver, load}}};
  LOCKSTEP_ASSERT(stress<M>(
      s, [] { return std::make_unique<Cfg>(0); },
      [](Cfg& c, const M::input_type& in) -> M::output_type {
        switch (in.kind) {
          case M::op::load:
            return {*c.load(), 0};
          case M::op::version:
            return {0, c.version()};
          case M::op::store:
            c.store(in.value);
            return {};
          case M::op::add:
            return {0, c.update([&](std::int64_t& v) { v += in.value; })};
        }
        return {};
      }));
}
