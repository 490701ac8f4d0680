// Applies one operation of models::counter to any of the counters (counters.hpp); total()
// stands in for get on sharded counters, and counters without add_if_below add instead.
// Shared by the property and stress tests.
#pragma once

#include <lockstep/models/counter.hpp>

template <class C>
lockstep::models::counter::output_type apply_counter(
    C& c, const lockstep::models::counter::input_type& in) {
  using op = lockstep::models::counter::op;
  switch (in.kind) {
    case op::add:
      c.add(in.delta);
      return {};
    case op::add_if_below:
      if constexpr (requires { c.add_if_below(in.delta, in.limit); }) {
        return {0, c.add_if_below(in.delta, in.limit)};
      } else {
        c.add(in.delta);
        return {};
      }
    case op::get:
      if constexpr (requires { c.total(); })
        return {c.total(), true};
      else
        return {c.get(), true};
  }
  return {};
}
