// lockstep/lincheck/lincheck.hpp — linearizability checking against a sequential model.
//
// Guarantees
//   * lin::check(model, history) answers whether the history of completed and open operations
//     has a linearization: a total order respecting real-time order (an operation that returned
//     before another was invoked comes first) that the model accepts. Open operations (no
//     response) may take effect at any point after their invocation, or never.
//   * On success result.order is such an order (indices into history.ops; open operations that
//     never took effect are absent; for a partitioned model the partitions' orders merged in
//     real-time order, each partition's subsequence replaying from its own initial state). On
//     failure result.longest_prefix is the longest sequence the search could linearize and
//     result.unplaced the completed operations missing from it.
//   * The search is Wing-Gong/Lowe with memoisation of (linearized set, state), bounded by
//     options.max_cache entries per partition; when the budget is exceeded the verdict is
//     `unknown`. Memory is O(max_cache) per partition: memo entries, distinct states (at most
//     one per memo entry) and a fixed-size transition cache.
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
// step must be a pure function of its arguments (the checker caches its results).
//
// Hashing states: the checker calls state_hash(state) unqualified. The default,
// lin::state_hash, uses std::hash<state_type>; to customise, either specialise std::hash for
// the state type or declare `std::size_t state_hash(const your_state&)` in the state type's
// namespace (found by argument-dependent lookup). A state is hashed only when a model step
// (not answered by the step cache) changes it, never per memo probe; a state that is
// expensive to copy or hash should share its representation (see models::kv_value).
//
// How the search is made fast (all exact: no verdict depends on a hash value)
//   * Distinct states are interned to 32-bit ids; the search stack and the memo hold ids.
//   * Memo keys (bitset, state id) live in one open-addressing table; the bitset's hash is
//     kept incrementally (XOR of a random key per linearized operation), so a probe is O(1)
//     hashing plus one key comparison.
//   * Model steps are cached per (state id, operation) in a small direct-mapped table.
//   * An open operation that would leave the state unchanged is not linearized: it constrains
//     no other operation, so skipping it loses no linearization (it halves the etcd search).
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <queue>
#include <sstream>
#include <string>
#include <utility>
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

// splitmix64 finaliser: spreads small integers (state ids, op indices) over all 64 bits.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Lowe's entry list: the call and return entries of a partition in real-time order, doubly
// linked between a head and a tail sentinel. Linearizing an operation lifts its call entry
// (and its return entry, if it has one) out of the list; backtracking puts them back.
struct entry {
  std::uint32_t op = 0;    // partition-local operation index
  bool is_call = false;    // the tail sentinel is not a call: reaching it means "backtrack"
  entry* match = nullptr;  // call -> its return entry (null for open operations)
  entry* prev = nullptr;
  entry* next = nullptr;
};

inline void unlink(entry* e) {
  e->prev->next = e->next;
  e->next->prev = e->prev;
}
inline void relink(entry* e) {
  e->prev->next = e;
  e->next->prev = e;
}
// Lift/unlift are exact inverses (unlift relinks in reverse order of lift), which is what
// makes the dancing-links restore correct without saving anything but the entry pointer.
inline void lift(entry* e) {
  unlink(e);
  if (e->match) unlink(e->match);
}
inline void unlift(entry* e) {
  if (e->match) relink(e->match);
  relink(e);
}

// Interned states: each distinct state is stored once and the search works on 32-bit ids, so
// the memo key is (bitset, id) and comparing two memo keys never compares two states.
// Hashing goes through an unqualified state_hash call, i.e. lin::state_hash (std::hash) or an
// overload found by argument-dependent lookup in the state type's namespace.
template <class S>
class state_table {
 public:
  state_table() : slots_(64) {}
  const S& operator[](std::uint32_t id) const { return states_[id]; }
  std::size_t size() const { return states_.size(); }
  std::uint32_t intern(S&& s) {
    const std::uint64_t h = mix64(static_cast<std::uint64_t>(state_hash(s)));
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask; slots_[i].id != 0; i = (i + 1) & mask)
      if (slots_[i].tag == tag && states_[slots_[i].id - 1] == s) return slots_[i].id - 1;
    const auto id = static_cast<std::uint32_t>(states_.size());
    states_.push_back(std::move(s));
    hashes_.push_back(h);
    if (2 * states_.size() > slots_.size()) {
      slots_.assign(slots_.size() * 2, slot{});
      mask = slots_.size() - 1;
      for (std::uint32_t k = 0; k < states_.size(); ++k) place(k, mask);
    } else {
      place(id, mask);
    }
    return id;
  }

 private:
  // The hash's upper half as a tag: a probe that meets another state rarely touches it.
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t id = 0;  // state id + 1; 0 = empty
  };
  void place(std::uint32_t id, std::size_t mask) {
    std::size_t i = hashes_[id] & mask;
    while (slots_[i].id != 0) i = (i + 1) & mask;
    slots_[i] = {static_cast<std::uint32_t>(hashes_[id] >> 32), id + 1};
  }
  std::vector<S> states_;
  std::vector<std::uint64_t> hashes_;  // only for rehashing on growth
  std::vector<slot> slots_;
};

// Memoised transitions: (state id, op) -> next state id or `rejected`. The search applies the
// same operation to the same state many times (once per bitset it reaches that state with);
// on a hit a step is a table lookup instead of a model call plus hashing of a state.
// Direct-mapped and of fixed size (a colliding insert overwrites): it stays in the CPU's L2
// cache, where a lookup is cheaper than even a trivial model step; a larger table would miss
// the caches, and models with many distinct states (kv values grown by appends) would pay a
// cache miss per step for little reuse. It is a cache: a miss never changes a verdict.
class transition_cache {
 public:
  static constexpr std::uint32_t rejected = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t missing = rejected - 1;
  // About 16 slots per operation, at most 2^13 (128 KiB): small histories (one per execution
  // in lin_scenario) do not pay for a large table.
  explicit transition_cache(std::size_t ops) : slots_(std::size_t{1} << table_bits(ops)) {}
  std::uint32_t find(std::uint32_t state, std::uint32_t op) const {
    const std::uint64_t k = key(state, op);
    const slot& s = slots_[index(k)];
    return s.key == k ? s.next : missing;
  }
  void insert(std::uint32_t state, std::uint32_t op, std::uint32_t next) {
    const std::uint64_t k = key(state, op);
    slots_[index(k)] = {k, next};
  }

 private:
  struct slot {
    std::uint64_t key = ~std::uint64_t{0};  // no real key: state ids are below 2^31
    std::uint32_t next = 0;
  };
  static std::uint64_t key(std::uint32_t state, std::uint32_t op) {
    return (std::uint64_t{state} << 32) | op;
  }
  static unsigned table_bits(std::size_t ops) {
    unsigned b = 6;
    while (b < 13 && (std::size_t{1} << b) < 16 * ops) ++b;
    return b;
  }
  std::size_t index(std::uint64_t k) const { return mix64(k) & (slots_.size() - 1); }
  std::vector<slot> slots_;
};

// The memo: configurations (set of linearized operations, state id) already explored.
// Open addressing with linear probing; keys live in one arena (`stride` words each: the
// bitset, then the state id), slots hold a 32-bit hash tag and the key's index, so a probe
// that misses touches only the slot array. The caller supplies the hash, which it maintains
// incrementally (XOR of per-operation random keys), so hashing is O(1) per probe.
class memo_set {
 public:
  enum class outcome { inserted, present, full };
  memo_set(std::size_t stride, std::size_t limit) : stride_(stride), limit_(limit), slots_(256) {}
  std::size_t size() const { return hashes_.size(); }
  outcome insert(const std::uint64_t* k, std::uint64_t h) {
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = h & mask;
    for (; slots_[i].index != 0; i = (i + 1) & mask) {
      if (slots_[i].tag == tag && same(k, keys_.data() + (slots_[i].index - 1) * stride_))
        return outcome::present;
    }
    if (hashes_.size() >= limit_) return outcome::full;
    keys_.insert(keys_.end(), k, k + stride_);
    hashes_.push_back(h);
    slots_[i] = {tag, static_cast<std::uint32_t>(hashes_.size())};
    if (2 * hashes_.size() > slots_.size()) grow();
    return outcome::inserted;
  }

 private:
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t index = 0;  // key index + 1; 0 = empty
  };
  // A plain loop: keys are a few words, too short for a memcmp call to pay off.
  bool same(const std::uint64_t* a, const std::uint64_t* b) const {
    for (std::size_t w = 0; w < stride_; ++w)
      if (a[w] != b[w]) return false;
    return true;
  }
  void grow() {
    slots_.assign(slots_.size() * 2, slot{});
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t k = 0; k < hashes_.size(); ++k) {
      std::size_t i = hashes_[k] & mask;
      while (slots_[i].index != 0) i = (i + 1) & mask;
      slots_[i] = {static_cast<std::uint32_t>(hashes_[k] >> 32), static_cast<std::uint32_t>(k + 1)};
    }
  }
  std::size_t stride_;
  std::size_t limit_;
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> hashes_;
  std::vector<slot> slots_;
};

template <class M>
result check_part(const M& m, const history<M>& h, const std::vector<std::size_t>& idx,
                  const options& opt) {
  using S = typename M::state_type;
  const std::size_t n = idx.size();
  result res;
  // Operation and state ids are 32-bit; a partition this large could never be searched anyway.
  constexpr std::size_t id_limit = std::numeric_limits<std::uint32_t>::max() / 2;
  if (n >= id_limit) return res;  // unknown
  const std::size_t max_cache = std::min(opt.max_cache, id_limit);

  // Entry list in real-time order; calls before returns at equal timestamps.
  std::size_t closed_total = 0;
  struct ev {
    std::uint64_t t;
    int kind;  // 0 call, 1 return
    std::uint32_t local;
  };
  std::vector<ev> evs;
  evs.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& o = h.ops[idx[i]];
    evs.push_back({o.call, 0, static_cast<std::uint32_t>(i)});
    if (!o.open()) {
      evs.push_back({o.ret, 1, static_cast<std::uint32_t>(i)});
      ++closed_total;
    }
  }
  std::sort(evs.begin(), evs.end(),
            [](const ev& a, const ev& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
  std::vector<entry> ents(evs.size() + 2);
  std::vector<entry*> call_of(n, nullptr);
  entry* head = &ents[evs.size()];
  entry* tail = &ents[evs.size() + 1];
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
  prev->next = tail;
  tail->prev = prev;

  // Per-operation random keys: the bitset's hash is the XOR of the keys of its members.
  std::vector<std::uint64_t> zobrist(n);
  for (std::size_t i = 0; i < n; ++i) zobrist[i] = mix64(0x5851F42D4C957F2Dull * (i + 1));
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t> key(words + 1, 0);  // bitset words, then the state id
  std::uint64_t bits_hash = 0;

  state_table<S> states;
  transition_cache transitions(n);
  memo_set memo(words + 1, max_cache);
  std::uint32_t cur = states.intern(m.init());

  struct frame {
    entry* e;
    std::uint32_t old_state;
  };
  std::vector<frame> stack;
  std::size_t closed_done = 0;
  std::size_t synced = 0;  // stack[0, synced) equals res.longest_prefix[0, synced)
  entry* e = head->next;

  auto flip = [&](std::uint32_t op) {
    key[op / 64] ^= std::uint64_t{1} << (op % 64);
    bits_hash ^= zobrist[op];
  };
  // Undo the most recent linearization and resume the scan after its call entry.
  auto backtrack = [&] {
    const frame f = stack.back();
    stack.pop_back();
    synced = std::min(synced, stack.size());
    cur = f.old_state;
    flip(f.e->op);
    if (f.e->match) --closed_done;
    unlift(f.e);
    e = f.e->next;
  };
  auto step = [&](std::uint32_t s, std::uint32_t op) {
    std::uint32_t next = transitions.find(s, op);
    if (next != transition_cache::missing) return next;
    const auto& o = h.ops[idx[op]];
    auto r = m.step(states[s], o.input, o.output);
    // Unchanged state (a read) is the common case: an equality test spares hashing it.
    next = !r ? transition_cache::rejected : *r == states[s] ? s : states.intern(std::move(*r));
    transitions.insert(s, op, next);
    return next;
  };

  while (closed_done < closed_total) {
    if (!e->is_call) {
      // A return entry (its operation must be linearized before going further) or the tail
      // (only open calls are left): this branch is exhausted.
      if (stack.empty()) break;
      backtrack();
      continue;
    }
    const std::uint32_t next = step(cur, e->op);
    // An open operation that leaves the state unchanged need never be linearized here: it
    // constrains nothing (no return entry), so dropping it keeps every continuation valid.
    if (next != transition_cache::rejected && (e->match || next != cur)) {
      flip(e->op);
      key[words] = next;
      switch (memo.insert(key.data(), bits_hash ^ mix64(next))) {
        case memo_set::outcome::full:
          res.verdict_ = verdict::unknown;
          return res;
        case memo_set::outcome::inserted:
          stack.push_back({e, cur});
          cur = next;
          if (e->match) ++closed_done;
          lift(e);
          if (stack.size() > res.longest_prefix.size()) {
            // Copy only the frames pushed since the stack last agreed with the snapshot.
            res.longest_prefix.resize(stack.size());
            for (std::size_t k = synced; k < stack.size(); ++k)
              res.longest_prefix[k] = idx[stack[k].e->op];
            synced = stack.size();
          }
          e = head->next;
          continue;
        case memo_set::outcome::present:
          flip(e->op);
          break;
      }
    }
    e = e->next;
  }
  if (closed_done == closed_total) {
    res.verdict_ = verdict::linearizable;
    for (const frame& f : stack) res.order.push_back(idx[f.e->op]);
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

// Merges the partitions' linearizations into one order that also respects real-time order
// across partitions. One exists by locality (Herlihy & Wing: the union of per-object
// linearizations and the real-time order is acyclic), and this Kahn-style walk finds it: the
// next operation is a partition's next one that no operation still to place returned before.
// Returns an empty vector if it gets stuck (which locality rules out).
template <class Op>
std::vector<std::size_t> merge_orders(const std::vector<Op>& ops,
                                      const std::vector<std::vector<std::size_t>>& orders) {
  using ret_op = std::pair<std::uint64_t, std::size_t>;
  std::priority_queue<ret_op, std::vector<ret_op>, std::greater<>> rets;  // to place, by ret
  std::size_t total = 0;
  for (const auto& o : orders) {
    total += o.size();
    for (auto i : o) rets.push({ops[i].ret, i});
  }
  std::vector<bool> placed(ops.size(), false);
  std::vector<std::size_t> next(orders.size(), 0), out;
  out.reserve(total);
  while (out.size() < total) {
    while (placed[rets.top().second]) rets.pop();
    const std::uint64_t earliest_ret = rets.top().first;
    bool progressed = false;
    for (std::size_t p = 0; p < orders.size() && !progressed; ++p) {
      if (next[p] == orders[p].size()) continue;
      const std::size_t i = orders[p][next[p]];
      if (ops[i].call > earliest_ret) continue;  // something still to place returned first
      placed[i] = true;
      out.push_back(i);
      ++next[p];
      progressed = true;
    }
    if (!progressed) return {};
  }
  return out;
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
  std::vector<std::vector<std::size_t>> orders;
  for (const auto& p : parts) {
    result r = detail::check_part(m, h, p, opt);
    if (r.verdict_ != verdict::linearizable) return r;  // report the failing partition
    orders.push_back(std::move(r.order));
  }
  all.order = orders.size() == 1 ? std::move(orders[0]) : detail::merge_orders(h.ops, orders);
  return all;
}

// True when `order` is a witness for history h: replayed through the model it is accepted
// step by step (for a partitioned model: each partition's subsequence from its own initial
// state), it respects real-time order (no operation in it returned before an earlier one in
// it was invoked), and it contains every completed operation (open ones are optional). Tests
// use it to check that result.order is evidence, not just a "yes".
template <class M>
bool valid_linearization(const M& m, const history<M>& h, const std::vector<std::size_t>& order) {
  std::vector<std::size_t> part_of(h.ops.size(), 0);
  std::size_t n_parts = 1;
  if constexpr (requires { m.partition(h); }) {
    const auto parts = m.partition(h);
    n_parts = parts.size();
    for (std::size_t p = 0; p < parts.size(); ++p)
      for (auto i : parts[p]) part_of[i] = p;
  }
  std::vector<typename M::state_type> states(n_parts, m.init());
  std::vector<bool> seen(h.ops.size(), false);
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (order[k] >= h.ops.size() || seen[order[k]]) return false;
    const auto& o = h.ops[order[k]];
    auto& s = states[part_of[order[k]]];
    auto n = m.step(s, o.input, o.output);
    if (!n) return false;
    s = *n;
    seen[order[k]] = true;
    for (std::size_t j = k + 1; j < order.size(); ++j)
      if (h.ops[order[j]].ret < o.call) return false;  // a later op finished before o began
  }
  for (std::size_t i = 0; i < h.ops.size(); ++i)
    if (!h.ops[i].open() && !seen[i]) return false;
  return true;
}

// Human-readable report of a result (failure messages of the model checker use it). Each
// operation is printed with its index, client, [call, return] and its input and output: the
// model's static describe(input, optional<output>) when it has one (models::register_model,
// models::kv, models::set, ...), else operator<< on the input and output when streamable.
template <class M>
std::string describe(const result& r, const history<M>& h) {
  std::ostringstream os;
  auto op_line = [&](std::size_t i) {
    const auto& o = h.ops[i];
    os << "  op " << i << " client " << o.client << " [" << o.call << ", ";
    if (o.open())
      os << "open";
    else
      os << o.ret;
    os << "]";
    if constexpr (requires { M::describe(o.input, o.output); }) {
      os << "  " << M::describe(o.input, o.output);
    } else {
      // Operations print themselves when the model's input/output types are streamable
      // (operator<< found by ADL, e.g. in the model's namespace).
      if constexpr (requires { os << o.input; }) os << "  " << o.input;
      if constexpr (requires { os << *o.output; }) {
        if (o.output) os << " -> " << *o.output;
      }
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
