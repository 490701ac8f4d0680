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
//     options.max_cache entries per partition, options.max_memory bytes and options.timeout
//     seconds; when a budget runs out the verdict is `unknown`, result.stopped says which,
//     and result.stats what was explored. No exception escapes for running out of memory.
//     Memory is linear in what is stored: memo entries of large partitions share their sets
//     (hash-consed persistent sets, see set_forest), so an entry costs O(log n) bytes at most
//     instead of n bits.
//   * Partitions run on options.jobs threads; the result does not depend on it (see check).
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
// returns independent sets of operation indices (e.g. per key), each checked separately, and
// static state_bytes(state) -> size_t the heap bytes a state holds (charged to
// options.max_memory when the state is interned), and
// read_only(input, optional<output>) -> bool says that every step the model accepts for that
// operation leaves the state unchanged (a read); the search then linearizes such operations
// as soon as they are callable and accepted, without branching on them (same verdicts).
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
//   * Small partitions (<= 64 * options.flat_words ops): memo keys (bitset, state id) live in
//     one open-addressing table; the bitset's hash is kept incrementally (XOR of a random key
//     per linearized operation), so a probe is O(1) hashing plus one key comparison. Large
//     partitions: the set is a hash-consed radix tree (set_forest), the key one 64-bit word
//     (set id, state id); adding an operation re-interns one root-to-leaf path.
//   * Read-only operations (model hook read_only) are linearized as soon as they are callable
//     and accepted, as the only branch.
//   * Model steps are cached per (state id, operation) in a small direct-mapped table.
//   * An open operation that would leave the state unchanged is not linearized: it constrains
//     no other operation, so skipping it loses no linearization (it halves the etcd search).
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <new>
#include <optional>
#include <queue>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
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

// Why a search ended without a verdict (result::stopped).
enum class stop_reason : std::uint8_t {
  none,       // it did not: the verdict is linearizable or not_linearizable
  max_cache,  // a partition needed more than options::max_cache memo entries
  memory,     // the search's tables would exceed options::max_memory (or allocation failed)
  timeout,    // options::timeout passed
};

// What a search explored (all partitions together; partitions cut short count what they did).
struct search_stats {
  std::size_t configurations = 0;   // memo entries: distinct (linearized set, state) pairs
  std::size_t states = 0;           // distinct model states interned, summed over partitions
  std::size_t peak_bytes = 0;       // most bytes the search's tables held at once
  std::size_t partitions = 0;       // partitions of the history
  std::size_t partitions_done = 0;  // partitions whose search finished (with a verdict)
  double seconds = 0;               // wall time of lin::check
};

struct result {
  verdict verdict_ = verdict::unknown;
  bool linearizable() const { return verdict_ == verdict::linearizable; }
  std::vector<std::size_t> order;           // on success
  std::vector<std::size_t> longest_prefix;  // on failure (and unknown): longest linearizable
                                            // sequence found (of the partition reported)
  std::vector<std::size_t> unplaced;        // on failure: completed ops not in longest_prefix
  stop_reason stopped = stop_reason::none;  // unknown: which budget ran out
  search_stats stats;
};

struct options {
  // Memo entries per partition; exceeding it -> unknown (stop_reason::max_cache). By default
  // only memory and time bound the search.
  std::size_t max_cache = std::numeric_limits<std::size_t>::max();
  // Bytes the search's tables (memo, sets, states, transition cache, stacks) may hold at once,
  // all partitions together; exceeding it -> unknown (stop_reason::memory). 0 = the default:
  // half the physical memory (or of RLIMIT_AS when that is lower). An allocation failure
  // (std::bad_alloc) inside the search is reported the same way, never thrown.
  std::size_t max_memory = 0;
  // Wall-clock limit for the whole check, in seconds; 0 = none. Exceeded -> unknown
  // (stop_reason::timeout). Checked every few thousand search steps.
  double timeout = 0;
  // Partitions checked at once on this many threads (0 = std::thread::hardware_concurrency).
  // The verdict and the witness do not depend on it or on timing (see lin::check).
  unsigned jobs = 1;
  // Tuning: a partition of at most 64 * flat_words operations keys its memo by a flat copy
  // of the linearized set (fastest for small partitions); larger ones use hash-consed shared
  // sets (memory per memo entry independent of the partition's size). Tests set 0 to force
  // the shared sets.
  std::size_t flat_words = 8;
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

// Thrown inside a partition's search when a table would exceed the memory budget; caught by
// check_part, which reports unknown (stop_reason::memory). Never escapes lin::check.
struct out_of_budget {};

// Half the physical memory, or 3/4 of RLIMIT_AS when that is lower (so a ulimit -v run ends in
// "unknown" rather than in an allocation failure in the middle of a table's growth). Computed
// once per process: lin_scenario checks a history per execution.
inline std::size_t compute_default_max_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  std::size_t m = pages > 0 && page > 0
                      ? static_cast<std::size_t>(pages) / 2 * static_cast<std::size_t>(page)
                      : std::size_t{4} << 30;
  rlimit rl{};
  if (::getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    m = std::min(m, static_cast<std::size_t>(rl.rlim_cur) / 4 * 3);
  return m;
}
inline std::size_t default_max_memory() {
  static const std::size_t m = compute_default_max_memory();
  return m;
}

// Shared by all partitions of one lin::check (and their threads): the memory budget, the
// deadline, and the flag that stops every search once one of them ran out.
class search_limits {
 public:
  using clock = std::chrono::steady_clock;
  explicit search_limits(const options& o)
      : limit_(o.max_memory ? o.max_memory : default_max_memory()), start_(clock::now()) {
    if (o.timeout > 0) {
      has_deadline_ = true;
      deadline_ = start_ + std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(std::min(o.timeout, 1e9)));
    }
  }
  // Accounts b more bytes; throws out_of_budget (and stops all searches) when over budget.
  void charge(std::size_t b) {
    const std::size_t now = used_.fetch_add(b, std::memory_order_relaxed) + b;
    if (now > limit_ || now < b) {
      used_.fetch_sub(b, std::memory_order_relaxed);
      stop(stop_reason::memory);
      throw out_of_budget{};
    }
    std::size_t p = peak_.load(std::memory_order_relaxed);
    while (now > p && !peak_.compare_exchange_weak(p, now, std::memory_order_relaxed)) {
    }
  }
  void release(std::size_t b) { used_.fetch_sub(b, std::memory_order_relaxed); }
  // Polled every few thousand search steps: false once the search must end.
  bool keep_going() {
    if (stop_.load(std::memory_order_relaxed) != 0) return false;
    if (has_deadline_ && clock::now() >= deadline_) {
      stop(stop_reason::timeout);
      return false;
    }
    return true;
  }
  void stop(stop_reason r) {
    int none = 0;
    stop_.compare_exchange_strong(none, static_cast<int>(r));
  }
  stop_reason stopped() const { return static_cast<stop_reason>(stop_.load()); }
  std::size_t peak() const { return peak_.load(); }
  double seconds() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

 private:
  std::size_t limit_;
  std::atomic<std::size_t> used_{0}, peak_{0};
  std::atomic<int> stop_{0};
  clock::time_point start_, deadline_{};
  bool has_deadline_ = false;
};

// The bytes one partition's search charged to the shared budget, released when it ends.
// Tables grow through reserve/assign here, so the budget is checked before memory is taken.
class part_memory {
 public:
  explicit part_memory(search_limits& l) : limits_(l) {}
  part_memory(const part_memory&) = delete;
  part_memory& operator=(const part_memory&) = delete;
  ~part_memory() { limits_.release(charged_); }
  void charge(std::size_t b) {
    limits_.charge(b);
    charged_ += b;
  }
  void uncharge(std::size_t b) {
    limits_.release(b);
    charged_ -= b;
  }
  // Room for n elements; grows geometrically (like push_back) so the charges stay rare.
  template <class T>
  void reserve(std::vector<T>& v, std::size_t n) {
    if (n <= v.capacity()) return;
    const std::size_t cap = std::max(n, 2 * v.capacity());
    charge((cap - v.capacity()) * sizeof(T));
    v.reserve(cap);
  }
  template <class T>
  void assign(std::vector<T>& v, std::size_t n, const T& x) {
    if (n > v.capacity()) charge((n - v.capacity()) * sizeof(T));
    v.assign(n, x);
  }

 private:
  search_limits& limits_;
  std::size_t charged_ = 0;
};

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
  explicit state_table(part_memory& mem) : mem_(mem) { mem_.assign(slots_, 64, slot{}); }
  const S& operator[](std::uint32_t id) const { return states_[id]; }
  std::size_t size() const { return states_.size(); }
  std::uint32_t intern(S&& s) {
    const std::uint64_t h = mix64(static_cast<std::uint64_t>(state_hash(s)));
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask; slots_[i].id != 0; i = (i + 1) & mask)
      if (slots_[i].tag == tag && states_[slots_[i].id - 1] == s) return slots_[i].id - 1;
    if (states_.size() >= std::numeric_limits<std::uint32_t>::max() / 2) throw out_of_budget{};
    const auto id = static_cast<std::uint32_t>(states_.size());
    mem_.reserve(states_, states_.size() + 1);
    mem_.reserve(hashes_, hashes_.size() + 1);
    states_.push_back(std::move(s));
    hashes_.push_back(h);
    if (2 * states_.size() > slots_.size()) {
      mem_.assign(slots_, slots_.size() * 2, slot{});
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
  part_memory& mem_;
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
  static std::size_t bytes(std::size_t ops) { return sizeof(slot) << table_bits(ops); }
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

enum class memo_outcome { inserted, present, full };

// The memo for small partitions: configurations (set of linearized operations, state id)
// already explored, with the set as a flat bitset. Open addressing with linear probing; keys
// live in one arena (`stride` words each: the bitset, then the state id), slots hold a 32-bit
// hash tag and the key's index, so a probe that misses touches only the slot array. The
// caller supplies the hash, which it maintains incrementally (XOR of per-operation random
// keys), so hashing is O(1) per probe. A key costs 8 * stride bytes: fine for partitions of a
// few hundred operations, O(n) per entry for large ones (those use shared_keys).
class memo_set {
 public:
  memo_set(std::size_t stride, std::size_t limit, part_memory& mem)
      : stride_(stride), limit_(limit), mem_(mem) {
    mem_.assign(slots_, 256, slot{});
  }
  std::size_t size() const { return hashes_.size(); }
  memo_outcome insert(const std::uint64_t* k, std::uint64_t h) {
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = h & mask;
    for (; slots_[i].index != 0; i = (i + 1) & mask) {
      if (slots_[i].tag == tag && same(k, keys_.data() + (slots_[i].index - 1) * stride_))
        return memo_outcome::present;
    }
    if (hashes_.size() >= limit_) return memo_outcome::full;
    mem_.reserve(keys_, keys_.size() + stride_);
    mem_.reserve(hashes_, hashes_.size() + 1);
    keys_.insert(keys_.end(), k, k + stride_);
    hashes_.push_back(h);
    slots_[i] = {tag, static_cast<std::uint32_t>(hashes_.size())};
    if (2 * hashes_.size() > slots_.size()) grow();
    return memo_outcome::inserted;
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
    mem_.assign(slots_, slots_.size() * 2, slot{});
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t k = 0; k < hashes_.size(); ++k) {
      std::size_t i = hashes_[k] & mask;
      while (slots_[i].index != 0) i = (i + 1) & mask;
      slots_[i] = {static_cast<std::uint32_t>(hashes_[k] >> 32), static_cast<std::uint32_t>(k + 1)};
    }
  }
  std::size_t stride_;
  std::size_t limit_;
  part_memory& mem_;
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> hashes_;
  std::vector<slot> slots_;
};

// Memo keys as a flat bitset plus state id (see memo_set).
class flat_keys {
 public:
  flat_keys(std::size_t n, std::size_t limit, part_memory& mem)
      : words_((n + 63) / 64), key_(words_ + 1, 0), zobrist_(n), memo_(words_ + 1, limit, mem) {
    mem.charge((key_.size() + zobrist_.size()) * sizeof(std::uint64_t));
    // Per-operation random keys: the bitset's hash is the XOR of the keys of its members.
    for (std::size_t i = 0; i < n; ++i) zobrist_[i] = mix64(0x5851F42D4C957F2Dull * (i + 1));
  }
  // Tries to add `op` to the linearized set, with `next` as the state after it: inserted (the
  // set now holds op), present (already explored; unchanged) or full.
  memo_outcome add(std::uint32_t op, std::uint32_t next) {
    flip(op);
    key_[words_] = next;
    const memo_outcome r = memo_.insert(key_.data(), bits_hash_ ^ mix64(next));
    if (r != memo_outcome::inserted) flip(op);
    return r;
  }
  // Undoes the latest successful add (of op).
  void remove(std::uint32_t op) { flip(op); }
  std::size_t entries() const { return memo_.size(); }

 private:
  void flip(std::uint32_t op) {
    key_[op / 64] ^= std::uint64_t{1} << (op % 64);
    bits_hash_ ^= zobrist_[op];
  }
  std::size_t words_;
  std::vector<std::uint64_t> key_;  // bitset words, then the state id
  std::vector<std::uint64_t> zobrist_;
  std::uint64_t bits_hash_ = 0;
  memo_set memo_;
};

// Hash-consed persistent sets of operation indices (for large partitions): a fixed-shape
// radix tree whose leaves hold 256 bits and whose inner nodes hold 8 child ids, every node
// interned, so equal sets are the same 32-bit id and a set differs from its parent set on the
// search path only in the nodes on one root-to-leaf path (depth log8(n / 256)). Adding one
// operation interns at most depth + 1 nodes; nodes are created only for sets never seen
// before, and sets met on the search share almost all their nodes (a linearized set is
// mostly "everything before some point": full and empty subtrees are one node each). So a
// memo entry costs its 8-byte (root id, state id) key plus, at most, one path of new nodes.
class set_forest {
 public:
  explicit set_forest(std::size_t n, part_memory& mem) : mem_(mem) {
    for (std::size_t cap = leaf_bits; cap < n; cap *= fan) ++depth_;
    mem_.assign(slots_, 1024, slot{});
    // The all-zero node is the empty set at every depth; it gets id 0.
    intern(node{});
  }
  static constexpr std::uint32_t empty = 0;
  // The set `root` with op's membership flipped.
  std::uint32_t flip(std::uint32_t root, std::uint32_t op) {
    std::uint32_t path[max_depth + 1];
    path[depth_] = root;
    for (unsigned l = depth_; l > 0; --l) path[l - 1] = nodes_[path[l]].w[digit(op, l)];
    node x = nodes_[path[0]];
    x.w[(op % leaf_bits) / 32] ^= std::uint32_t{1} << (op % 32);
    std::uint32_t id = intern(x);
    for (unsigned l = 1; l <= depth_; ++l) {
      x = nodes_[path[l]];
      x.w[digit(op, l)] = id;
      id = intern(x);
    }
    return id;
  }
  std::size_t size() const { return nodes_.size(); }

 private:
  static constexpr unsigned fan = 8, leaf_bits = 256, max_depth = 8;  // 256 * 8^8 = 2^32
  struct node {
    std::uint32_t w[fan] = {};  // leaf: 256 bits; inner: child ids
    bool operator==(const node&) const = default;
  };
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t id = 0;  // node id + 1; 0 = empty
  };
  static unsigned digit(std::uint32_t op, unsigned level) {
    return (op >> (8 + 3 * (level - 1))) & (fan - 1);
  }
  static std::uint64_t hash(const node& x) {
    auto pair = [&](int i) { return (std::uint64_t{x.w[i]} << 32) | x.w[i + 1]; };
    std::uint64_t h = pair(0) * 0x9E3779B97F4A7C15ull;
    h ^= (pair(2) * 0xC2B2AE3D27D4EB4Full) >> 7;
    h ^= (pair(4) * 0x165667B19E3779F9ull) << 5;
    h ^= pair(6) * 0xD6E8FEB86659FD93ull;
    return mix64(h);
  }
  std::uint32_t intern(const node& x) {
    const std::uint64_t h = hash(x);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = h & mask;
    for (; slots_[i].id != 0; i = (i + 1) & mask)
      if (slots_[i].tag == tag && nodes_[slots_[i].id - 1] == x) return slots_[i].id - 1;
    if (nodes_.size() >= std::numeric_limits<std::uint32_t>::max() / 2) throw out_of_budget{};
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    mem_.reserve(nodes_, nodes_.size() + 1);
    nodes_.push_back(x);
    slots_[i] = {tag, id + 1};
    if (2 * nodes_.size() > slots_.size()) grow();
    return id;
  }
  void grow() {
    mem_.assign(slots_, slots_.size() * 2, slot{});
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      const std::uint64_t h = hash(nodes_[k]);
      std::size_t i = h & mask;
      while (slots_[i].id != 0) i = (i + 1) & mask;
      slots_[i] = {static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(k + 1)};
    }
  }
  part_memory& mem_;
  unsigned depth_ = 0;
  std::vector<node> nodes_;
  std::vector<slot> slots_;
};

// Memo keys as (shared set id, state id) in one 64-bit word (see set_forest).
class shared_keys {
 public:
  shared_keys(std::size_t n, std::size_t limit, part_memory& mem)
      : limit_(limit), mem_(mem), forest_(n, mem) {
    mem_.assign(slots_, 1024, vacant);
    mem_.reserve(roots_, n);
  }
  memo_outcome add(std::uint32_t op, std::uint32_t next) {
    const std::uint32_t r = forest_.flip(root_, op);
    const std::uint64_t k = (std::uint64_t{r} << 32) | next;
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = mix64(k) & mask;
    for (; slots_[i] != vacant; i = (i + 1) & mask)
      if (slots_[i] == k) return memo_outcome::present;
    if (size_ >= limit_) return memo_outcome::full;
    slots_[i] = k;
    if (2 * ++size_ > slots_.size()) grow();
    roots_.push_back(root_);
    root_ = r;
    return memo_outcome::inserted;
  }
  void remove(std::uint32_t) {
    root_ = roots_.back();
    roots_.pop_back();
  }
  std::size_t entries() const { return size_; }

 private:
  static constexpr std::uint64_t vacant = ~std::uint64_t{0};  // set ids stay below 2^31
  void grow() {
    std::vector<std::uint64_t> old = std::move(slots_);
    mem_.charge(old.size() * 2 * sizeof(std::uint64_t));
    slots_.assign(old.size() * 2, vacant);
    const std::size_t mask = slots_.size() - 1;
    for (const std::uint64_t k : old) {
      if (k == vacant) continue;
      std::size_t i = mix64(k) & mask;
      while (slots_[i] != vacant) i = (i + 1) & mask;
      slots_[i] = k;
    }
    mem_.uncharge(old.size() * sizeof(std::uint64_t));
  }
  std::size_t limit_;
  part_memory& mem_;
  set_forest forest_;
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
  std::vector<std::uint32_t> roots_;  // set before each add on the search path
  std::uint32_t root_ = set_forest::empty;
};

// One partition's search (Wing-Gong/Lowe over the entry list), memo keys as Keys. `stop()` is
// polled every 4096 steps; true ends the search as unknown (the caller fills in why). Results
// go to `res` as the search runs, so a search cut short by an exception still reports what it
// explored.
template <class Keys, class M, class Stop>
void search_part(const M& m, const history<M>& h, const std::vector<std::size_t>& idx,
                 const options& opt, part_memory& mem, Stop& stop, result& res) {
  using S = typename M::state_type;
  const std::size_t n = idx.size();
  // Operation and state ids are 32-bit; a partition this large could never be searched anyway.
  constexpr std::size_t id_limit = std::numeric_limits<std::uint32_t>::max() / 2;
  if (n >= id_limit) throw out_of_budget{};
  const std::size_t max_cache = std::min(opt.max_cache, id_limit);

  // Entry list in real-time order; calls before returns at equal timestamps.
  std::size_t closed_total = 0;
  struct ev {
    std::uint64_t t;
    int kind;  // 0 call, 1 return
    std::uint32_t local;
  };
  mem.charge(2 * n * (sizeof(ev) + sizeof(entry)) + n * sizeof(entry*) + 2 * sizeof(entry));
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
  evs = {};

  Keys keys(n, max_cache, mem);
  state_table<S> states(mem);
  mem.charge(transition_cache::bytes(n));
  transition_cache transitions(n);
  std::uint32_t cur = states.intern(m.init());

  struct frame {
    entry* e;
    std::uint32_t old_state;
    bool forced;  // a read-only operation taken as the only branch (see below)
  };
  // Read-only operations (the model's optional read_only(input, output): every step it
  // accepts leaves the state unchanged, e.g. a read) that are completed, callable now and
  // accepted in the current state are linearized at once, as the only branch: any (partial)
  // linearization from here can be rewritten to start with such an operation r (nothing
  // unlinearized returned before r was called, and r changes no state wherever it stands),
  // so the others need not be tried first. This keeps verdicts and the longest prefix's
  // length, and removes the interleavings of concurrent reads from the search.
  std::vector<char> read_only;
  if constexpr (requires(const typename M::input_type& in,
                         const std::optional<typename M::output_type>& out) {
                  { m.read_only(in, out) } -> std::convertible_to<bool>;
                }) {
    mem.charge(n);
    read_only.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& o = h.ops[idx[i]];
      read_only[i] = !o.open() && m.read_only(o.input, o.output);
    }
  }
  bool fresh = !read_only.empty();  // a configuration not yet scanned for read-only ops
  std::vector<frame> stack;
  mem.reserve(stack, n);
  mem.reserve(res.longest_prefix, n);
  std::size_t closed_done = 0;
  std::size_t synced = 0;  // stack[0, synced) equals res.longest_prefix[0, synced)
  std::size_t steps = 0;
  entry* e = head->next;
  auto note_stats = [&] {
    res.stats.configurations = keys.entries();
    res.stats.states = states.size();
  };

  // Undo the most recent linearization and resume the scan after its call entry.
  auto backtrack = [&] {
    const frame f = stack.back();
    stack.pop_back();
    synced = std::min(synced, stack.size());
    cur = f.old_state;
    keys.remove(f.e->op);
    if (f.e->match) --closed_done;
    unlift(f.e);
    // A forced frame was the only branch of the configuration below it: that one fails too.
    e = f.forced ? tail : f.e->next;
  };
  auto push = [&](entry* x, std::uint32_t next, bool forced) {
    stack.push_back({x, cur, forced});
    cur = next;
    if (x->match) ++closed_done;
    lift(x);
    if (stack.size() > res.longest_prefix.size()) {
      // Copy only the frames pushed since the stack last agreed with the snapshot.
      res.longest_prefix.resize(stack.size());
      for (std::size_t k = synced; k < stack.size(); ++k)
        res.longest_prefix[k] = idx[stack[k].e->op];
      synced = stack.size();
    }
    e = head->next;
    fresh = !read_only.empty();
  };
  auto step = [&](std::uint32_t s, std::uint32_t op) {
    std::uint32_t next = transitions.find(s, op);
    if (next != transition_cache::missing) return next;
    const auto& o = h.ops[idx[op]];
    auto r = m.step(states[s], o.input, o.output);
    // Unchanged state (a read) is the common case: an equality test spares hashing it.
    const std::size_t known = states.size();
    next = !r ? transition_cache::rejected : *r == states[s] ? s : states.intern(std::move(*r));
    // Memory a state holds outside its sizeof (kv's strings), if the model says.
    if constexpr (requires(const S& st) {
                    { M::state_bytes(st) } -> std::convertible_to<std::size_t>;
                  }) {
      if (states.size() > known) mem.charge(M::state_bytes(states[next]));
    }
    transitions.insert(s, op, next);
    return next;
  };

  while (closed_done < closed_total) {
    if ((++steps & 4095) == 0) {
      note_stats();
      if (stop()) {
        res.verdict_ = verdict::unknown;
        return;
      }
    }
    if (fresh) {
      fresh = false;
      entry* x = head->next;
      while (x->is_call && !(read_only[x->op] && step(cur, x->op) == cur)) x = x->next;
      if (x->is_call) {
        switch (keys.add(x->op, cur)) {
          case memo_outcome::full:
            note_stats();
            res.verdict_ = verdict::unknown;
            res.stopped = stop_reason::max_cache;
            return;
          case memo_outcome::inserted:
            push(x, cur, true);
            break;
          case memo_outcome::present:  // explored before, and failed: so does this one
            e = tail;
            break;
        }
        continue;
      }
    }
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
      switch (keys.add(e->op, next)) {
        case memo_outcome::full:
          note_stats();
          res.verdict_ = verdict::unknown;
          res.stopped = stop_reason::max_cache;
          return;
        case memo_outcome::inserted:
          push(e, next, false);
          continue;
        case memo_outcome::present:
          break;
      }
    }
    e = e->next;
  }
  note_stats();
  if (closed_done == closed_total) {
    res.verdict_ = verdict::linearizable;
    for (const frame& f : stack) res.order.push_back(idx[f.e->op]);
    res.longest_prefix.clear();
    return;
  }
  res.verdict_ = verdict::not_linearizable;
  std::vector<bool> in(h.ops.size(), false);
  for (auto i : res.longest_prefix) in[i] = true;
  for (auto i : idx)
    if (!in[i] && !h.ops[i].open()) res.unplaced.push_back(i);
}

// One partition: picks the memo representation by size and turns running out of memory (the
// budget, or a failed allocation in the search or the model) into unknown.
template <class M, class Stop>
result check_part(const M& m, const history<M>& h, const std::vector<std::size_t>& idx,
                  const options& opt, search_limits& limits, Stop stop) {
  result res;
  try {
    part_memory mem(limits);
    if ((idx.size() + 63) / 64 <= opt.flat_words)
      search_part<flat_keys>(m, h, idx, opt, mem, stop, res);
    else
      search_part<shared_keys>(m, h, idx, opt, mem, stop, res);
  } catch (const out_of_budget&) {
    limits.stop(stop_reason::memory);
    res.stopped = stop_reason::memory;
  } catch (const std::bad_alloc&) {
    limits.stop(stop_reason::memory);
    res.stopped = stop_reason::memory;
  }
  if (res.stopped != stop_reason::none) res.verdict_ = verdict::unknown;
  if (res.verdict_ == verdict::unknown) {
    res.order.clear();
    res.unplaced.clear();
    if (res.stopped == stop_reason::none) res.stopped = limits.stopped();
  }
  return res;
}

// Merges the partitions' linearizations into one order that also respects real-time order
// across partitions. One exists by locality (Herlihy & Wing: the union of per-object
// linearizations and the real-time order is acyclic), and this Kahn-style walk finds it: the
// next operation is, among the partitions' next ones, the one invoked first, which is valid
// iff it was invoked before every operation still to place returned (if it is not, no other
// candidate is). The earliest return still to come is the least of the partitions' suffix
// minima, so both choices are heaps over the partitions: O(n log partitions), and each
// partition's order is read sequentially. Returns an empty vector if it gets stuck (which
// locality rules out).
template <class Op>
std::vector<std::size_t> merge_orders(const std::vector<Op>& ops,
                                      const std::vector<std::vector<std::size_t>>& orders) {
  using key = std::pair<std::uint64_t, std::size_t>;  // (time, partition)
  using min_heap = std::priority_queue<key, std::vector<key>, std::greater<>>;
  const std::size_t n_parts = orders.size();
  // The times in one sequential pass: the orders visit the operations in an order scattered
  // over the history, and a large history's operations (with their strings) miss the caches.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> times(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) times[i] = {ops[i].call, ops[i].ret};
  // suffix_min[p][j]: the earliest return among orders[p][j..].
  std::vector<std::vector<std::uint64_t>> suffix_min(n_parts);
  min_heap heads;  // (call time of the partition's next operation, p)
  min_heap rets;   // (suffix minimum from the partition's next operation, p); stale entries
                   // are skipped (a partition's suffix minimum only grows as it advances)
  std::size_t total = 0;
  for (std::size_t p = 0; p < n_parts; ++p) {
    const auto& o = orders[p];
    total += o.size();
    auto& sm = suffix_min[p];
    sm.resize(o.size());
    std::uint64_t m = open_time;
    for (std::size_t j = o.size(); j-- > 0;) sm[j] = m = std::min(m, times[o[j]].second);
    if (!o.empty()) {
      heads.push({times[o[0]].first, p});
      rets.push({sm[0], p});
    }
  }
  std::vector<std::size_t> next(n_parts, 0), out;
  out.reserve(total);
  while (out.size() < total) {
    while (next[rets.top().second] == orders[rets.top().second].size() ||
           suffix_min[rets.top().second][next[rets.top().second]] != rets.top().first)
      rets.pop();
    const auto [call, p] = heads.top();
    if (call > rets.top().first) return {};  // something still to place returned first
    heads.pop();
    out.push_back(orders[p][next[p]++]);
    if (next[p] < orders[p].size()) {
      heads.push({times[orders[p][next[p]]].first, p});
      rets.push({suffix_min[p][next[p]], p});
    }
  }
  return out;
}

}  // namespace detail

// Checks h against m (see the header comment). Partitions (m.partition(h)) are searched
// smallest first, on options::jobs threads. The result does not depend on the number of
// threads or on timing, as long as no memory or time limit stops the search: if a partition
// is not linearizable, the report is about the first failing one in that order (a partition
// is only abandoned for one before it that failed); if all are linearizable, the witness
// merges their orders, each of which comes from a sequential search.
template <model M>
result check(const M& m, const history<M>& h, const options& opt = {}) {
  detail::search_limits limits(opt);
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
  const std::size_t n_parts = parts.size();
  std::vector<result> rs(n_parts);
  std::atomic<std::size_t> next{0}, cutoff{n_parts};  // cutoff: first failing partition
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  auto worker = [&] {
    try {
      for (std::size_t k; (k = next.fetch_add(1)) < n_parts;) {
        if (k > cutoff.load() || failed.load() || limits.stopped() != stop_reason::none) continue;
        auto stop = [&, k] {
          return cutoff.load(std::memory_order_relaxed) < k ||
                 failed.load(std::memory_order_relaxed) || !limits.keep_going();
        };
        rs[k] = detail::check_part(m, h, parts[k], opt, limits, stop);
        if (rs[k].verdict_ == verdict::not_linearizable) {
          std::size_t c = cutoff.load();
          while (k < c && !cutoff.compare_exchange_weak(c, k)) {
          }
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> g(error_mu);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, n_parts));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) {
    try {
      threads.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // fewer threads; the caller's worker does the rest
    }
  }
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);

  search_stats st;
  st.partitions = n_parts;
  for (const auto& r : rs) {
    st.configurations += r.stats.configurations;
    st.states += r.stats.states;
    st.partitions_done += r.verdict_ != verdict::unknown;
  }
  result all;
  if (const std::size_t c = cutoff.load(); c < n_parts) {
    all = std::move(rs[c]);  // report the (first) failing partition
  } else if (auto u = std::find_if(rs.begin(), rs.end(),
                                   [](const result& r) { return r.verdict_ == verdict::unknown; });
             u != rs.end()) {
    all.verdict_ = verdict::unknown;
    all.stopped = u->stopped != stop_reason::none ? u->stopped : limits.stopped();
    all.longest_prefix = std::move(u->longest_prefix);
  } else {
    all.verdict_ = verdict::linearizable;
    if (n_parts == 1) {
      all.order = std::move(rs[0].order);
    } else {
      std::vector<std::vector<std::size_t>> orders(n_parts);
      for (std::size_t k = 0; k < n_parts; ++k) orders[k] = std::move(rs[k].order);
      all.order = detail::merge_orders(h.ops, orders);
    }
  }
  st.peak_bytes = limits.peak();
  st.seconds = limits.seconds();
  all.stats = st;
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

// "memory budget exceeded", ... (the reason in lin::describe's "unknown: ..." line).
inline const char* stop_text(stop_reason r) {
  switch (r) {
    case stop_reason::max_cache:
      return "search budget exceeded (options.max_cache memo entries)";
    case stop_reason::memory:
      return "memory budget exceeded";
    case stop_reason::timeout:
      return "time limit exceeded";
    case stop_reason::none:
      break;
  }
  return "search budget exceeded";
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
      os << "unknown: " << stop_text(r.stopped) << "; explored " << r.stats.configurations
         << " configurations and " << r.stats.states << " states; " << r.stats.partitions_done
         << " of " << r.stats.partitions << " partitions decided";
      if (!r.longest_prefix.empty())
        os << "; longest partial linearization " << r.longest_prefix.size() << " ops";
      os << "\n";
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
