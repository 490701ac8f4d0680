// LOCKSTEP_TEST_BOTH_ENGINES(name, options): one model-test body registered twice, as `name`
// (the options as given, with engine::dpor: the interleaving engine) and `name_graph` (the
// same options with engine::graph, the default), so every std-surface facility is explored
// by both engines.
#pragma once

#include <lockstep/check.hpp>

namespace lockstep_test {

inline lockstep::model_test_options on_graph(lockstep::model_test_options o) {
  o.engine = lockstep::engine::graph;
  return o;
}
inline lockstep::model_test_options on_dpor(lockstep::model_test_options o) {
  o.engine = lockstep::engine::dpor;
  return o;
}

}  // namespace lockstep_test

#define LOCKSTEP_TEST_BOTH_ENGINES(name, ...)                                                    \
  static void LOCKSTEP_CONCAT(both_engines_body_, name)();                                       \
  LOCKSTEP_TEST(name, ::lockstep_test::on_dpor(::lockstep::detail::make_options(__VA_ARGS__))) { \
    LOCKSTEP_CONCAT(both_engines_body_, name)();                                                 \
  }                                                                                              \
  LOCKSTEP_TEST(name##_graph,                                                                    \
                ::lockstep_test::on_graph(::lockstep::detail::make_options(__VA_ARGS__))) {      \
    LOCKSTEP_CONCAT(both_engines_body_, name)();                                                 \
  }                                                                                              \
  static void LOCKSTEP_CONCAT(both_engines_body_, name)()
