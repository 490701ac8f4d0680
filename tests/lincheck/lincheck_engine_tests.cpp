// Tests of lin::check's search engine itself (memo table, transition cache, pruning of open
// operations), as opposed to lincheck_tests.cpp's verdicts on Porcupine's files:
//   * the memo budget: a tiny options.max_cache gives `unknown`, never a crash or a wrong
//     verdict, and the same history with the default budget gets its real verdict;
//   * differential: on thousands of small random register and kv histories (with open
//     operations) lin::check agrees with a brute-force search over all orders, and every
//     order it returns replays through the model in real-time order.
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
    const lin::result r = lin::check(R{}, h);
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
    const lin::result r = lin::check(models::kv{}, h);
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
