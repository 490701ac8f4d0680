// Tests of lin::check's search engine itself (memo table, transition cache, pruning of open
// operations), as opposed to lincheck_tests.cpp's verdicts on Porcupine's files:
//   * the memo budget: a tiny options.max_cache gives `unknown`, never a crash or a wrong
//     verdict, and the same history with the default budget gets its real verdict;
//   * differential: on thousands of small random register and kv histories (with open
//     operations) lin::check agrees with a brute-force search over all orders, and every
//     order it returns replays through the model in real-time order; with both memo key
//     representations (flat bitsets, hash-consed shared sets);
//   * shared sets explore exactly what flat bitsets explore, on histories deep enough for
//     several tree levels; memory and time limits give unknown with the reason; a
//     million-operation history fits in bounded memory; parallel partitions give the same
//     result as sequential ones.
#include <lockstep/lincheck/generate.hpp>
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>
#include <lockstep/test.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace lockstep;
using R = models::register_model;

namespace {

const std::string dir = LOCKSTEP_PORCUPINE_DIR;

// Reference checker: tries every order of every subset of the open operations, no memo, no
// pruning. Exponential, fine for <= 7 operations. *max_closed: the most completed operations
// any valid partial order places (a lower bound for the length of result.longest_prefix).
template <class M>
bool brute_force(const M& m, const lin::history<M>& h, std::size_t* max_closed = nullptr) {
  const std::size_t n = h.ops.size();
  std::vector<bool> used(n, false);
  std::size_t best = 0;
  auto rec = [&](auto& self, const typename M::state_type& s) -> bool {
    bool all_closed_done = true;
    std::size_t closed = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!used[i] && !h.ops[i].open()) all_closed_done = false;
      if (used[i] && !h.ops[i].open()) ++closed;
    }
    best = std::max(best, closed);
    if (all_closed_done) return true;  // remaining open operations never take effect
    for (std::size_t i = 0; i < n; ++i) {
      if (used[i]) continue;
      // i may go next only if no other unused operation returned before i was invoked.
      bool ok = true;
      for (std::size_t j = 0; j < n && ok; ++j)
        if (j != i && !used[j] && h.ops[j].ret < h.ops[i].call) ok = false;
      if (!ok) continue;
      auto next = m.step(s, h.ops[i].input, h.ops[i].output);
      if (!next) continue;
      used[i] = true;
      bool found = self(self, *next);
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  const bool ok = rec(rec, m.init());
  if (max_closed) *max_closed = best;
  return ok;
}

template <class M>
bool valid_order(const M& m, const lin::history<M>& h, const std::vector<std::size_t>& order) {
  auto s = m.init();
  std::vector<bool> seen(h.ops.size(), false);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto& o = h.ops[order[k]];
    if (seen[order[k]]) return false;
    auto n = m.step(s, o.input, o.output);
    if (!n) return false;
    s = *n;
    seen[order[k]] = true;
    for (std::size_t j = k + 1; j < order.size(); ++j)
      if (h.ops[order[j]].ret < o.call) return false;
  }
  for (std::size_t i = 0; i < h.ops.size(); ++i)
    if (!h.ops[i].open() && !seen[i]) return false;
  return true;
}

// Random intervals over a short timeline so that operations overlap a lot; about one in five
// operations stays open. Outputs are random, so roughly half the histories are violations.
template <class MakeOp>
auto random_history(std::mt19937_64& rng, std::size_t n, MakeOp make_op) {
  decltype(make_op(rng, false)) h;
  std::vector<std::uint64_t> times(2 * n);
  for (std::size_t i = 0; i < 2 * n; ++i) times[i] = i;
  std::shuffle(times.begin(), times.end(), rng);
  for (std::size_t i = 0; i < n; ++i) {
    const bool open = rng() % 5 == 0;
    auto one = make_op(rng, open);
    auto& o = one.ops[0];
    o.client = static_cast<int>(i);
    o.call = std::min(times[2 * i], times[2 * i + 1]);
    o.ret = open ? lin::open_time : std::max(times[2 * i], times[2 * i + 1]);
    h.ops.push_back(o);
  }
  return h;
}

lin::history<R> register_op(std::mt19937_64& rng, bool open) {
  lin::history<R> h;
  auto& o = h.ops.emplace_back();
  const auto v = [&] { return static_cast<std::int64_t>(rng() % 3); };
  switch (rng() % 3) {
    case 0:
      o.input = {R::op::read};
      o.output = R::output_type{rng() % 4 ? v() : R::nil};
      break;
    case 1:
      o.input = {R::op::write, v()};
      o.output = R::output_type{};
      break;
    default:
      o.input = {R::op::cas, v(), v()};
      o.output = R::output_type{0, rng() % 2 == 0};
  }
  if (open) o.output.reset();
  return h;
}

lin::history<models::kv> kv_op(std::mt19937_64& rng, bool open) {
  using K = models::kv;
  lin::history<K> h;
  auto& o = h.ops.emplace_back();
  const char* vals[] = {"", "a", "b", "ab", "ba", "aa"};
  switch (rng() % 3) {
    case 0:
      o.input = {K::op::get, "k", ""};
      o.output = K::output_type{vals[rng() % 6]};
      break;
    case 1:
      o.input = {K::op::put, "k", vals[1 + rng() % 2]};
      o.output = K::output_type{};
      break;
    default:
      o.input = {K::op::append, "k", vals[1 + rng() % 2]};
      o.output = K::output_type{};
  }
  if (open) o.output.reset();
  return h;
}

}  // namespace

LOCKSTEP_UNIT_TEST(tiny_memo_budget_gives_unknown_not_a_wrong_verdict) {
  for (const char* f : {"/jepsen/etcd_002.log", "/jepsen/etcd_000.log"}) {
    const std::string p = dir + f;
    auto h = lin::parse_etcd(lin::read_file(p), p);
    const lin::result full = lin::check(R{}, h);
    LOCKSTEP_ASSERT(full.verdict_ != lin::verdict::unknown) << p;
    for (std::size_t budget : {std::size_t{0}, std::size_t{1}, std::size_t{16}}) {
      lin::options opt;
      opt.max_cache = budget;
      const lin::result r = lin::check(R{}, h, opt);
      // etcd_002 (linearizable) needs ~80k memo entries and etcd_000 (violation) ~400.
      LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::unknown) << p << " budget " << budget;
      LOCKSTEP_ASSERT(r.order.empty()) << p;
      LOCKSTEP_ASSERT(lin::describe(r, h).find("unknown") == 0) << lin::describe(r, h);
    }
  }
  // A budget just large enough decides: no off-by-one that reports unknown at the limit.
  auto h = lin::parse_etcd(lin::read_file(dir + "/jepsen/etcd_000.log"), "etcd_000");
  lin::options opt;
  opt.max_cache = 100000;
  LOCKSTEP_ASSERT(lin::check(R{}, h, opt).verdict_ == lin::verdict::not_linearizable);
}

LOCKSTEP_UNIT_TEST(memo_budget_applies_per_partition) {
  // kv c10-ok is checked key by key; a budget below the largest partition's needs is unknown.
  const std::string p = dir + "/kv/c10-ok.txt";
  auto h = lin::parse_kv(lin::read_file(p), p);
  lin::options opt;
  opt.max_cache = 2;
  LOCKSTEP_ASSERT(lin::check(models::kv{}, h, opt).verdict_ == lin::verdict::unknown);
  opt.max_cache = 1u << 20;
  LOCKSTEP_ASSERT(lin::check(models::kv{}, h, opt).linearizable());
}

LOCKSTEP_UNIT_TEST(register_agrees_with_brute_force) {
  std::mt19937_64 rng(20261123);
  int yes = 0, no = 0;
  for (int it = 0; it < 3000; ++it) {
    auto h = random_history(rng, 1 + rng() % 7, register_op);
    std::size_t max_closed = 0;
    const bool want = brute_force(R{}, h, &max_closed);
    lin::options shared;
    shared.flat_words = 0;
    const lin::result r = lin::check(R{}, h, it % 2 ? shared : lin::options{});
    LOCKSTEP_ASSERT(r.verdict_ != lin::verdict::unknown);
    LOCKSTEP_ASSERT(r.linearizable() == want) << "iteration " << it << "\n" << lin::describe(r, h);
    if (want) {
      LOCKSTEP_ASSERT(valid_order(R{}, h, r.order)) << "iteration " << it;
      ++yes;
    } else {
      LOCKSTEP_ASSERT(!r.unplaced.empty()) << "iteration " << it;
      // The reported prefix must be a valid partial linearization, and the longest: no
      // shorter than the most completed operations any partial order places.
      LOCKSTEP_ASSERT(r.longest_prefix.size() >= max_closed)
          << "iteration " << it << ": " << r.longest_prefix.size() << " < " << max_closed;
      auto s = R{}.init();
      for (auto i : r.longest_prefix) {
        auto n = R{}.step(s, h.ops[i].input, h.ops[i].output);
        LOCKSTEP_ASSERT(n.has_value()) << "iteration " << it;
        s = *n;
      }
      ++no;
    }
  }
  LOCKSTEP_ASSERT(yes > 300 && no > 300) << yes << " " << no;
}

LOCKSTEP_UNIT_TEST(kv_agrees_with_brute_force) {
  std::mt19937_64 rng(7);
  int yes = 0, no = 0;
  for (int it = 0; it < 3000; ++it) {
    auto h = random_history(rng, 1 + rng() % 6, kv_op);
    const bool want = brute_force(models::kv{}, h);
    lin::options shared;
    shared.flat_words = 0;
    const lin::result r = lin::check(models::kv{}, h, it % 2 ? shared : lin::options{});
    LOCKSTEP_ASSERT(r.linearizable() == want) << "iteration " << it << "\n" << lin::describe(r, h);
    if (want) {
      LOCKSTEP_ASSERT(valid_order(models::kv{}, h, r.order)) << "iteration " << it;
      ++yes;
    } else {
      ++no;
    }
  }
  LOCKSTEP_ASSERT(yes > 300 && no > 300) << yes << " " << no;
}

LOCKSTEP_UNIT_TEST(kv_value_hash_and_equality) {
  using V = models::kv_value;
  const V ab = V("a").append("b"), ab2("ab"), ba = V("b").append("a");
  LOCKSTEP_ASSERT(ab == ab2 && ab.hash() == ab2.hash());  // same content, different paths
  LOCKSTEP_ASSERT(!(ab == ba));
  LOCKSTEP_ASSERT(ab == std::string_view("ab") && !(ab == std::string_view("a")));
  LOCKSTEP_ASSERT(V() == V("") && V().str().empty() && V("").append("").size() == 0);
  LOCKSTEP_ASSERT(!(V() == V(std::string_view("\0", 1))));
}

LOCKSTEP_UNIT_TEST(shared_sets_explore_exactly_what_flat_sets_explore) {
  // 3000 operations: three tree levels (256-bit leaves, fan-out 8). The search order does not
  // depend on the key representation, so everything but memory must be identical.
  int bad = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    lin::generate_options g;
    g.ops = seed % 3 == 0 ? 3000 : 600;
    g.bad = seed % 4 == 1;
    // A planted violation makes the search exhaust every configuration before it: keep those
    // histories narrow and without crashed writes (which multiply the configurations).
    g.clients = g.bad ? 3 : 2 + static_cast<unsigned>(seed % 5);
    g.crash = seed % 2 && !g.bad ? 0.05 : 0;
    g.seed = seed;
    const auto h = lin::generate_register(g);
    lin::options flat, shared;
    flat.flat_words = 1000;
    shared.flat_words = 0;
    const lin::result a = lin::check(R{}, h, flat), b = lin::check(R{}, h, shared);
    LOCKSTEP_ASSERT(a.verdict_ != lin::verdict::unknown) << seed;
    LOCKSTEP_ASSERT(a.verdict_ == b.verdict_) << seed;
    LOCKSTEP_ASSERT(a.order == b.order && a.longest_prefix == b.longest_prefix) << seed;
    LOCKSTEP_ASSERT(a.unplaced == b.unplaced) << seed;
    LOCKSTEP_ASSERT(a.stats.configurations == b.stats.configurations)
        << seed << ": " << a.stats.configurations << " vs " << b.stats.configurations;
    LOCKSTEP_ASSERT(a.linearizable() == !g.bad) << seed;
    if (a.linearizable()) LOCKSTEP_ASSERT(lin::valid_linearization(R{}, h, a.order)) << seed;
    bad += !a.linearizable();
  }
  LOCKSTEP_ASSERT(bad == 3) << bad;
}

LOCKSTEP_UNIT_TEST(million_operation_history_checks_in_bounded_memory) {
  // One client: a sequential history, a million memo entries (one per prefix). With a flat
  // bitset per entry this needed 125 KB per entry; shared sets need a few bytes.
  lin::generate_options g;
  g.ops = 1'000'000;
  g.clients = 1;
  g.seed = 3;
  const auto h = lin::generate_register(g);
  lin::options opt;
  opt.max_memory = std::size_t{1} << 30;
  const lin::result r = lin::check(R{}, h, opt);
  LOCKSTEP_ASSERT(r.linearizable()) << lin::stop_text(r.stopped);
  LOCKSTEP_ASSERT(r.order.size() == h.ops.size());
  LOCKSTEP_ASSERT(r.stats.peak_bytes < (std::size_t{512} << 20)) << r.stats.peak_bytes;
  LOCKSTEP_ASSERT(r.stats.configurations >= h.ops.size()) << r.stats.configurations;
}

LOCKSTEP_UNIT_TEST(memory_and_time_limits_give_unknown_with_the_reason) {
  lin::generate_options g;
  g.ops = 20'000;
  g.clients = 8;
  g.seed = 5;
  const auto h = lin::generate_register(g);
  lin::options opt;
  opt.max_memory = 1 << 20;  // 1 MiB: the entry list alone is larger
  lin::result r = lin::check(R{}, h, opt);
  LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::unknown);
  LOCKSTEP_ASSERT(r.stopped == lin::stop_reason::memory);
  LOCKSTEP_ASSERT(lin::describe(r, h).find("unknown: memory budget exceeded") == 0)
      << lin::describe(r, h);
  opt.max_memory = 8 << 20;  // the search starts, then runs out
  r = lin::check(R{}, h, opt);
  LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::unknown && r.stopped == lin::stop_reason::memory);
  LOCKSTEP_ASSERT(r.stats.peak_bytes <= opt.max_memory) << r.stats.peak_bytes;
  // A deadline that has passed before the first poll (every 4096 steps).
  opt = {};
  opt.timeout = 1e-9;
  r = lin::check(R{}, h, opt);
  LOCKSTEP_ASSERT(r.verdict_ == lin::verdict::unknown && r.stopped == lin::stop_reason::timeout);
  LOCKSTEP_ASSERT(r.stats.configurations > 0);
  LOCKSTEP_ASSERT(lin::describe(r, h).find("unknown: time limit exceeded; explored ") == 0)
      << lin::describe(r, h);
  // Without limits: decided.
  LOCKSTEP_ASSERT(lin::check(R{}, h).linearizable());
}

LOCKSTEP_UNIT_TEST(parallel_partitions_give_the_sequential_result) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    lin::generate_options g;
    g.ops = 4000;
    g.clients = 10;
    g.keys = 40;
    g.crash = 0.02;
    g.bad = seed % 2 == 0;
    g.seed = seed;
    const auto h = lin::generate_kv(g);
    lin::options one, many;
    many.jobs = 4;
    const lin::result a = lin::check(models::kv{}, h, one);
    LOCKSTEP_ASSERT(a.linearizable() == !g.bad) << seed;
    if (a.linearizable()) LOCKSTEP_ASSERT(lin::valid_linearization(models::kv{}, h, a.order));
    for (int rep = 0; rep < 3; ++rep) {
      const lin::result b = lin::check(models::kv{}, h, many);
      LOCKSTEP_ASSERT(a.verdict_ == b.verdict_ && a.order == b.order) << seed;
      LOCKSTEP_ASSERT(a.longest_prefix == b.longest_prefix && a.unplaced == b.unplaced) << seed;
    }
  }
}

namespace {

// register_model without the read_only hook: the search then branches on reads too.
struct register_without_hint {
  using state_type = R::state_type;
  using input_type = R::input_type;
  using output_type = R::output_type;
  state_type init() const { return R{}.init(); }
  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    return R{}.step(s, in, out);
  }
};

}  // namespace

LOCKSTEP_UNIT_TEST(read_only_hint_keeps_verdicts_and_prefix_length) {
  int bad = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    lin::generate_options g;
    g.ops = 300;
    g.clients = 2 + static_cast<unsigned>(seed % 3);
    g.values = 3;
    g.crash = seed % 3 == 0 ? 0.05 : 0;
    g.bad = seed % 2 == 0;
    g.seed = seed;
    const auto h = lin::generate_register(g);
    lin::history<register_without_hint> plain;
    for (const auto& o : h.ops) plain.ops.push_back(o);
    const lin::result a = lin::check(R{}, h), b = lin::check(register_without_hint{}, plain);
    LOCKSTEP_ASSERT(a.verdict_ != lin::verdict::unknown && b.verdict_ != lin::verdict::unknown);
    LOCKSTEP_ASSERT(a.verdict_ == b.verdict_) << seed;
    LOCKSTEP_ASSERT(a.longest_prefix.size() == b.longest_prefix.size())
        << seed << ": " << a.longest_prefix.size() << " vs " << b.longest_prefix.size();
    LOCKSTEP_ASSERT(a.stats.configurations <= b.stats.configurations) << seed;
    if (a.linearizable()) LOCKSTEP_ASSERT(lin::valid_linearization(R{}, h, a.order)) << seed;
    bad += !a.linearizable();
  }
  LOCKSTEP_ASSERT(bad >= 10) << bad;
}
