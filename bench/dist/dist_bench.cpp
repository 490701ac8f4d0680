// Throughput and retry rate vs contention of four ways to make a bank transfer safe:
// pessimistic (SQLite BEGIN IMMEDIATE, PostgreSQL SELECT … FOR UPDATE), optimistic (version
// column, retried), and PostgreSQL transfers guarded by a Redis lock / Redlock (3 instances)
// on both accounts. Contention = the number of accounts the transfers pick from (2: every
// transfer hits the same pair; 256: rarely collide).
//
// Counters: items_per_second = transfers/s (all threads); retries_per_transfer = extra
// transactions (optimistic/pessimistic) or extra lock attempts (Redis/Redlock) per transfer.
//
// Servers: LOCKSTEP_REDIS_STATE / LOCKSTEP_PG_STATE as exported by ci/servers/with-servers.sh.
#include <benchmark/benchmark.h>
#include <lockstep/dist/pg_bank.hpp>
#include <lockstep/dist/redis.hpp>
#include <lockstep/dist/redlock.hpp>
#include <lockstep/dist/sqlite_bank.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace ld = lockstep::dist;

namespace {

constexpr std::int64_t kOpening = 1'000'000;  // large: transfers are almost never refused

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::optional<std::string> pg_conninfo() {
  std::ifstream in(env("LOCKSTEP_PG_STATE") + "/conninfo");
  std::string line;
  if (!std::getline(in, line) || line.empty()) return std::nullopt;
  return line;
}

std::vector<ld::redis_endpoint> redis_endpoints() {
  std::ifstream in(env("LOCKSTEP_REDIS_STATE") + "/ports");
  std::vector<ld::redis_endpoint> eps;
  for (int p; in >> p;) eps.push_back({"127.0.0.1", p});
  return eps;
}

std::string sqlite_path() {
  auto dir = std::filesystem::temp_directory_path() / "lockstep-bench-dist";
  std::filesystem::create_directories(dir);
  return (dir / "bank.db").string();
}

// A random transfer between two distinct accounts of 1..accounts.
struct transfer_gen {
  std::mt19937_64 rng;
  int accounts;
  ld::transfer_request next() {
    std::uniform_int_distribution<int> a(1, accounts);
    ld::transfer_request t;
    t.id = ld::random_token();
    t.from = a(rng);
    do t.to = a(rng);
    while (t.to == t.from);
    t.amount = 1 + static_cast<std::int64_t>(rng() % 100);
    return t;
  }
};

void report(benchmark::State& state, std::int64_t transfers, std::int64_t retries) {
  state.SetItemsProcessed(transfers);
  state.counters["retries_per_transfer"] = benchmark::Counter(
      transfers ? static_cast<double>(retries) / static_cast<double>(transfers) : 0.0,
      benchmark::Counter::kAvgThreads);
}

void BM_sqlite(benchmark::State& state, ld::lock_mode mode) {
  const int accounts = static_cast<int>(state.range(0));
  const auto path = sqlite_path();
  if (state.thread_index() == 0) ld::sqlite_bank::create(path, accounts, kOpening);
  // Threads start their loops together (benchmark's barrier), after thread 0 created the db.
  std::optional<ld::sqlite_bank> bank;
  transfer_gen gen{std::mt19937_64(static_cast<std::uint64_t>(state.thread_index()) + 1), accounts};
  std::int64_t n = 0, retries = 0;
  for (auto _ : state) {
    if (!bank) bank.emplace(path, ld::bank_options{.mode = mode});
    auto r = bank->transfer(gen.next());
    if (r.status == ld::transfer_status::gave_up) state.SkipWithError("transfer gave up");
    retries += r.attempts - 1;
    ++n;
  }
  report(state, n, retries);
}

void BM_pg(benchmark::State& state, ld::lock_mode mode) {
  const auto conninfo = pg_conninfo();
  if (!conninfo) {
    state.SkipWithError("no PostgreSQL: run under ci/servers/with-servers.sh");
    for (auto _ : state) {
    }
    return;
  }
  const int accounts = static_cast<int>(state.range(0));
  const std::string schema = "bench";
  if (state.thread_index() == 0) ld::pg_bank::create(*conninfo, schema, accounts, kOpening);
  std::optional<ld::pg_bank> bank;
  transfer_gen gen{std::mt19937_64(static_cast<std::uint64_t>(state.thread_index()) + 1), accounts};
  std::int64_t n = 0, retries = 0;
  for (auto _ : state) {
    if (!bank) bank.emplace(*conninfo, schema, ld::bank_options{.mode = mode});
    auto r = bank->transfer(gen.next());
    if (r.status == ld::transfer_status::gave_up) state.SkipWithError("transfer gave up");
    retries += r.attempts - 1;
    ++n;
  }
  report(state, n, retries);
}

// PostgreSQL transfers without row locks, guarded by one distributed lock per account (taken
// in id order, so two transfers never wait for each other in a cycle).
template <class Lock, class Make>
void BM_pg_with_lock(benchmark::State& state, Make make) {
  const auto conninfo = pg_conninfo();
  const auto eps = redis_endpoints();
  if (!conninfo || eps.size() < 3) {
    state.SkipWithError("no servers: run under ci/servers/with-servers.sh");
    for (auto _ : state) {
    }
    return;
  }
  const int accounts = static_cast<int>(state.range(0));
  const std::string schema = "bench";
  const std::string prefix = "bench:" + std::to_string(accounts) + ":";
  if (state.thread_index() == 0) ld::pg_bank::create(*conninfo, schema, accounts, kOpening);
  std::optional<ld::pg_bank> bank;
  std::vector<Lock> locks;  // one client per account lock name
  transfer_gen gen{std::mt19937_64(static_cast<std::uint64_t>(state.thread_index()) + 1), accounts};
  std::int64_t n = 0;
  for (auto _ : state) {
    if (!bank) {
      bank.emplace(*conninfo, schema, ld::bank_options{.mode = ld::lock_mode::external});
      for (int a = 1; a <= accounts; ++a) locks.push_back(make(eps, prefix + std::to_string(a)));
    }
    auto t = gen.next();
    auto& first = locks[static_cast<std::size_t>(std::min(t.from, t.to) - 1)];
    auto& second = locks[static_cast<std::size_t>(std::max(t.from, t.to) - 1)];
    auto l1 = first.acquire(10s);
    auto l2 = l1 ? second.acquire(10s) : std::nullopt;
    if (!l1 || !l2) {
      state.SkipWithError("lock acquisition timed out");
      break;
    }
    bank->transfer(t);
    second.release(*l2);
    first.release(*l1);
    ++n;
  }
  std::int64_t acquired = 0, attempts = 0;
  for (auto& l : locks) {
    acquired += static_cast<std::int64_t>(l.stats().acquired);
    attempts += static_cast<std::int64_t>(l.stats().attempts);
  }
  report(state, n, attempts - acquired);
}

ld::redis_lock make_redis(const std::vector<ld::redis_endpoint>& eps, const std::string& name) {
  return ld::redis_lock(eps[0], name, {.timing = {.ttl = 5000ms}});
}
ld::redlock make_redlock(const std::vector<ld::redis_endpoint>& eps, const std::string& name) {
  return ld::redlock(eps, name, {.timing = {.ttl = 5000ms}});
}

void BM_pg_redis_lock(benchmark::State& state) {
  BM_pg_with_lock<ld::redis_lock>(state, make_redis);
}
void BM_pg_redlock(benchmark::State& state) { BM_pg_with_lock<ld::redlock>(state, make_redlock); }

void contention(benchmark::internal::Benchmark* b) {
  b->ArgName("accounts")->Arg(2)->Arg(16)->Arg(256)->Threads(4)->UseRealTime()->MinTime(1.0);
}

}  // namespace

BENCHMARK_CAPTURE(BM_sqlite, pessimistic, ld::lock_mode::pessimistic)->Apply(contention);
BENCHMARK_CAPTURE(BM_sqlite, optimistic, ld::lock_mode::optimistic)->Apply(contention);
BENCHMARK_CAPTURE(BM_pg, pessimistic, ld::lock_mode::pessimistic)->Apply(contention);
BENCHMARK_CAPTURE(BM_pg, optimistic, ld::lock_mode::optimistic)->Apply(contention);
BENCHMARK(BM_pg_redis_lock)->Apply(contention);
BENCHMARK(BM_pg_redlock)->Apply(contention);

BENCHMARK_MAIN();
