// lockstep/lincheck/generate.hpp — random register and kv histories from a seed, for
// benchmarks and tests of lin::check at scale.
//
// Guarantees
//   * Deterministic: the same generate_options give the same history (std::mt19937_64; no
//     clock, no global state).
//   * Each client runs its operations one after another; every operation takes effect at a
//     random point inside its [call, return] interval, in one global sequential execution of
//     the model that produces the outputs. So with bad = false the history is linearizable
//     (that execution is a witness), whatever the seed.
//   * crash = p: each operation's client crashes with probability p before the response: the
//     operation stays open (it took effect or not, at random) and the client continues under
//     a fresh client id, as Jepsen does with a crashed process.
//   * bad = true: one completed read (get) in the middle of the history returns a value no
//     operation ever wrote, so the history is not linearizable; everything else is as above.
//   * Register: reads, writes and cas over values [0, values); kv: get/put/append over keys
//     [0, keys) with Porcupine-style appended values ("x CLIENT SEQ y"), so kv states grow.
//
// Usage
//   lin::generate_options g;
//   g.ops = 100'000; g.clients = 5; g.seed = 7;
//   auto h = lin::generate_register(g);           // lin::history<models::register_model>
//   g.keys = 1000;
//   auto kv = lin::generate_kv(g);                // lin::history<models::kv>
#pragma once

#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/kv.hpp>
#include <lockstep/models/register.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace lockstep::lin {

struct generate_options {
  std::size_t ops = 1000;
  unsigned clients = 5;
  std::size_t keys = 1;     // kv only
  std::int64_t values = 5;  // register only: values written are in [0, values)
  double crash = 0;         // probability that an operation stays open
  bool bad = false;         // plant one impossible read
  std::uint64_t seed = 1;
};

namespace gen_detail {

// Timing of one operation: call < effect < return on a time line where calls are 3t,
// effects 3t+1 and returns 3t+2 (no ties between kinds).
struct slot {
  int client;
  std::uint64_t call, effect, ret;  // ret = open_time when crashed
  bool takes_effect = true;         // false: a crashed op that never happened
};

inline std::vector<slot> timeline(const generate_options& g, std::mt19937_64& rng) {
  const unsigned clients = std::max(1u, g.clients);
  std::vector<std::uint64_t> now(clients, 0);  // next free time unit per client lane
  std::vector<int> id(clients);
  for (unsigned c = 0; c < clients; ++c) id[c] = static_cast<int>(c);
  int next_id = static_cast<int>(clients);
  std::vector<slot> out;
  out.reserve(g.ops);
  std::bernoulli_distribution crash(std::clamp(g.crash, 0.0, 1.0));
  for (std::size_t i = 0; i < g.ops; ++i) {
    // The lane that is free earliest issues the next operation (ties: lowest lane).
    const auto c = static_cast<unsigned>(std::min_element(now.begin(), now.end()) - now.begin());
    const std::uint64_t start = now[c] + rng() % 3;
    const std::uint64_t len = 1 + rng() % (2 * clients);
    const std::uint64_t at = start + rng() % (len + 1);
    slot s{id[c], 3 * start, 3 * at + 1, 3 * (start + len) + 2, true};
    if (crash(rng)) {
      s.ret = open_time;
      s.takes_effect = rng() % 2 == 0;
      id[c] = next_id++;
    }
    now[c] = start + len + 1;
    out.push_back(s);
  }
  return out;
}

// Indices of `slots` in effect order (the global sequential execution).
inline std::vector<std::size_t> effect_order(const std::vector<slot>& slots) {
  std::vector<std::size_t> order(slots.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return slots[a].effect < slots[b].effect; });
  return order;
}

}  // namespace gen_detail

inline history<models::register_model> generate_register(const generate_options& g) {
  using R = models::register_model;
  std::mt19937_64 rng(g.seed);
  const auto slots = gen_detail::timeline(g, rng);
  history<R> h;
  h.ops.resize(slots.size());
  const std::int64_t values = std::max<std::int64_t>(1, g.values);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    auto& o = h.ops[i];
    o.client = slots[i].client;
    o.call = slots[i].call;
    o.ret = slots[i].ret;
    const auto r = rng() % 10;
    const auto v = [&] { return static_cast<std::int64_t>(rng() % values); };
    if (r < 5)
      o.input = {R::op::read};
    else if (r < 8)
      o.input = {R::op::write, v()};
    else
      o.input = {R::op::cas, v(), v()};
  }
  std::int64_t state = R::nil;
  for (const std::size_t i : gen_detail::effect_order(slots)) {
    auto& o = h.ops[i];
    R::output_type out{};
    if (!slots[i].takes_effect) continue;
    switch (o.input.kind) {
      case R::op::read:
        out.value = state;
        break;
      case R::op::write:
        state = o.input.arg1;
        break;
      case R::op::cas:
        out.ok = state == o.input.arg1;
        if (out.ok) state = o.input.arg2;
        break;
    }
    if (!o.open()) o.output = out;
  }
  if (g.bad) {
    for (std::size_t k = 0; k < h.ops.size(); ++k) {
      auto& o = h.ops[(h.ops.size() / 2 + k) % h.ops.size()];
      if (o.input.kind == R::op::read && !o.open()) {
        o.output->value = values + 1;  // never written
        break;
      }
    }
  }
  return h;
}

inline history<models::kv> generate_kv(const generate_options& g) {
  using K = models::kv;
  std::mt19937_64 rng(g.seed);
  const auto slots = gen_detail::timeline(g, rng);
  history<K> h;
  h.ops.resize(slots.size());
  const std::size_t keys = std::max<std::size_t>(1, g.keys);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    auto& o = h.ops[i];
    o.client = slots[i].client;
    o.call = slots[i].call;
    o.ret = slots[i].ret;
    const auto r = rng() % 10;
    const std::string key = std::to_string(rng() % keys);
    const std::string val = "x " + std::to_string(o.client) + " " + std::to_string(i) + " y";
    if (r < 5)
      o.input = {K::op::get, key, ""};
    else if (r < 7)
      o.input = {K::op::put, key, val};
    else
      o.input = {K::op::append, key, val};
  }
  std::vector<std::string> state(keys);
  for (const std::size_t i : gen_detail::effect_order(slots)) {
    auto& o = h.ops[i];
    if (!slots[i].takes_effect) continue;
    std::string& s = state[std::stoul(o.input.key)];
    K::output_type out{};
    switch (o.input.kind) {
      case K::op::get:
        out.value = s;
        break;
      case K::op::put:
        s = o.input.value;
        break;
      case K::op::append:
        s += o.input.value;
        break;
    }
    if (!o.open()) o.output = out;
  }
  if (g.bad) {
    for (std::size_t k = 0; k < h.ops.size(); ++k) {
      auto& o = h.ops[(h.ops.size() / 2 + k) % h.ops.size()];
      if (o.input.kind == K::op::get && !o.open()) {
        o.output->value = "never written";
        break;
      }
    }
  }
  return h;
}

}  // namespace lockstep::lin
