// The linearizability checker as it was before issue 3's tuning (std::unordered_set memo
// keyed by a copied bitset + state, states copied on every step), kept verbatim as the
// same-run peer for bench_lincheck: Porcupine itself (Go) cannot be run here. Also the kv
// model as it was (std::string state), since the tuned one shares its strings.
#pragma once

#include <lockstep/lincheck/lincheck.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace lockstep::bench_baseline {

using lin::options;
using lin::result;
using lin::verdict;

struct kv_string_model {
  using M = models::kv;
  using input_type = M::input_type;
  using output_type = M::output_type;
  using state_type = std::string;
  state_type init() const { return {}; }
  std::optional<state_type> step(const state_type& s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    switch (in.kind) {
      case M::op::get:
        if (!out || out->value == s) return s;
        return std::nullopt;
      case M::op::put:
        return in.value;
      case M::op::append:
        return s + in.value;
    }
    return std::nullopt;
  }
};

struct entry {
  std::size_t op;
  bool is_call;
  entry* match = nullptr;  // call -> its return entry (null for open ops)
  entry* prev = nullptr;
  entry* next = nullptr;
};

template <class M, class H>
result check_part(const M& m, const H& h, const std::vector<std::size_t>& idx, const options& opt) {
  using S = typename M::state_type;
  const std::size_t n = idx.size();
  result res;
  std::size_t closed_total = 0;
  struct ev {
    std::uint64_t t;
    int kind;  // 0 call, 1 return; returns before calls at equal time is wrong: calls first
    std::size_t local;
  };
  std::vector<ev> evs;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& o = h.ops[idx[i]];
    evs.push_back({o.call, 0, i});
    if (!o.open()) {
      evs.push_back({o.ret, 1, i});
      ++closed_total;
    }
  }
  std::sort(evs.begin(), evs.end(),
            [](const ev& a, const ev& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
  std::vector<entry> ents(evs.size() + 1);
  std::vector<entry*> call_of(n, nullptr);
  entry* head = &ents[evs.size()];  // sentinel
  entry* prev = head;
  for (std::size_t k = 0; k < evs.size(); ++k) {
    entry& e = ents[k];
    e.op = evs[k].local;
    e.is_call = evs[k].kind == 0;
    if (e.is_call)
      call_of[e.op] = &e;
    else
      call_of[e.op]->match = &e;
    e.prev = prev;
    prev->next = &e;
    prev = &e;
  }
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t> bits(words, 0);
  struct key {
    std::vector<std::uint64_t> bits;
    S state;
    bool operator==(const key& o) const { return bits == o.bits && state == o.state; }
  };
  struct key_hash {
    std::size_t operator()(const key& k) const {
      std::size_t x = std::hash<S>{}(k.state);
      for (auto w : k.bits) x = (x ^ w) * 0x9E3779B97F4A7C15ull + (x >> 29);
      return x;
    }
  };
  std::unordered_set<key, key_hash> cache;
  struct frame {
    entry* e;
    S old;
  };
  std::vector<frame> stack;
  std::size_t closed_done = 0;
  S state = m.init();
  auto lift = [](entry* e) {
    e->prev->next = e->next;
    if (e->next) e->next->prev = e->prev;
    if (e->match) {
      e->match->prev->next = e->match->next;
      if (e->match->next) e->match->next->prev = e->match->prev;
    }
  };
  auto unlift = [](entry* e) {
    if (e->match) {
      e->match->prev->next = e->match;
      if (e->match->next) e->match->next->prev = e->match;
    }
    e->prev->next = e;
    if (e->next) e->next->prev = e;
  };
  auto snapshot_best = [&] {
    if (stack.size() > res.longest_prefix.size() || (res.longest_prefix.empty() && stack.empty())) {
      res.longest_prefix.clear();
      for (auto& f : stack) res.longest_prefix.push_back(idx[f.e->op]);
    }
  };
  entry* e = head->next;
  while (closed_done < closed_total) {
    if (e == nullptr) {
      // Only open calls remain ahead; backtrack.
      if (stack.empty()) break;
      frame f = std::move(stack.back());
      stack.pop_back();
      state = std::move(f.old);
      bits[f.e->op / 64] &= ~(std::uint64_t{1} << (f.e->op % 64));
      if (f.e->match) --closed_done;
      unlift(f.e);
      e = f.e->next;
      continue;
    }
    if (e->is_call) {
      const auto& o = h.ops[idx[e->op]];
      auto next = m.step(state, o.input, o.output);
      bool advanced = false;
      if (next) {
        bits[e->op / 64] |= std::uint64_t{1} << (e->op % 64);
        key k{bits, *next};
        if (cache.find(k) == cache.end()) {
          if (cache.size() >= opt.max_cache) {
            res.verdict_ = verdict::unknown;
            return res;
          }
          cache.insert(std::move(k));
          stack.push_back({e, std::move(state)});
          state = std::move(*next);
          if (e->match) ++closed_done;
          lift(e);
          snapshot_best();
          e = head->next;
          advanced = true;
        } else {
          bits[e->op / 64] &= ~(std::uint64_t{1} << (e->op % 64));
        }
      }
      if (!advanced) e = e->next;
    } else {
      snapshot_best();
      if (stack.empty()) break;
      frame f = std::move(stack.back());
      stack.pop_back();
      state = std::move(f.old);
      bits[f.e->op / 64] &= ~(std::uint64_t{1} << (f.e->op % 64));
      if (f.e->match) --closed_done;
      unlift(f.e);
      e = f.e->next;
    }
  }
  if (closed_done == closed_total) {
    res.verdict_ = verdict::linearizable;
    for (auto& f : stack) res.order.push_back(idx[f.e->op]);
    res.longest_prefix.clear();
    return res;
  }
  res.verdict_ = verdict::not_linearizable;
  std::vector<bool> in(h.ops.size(), false);
  for (auto i : res.longest_prefix) in[i] = true;
  for (auto i : idx)
    if (!in[i] && !h.ops[i].open()) res.unplaced.push_back(i);
  return res;
}

// Porcupine-style driver: partition (if the history's model partitions), smallest first.
template <class M, class H, class P>
result check(const M& m, const H& h, const P& partitioner) {
  std::vector<std::vector<std::size_t>> parts = partitioner(h);
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.size() < b.size(); });
  result all;
  all.verdict_ = verdict::linearizable;
  for (const auto& p : parts) {
    result r = check_part(m, h, p, options{});
    if (r.verdict_ != verdict::linearizable) return r;
    all.order.insert(all.order.end(), r.order.begin(), r.order.end());
  }
  return all;
}

}  // namespace lockstep::bench_baseline
