// lockstep/lincheck/scenario.hpp — operation scenarios (per-thread operation lists), run on
// real threads with every operation's invocation and response recorded, and the history
// checked for linearizability. Needs no model checker, so stress tests built with it also run
// in the tsan preset; lockstep/lin_scenario.hpp adds rapidcheck generation and exploration of
// the same scenarios under the checker.
//
// Usage
//   lockstep::lin_scenario<M::input_type> s{{{put(1), get()}, {put(2), try_get()}}};
//   std::string why;
//   auto r = lockstep::stress_history<M>(s, [] { return std::make_unique<Queue<int>>(); },
//                                        apply, /*rounds=*/200, &why);
//   if (!r.linearizable()) fail(why);
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lockstep/lincheck/lincheck.hpp"

namespace lockstep {

// Per-thread lists of operations.
template <class Input>
struct lin_scenario {
  std::vector<std::vector<Input>> threads;
};

namespace detail {

// Runs scenario `s` against container `c`, one Thread per scenario thread, recording invoke/
// respond around each operation; returns the history after all threads have joined.
template <class M, class Thread, class Container, class Apply>
lin::history<M> run_scenario(const lin_scenario<typename M::input_type>& s, Container& c,
                             const Apply& apply) {
  lin::recorder<M> rec;
  std::vector<Thread> ts;
  for (std::size_t t = 0; t < s.threads.size(); ++t) {
    ts.emplace_back([&, t] {
      for (const auto& in : s.threads[t]) {
        auto id = rec.invoke(static_cast<int>(t), in);
        rec.respond(id, apply(c, in));
      }
    });
  }
  for (auto& th : ts) th.join();
  return rec.history();
}

}  // namespace detail

// Real-thread stress: runs `s` on std::threads (the container must be built on
// std_platform by `factory`), `rounds` times, and returns the first non-linearizable
// result (with its description in *why), or a linearizable one.
template <class M, class Factory, class Apply>
lin::result stress_history(const lin_scenario<typename M::input_type>& s, Factory factory,
                           Apply apply, int rounds = 100, std::string* why = nullptr) {
  lin::result last;
  for (int round = 0; round < rounds; ++round) {
    auto c = factory();
    auto h = detail::run_scenario<M, std::thread>(s, *c, apply);
    last = lin::check(M{}, h);
    if (!last.linearizable()) {
      if (why) *why = lin::describe(last, h);
      return last;
    }
  }
  return last;
}

}  // namespace lockstep
