// lockstep/lincheck/lincheck.hpp — linearizability checking against a sequential model.
//
// Guarantees
//   * lin::check(model, history) answers whether the history of completed and open operations
//     has a linearization: a total order respecting real-time order (an operation that returned
//     before another was invoked comes first) that the model accepts. Open operations (no
//     response) may take effect at any point after their invocation, or never.
//   * On success result.order is such an order (indices into history.ops; open operations that
//     never took effect are absent). On failure result.longest_prefix is the longest sequence
//     the search could linearize and result.unplaced the completed operations missing from it.
//   * The search is Wing-Gong/Lowe with memoisation of (linearized set, state), bounded by
//     options.max_cache entries; when the budget is exceeded the verdict is `unknown`.
//
// Usage
//   lin::recorder<models::register_model> rec;
//   auto id = rec.invoke(client, {models::register_model::op::write, 3});
//   rec.respond(id, {});
//   lin::result r = lin::check(models::register_model{}, rec.history());
//   if (r.verdict != lin::verdict::linearizable) std::cerr << lin::describe(r, rec.history());
//
// A model is a value type with state_type (equality-comparable, hashable through
// lin::state_hash), input_type, output_type, init() and
// step(state, input, const std::optional<output_type>&) -> std::optional<state_type>
// (nullopt output: unknown outcome of an open operation). Optionally partition(history)
// returns independent sets of operation indices (e.g. per key), each checked separately.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace lockstep::lin {

template <class M>
concept model = requires(const M& m, const typename M::state_type& s,
                         const typename M::input_type& in,
                         const std::optional<typename M::output_type>& out) {
  { m.init() } -> std::convertible_to<typename M::state_type>;
  { m.step(s, in, out) } -> std::convertible_to<std::optional<typename M::state_type>>;
  { s == s } -> std::convertible_to<bool>;
};

inline constexpr std::uint64_t open_time = std::numeric_limits<std::uint64_t>::max();

// One operation: invoked at `call`, responded at `ret` (open_time and no output when open).
template <class Input, class Output>
struct operation {
  int client = 0;
  Input input;
  std::optional<Output> output;
  std::uint64_t call = 0;
  std::uint64_t ret = open_time;
  bool open() const { return ret == open_time; }
};

template <class M>
struct history {
  std::vector<operation<typename M::input_type, typename M::output_type>> ops;
};

enum class verdict : std::uint8_t { linearizable, not_linearizable, unknown };

struct result {
  verdict verdict_ = verdict::unknown;
  bool linearizable() const { return verdict_ == verdict::linearizable; }
  std::vector<std::size_t> order;           // on success
  std::vector<std::size_t> longest_prefix;  // on failure: longest linearizable sequence found
  std::vector<std::size_t> unplaced;        // on failure: completed ops not in longest_prefix
};

struct options {
  std::size_t max_cache = 1u << 24;  // memo entries per partition; exceeding it -> unknown
};

template <class S>
std::size_t state_hash(const S& s) {
  return std::hash<S>{}(s);
}

// Thread-safe history recorder (also fine in fibers: no scheduling point inside).
template <class M>
class recorder {
 public:
  std::size_t invoke(int client, typename M::input_type in) {
    std::lock_guard<std::mutex> g(mu_);
    h_.ops.push_back({client, std::move(in), std::nullopt, seq_.fetch_add(1), open_time});
    return h_.ops.size() - 1;
  }
  void respond(std::size_t id, typename M::output_type out) {
    std::lock_guard<std::mutex> g(mu_);
    h_.ops[id].output = std::move(out);
    h_.ops[id].ret = seq_.fetch_add(1);
  }
  // A snapshot of the operations so far (open ones included).
  lin::history<M> history() const {
    std::lock_guard<std::mutex> g(mu_);
    return h_;
  }

 private:
  mutable std::mutex mu_;
  std::atomic<std::uint64_t> seq_{0};
  lin::history<M> h_;
};

namespace detail {

struct entry {
  std::size_t op;
  bool is_call;
  entry* match = nullptr;  // call -> its return entry (null for open ops)
  entry* prev = nullptr;
  entry* next = nullptr;
};

template <class M>
result check_part(const M& m, const history<M>& h, const std::vector<std::size_t>& idx,
                  const options& opt) {
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
  std::sort(evs.begin(), evs.end(), [](const ev& a, const ev& b) {
    return a.t != b.t ? a.t < b.t : a.kind < b.kind;
  });
  std::vector<entry> ents(evs.size() + 1);
  std::vector<entry*> call_of(n, nullptr);
  entry* head = &ents[evs.size()];  // sentinel
  entry* prev = head;
  for (std::size_t k = 0; k < evs.size(); ++k) {
    entry& e = ents[k];
    e.op = evs[k].local;
    e.is_call = evs[k].kind == 0;
    if (e.is_call) call_of[e.op] = &e;
    else call_of[e.op]->match = &e;
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
      std::size_t x = state_hash(k.state);
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

}  // namespace detail

template <model M>
result check(const M& m, const history<M>& h, const options& opt = {}) {
  std::vector<std::vector<std::size_t>> parts;
  if constexpr (requires { m.partition(h); }) {
    parts = m.partition(h);
  } else {
    parts.emplace_back(h.ops.size());
    for (std::size_t i = 0; i < h.ops.size(); ++i) parts[0][i] = i;
  }
  // Small partitions first: a violation in any partition decides the verdict, and a small one
  // is refuted cheaply while a large failing one can take exponential time.
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.size() < b.size(); });
  result all;
  all.verdict_ = verdict::linearizable;
  for (const auto& p : parts) {
    result r = detail::check_part(m, h, p, opt);
    if (r.verdict_ != verdict::linearizable) return r;  // report the failing partition
    all.order.insert(all.order.end(), r.order.begin(), r.order.end());
  }
  return all;
}

// Human-readable report of a result (failure messages of the model checker use it).
template <class M>
std::string describe(const result& r, const history<M>& h) {
  std::ostringstream os;
  auto op_line = [&](std::size_t i) {
    const auto& o = h.ops[i];
    os << "  op " << i << " client " << o.client << " [" << o.call << ", ";
    if (o.open()) os << "open";
    else os << o.ret;
    os << "]";
    // Operations print themselves when the model's input/output types are streamable
    // (operator<< found by ADL, e.g. in the model's namespace).
    if constexpr (requires { os << o.input; }) os << "  " << o.input;
    if constexpr (requires { os << *o.output; }) {
      if (o.output) os << " -> " << *o.output;
    }
    os << "\n";
  };
  switch (r.verdict_) {
    case verdict::linearizable:
      os << "linearizable; order:\n";
      for (auto i : r.order) op_line(i);
      break;
    case verdict::unknown:
      os << "unknown: search budget exceeded\n";
      break;
    case verdict::not_linearizable:
      os << "NOT linearizable; longest linearizable prefix (" << r.longest_prefix.size()
         << " ops):\n";
      for (auto i : r.longest_prefix) op_line(i);
      os << "operations that could not be placed (" << r.unplaced.size() << "):\n";
      for (auto i : r.unplaced) op_line(i);
      break;
  }
  return os.str();
}

}  // namespace lockstep::lin
