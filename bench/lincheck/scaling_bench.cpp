// Scaling benchmarks of lin::check (issue 15) on generated histories
// (lockstep/lincheck/generate.hpp: seeded; linearizable by construction, or with one planted
// impossible read). One row per workload; the history is generated once, outside the timed
// loop. Counters per row:
//   verdict         0 linearizable, 1 not linearizable, 2 unknown (limit reached)
//   configurations  memo entries explored
//   checker_MB      peak bytes of the checker's tables (its own accounting, options.max_memory)
//   ops, clients, keys
// Peak RSS of a row (history included) is measured by running the row alone under
// /usr/bin/time -v (see BENCHMARKS.md). Every row runs with --timeout-like limits
// (options.timeout = 30 s, options.max_memory = 4 GiB), so a search that cannot finish ends as
// a bounded "unknown" instead of running away.
#include <benchmark/benchmark.h>
#include <lockstep/lincheck/generate.hpp>
#include <lockstep/lincheck/lincheck.hpp>

#include <map>
#include <string>

namespace {

using namespace lockstep;

struct workload {
  std::string name;
  bool kv;
  lin::generate_options gen;
  unsigned jobs = 1;
};

template <class M>
const lin::history<M>& cached(const workload& w) {
  static std::map<std::string, lin::history<M>> cache;
  auto it = cache.find(w.name);
  if (it == cache.end()) {
    if constexpr (std::is_same_v<M, models::kv>)
      it = cache.emplace(w.name, lin::generate_kv(w.gen)).first;
    else
      it = cache.emplace(w.name, lin::generate_register(w.gen)).first;
  }
  return it->second;
}

template <class M>
void run(benchmark::State& state, const workload& w) {
  const auto& h = cached<M>(w);
  lin::options opt;
  opt.timeout = 30;
  opt.max_memory = std::size_t{4} << 30;
  opt.jobs = w.jobs;
  lin::result r;
  for (auto _ : state) {
    r = lin::check(M{}, h, opt);
    benchmark::DoNotOptimize(r.verdict_);
  }
  state.counters["verdict"] = static_cast<double>(r.verdict_);
  state.counters["configurations"] = static_cast<double>(r.stats.configurations);
  state.counters["checker_MB"] = static_cast<double>(r.stats.peak_bytes) / (1 << 20);
  state.counters["ops"] = static_cast<double>(h.ops.size());
  state.counters["clients"] = w.gen.clients;
  state.counters["keys"] = static_cast<double>(w.gen.keys);
  if (r.verdict_ == lin::verdict::unknown) state.SetLabel(lin::stop_text(r.stopped));
}

workload make(std::string name, bool kv, std::size_t ops, unsigned clients, std::size_t keys,
              bool bad, double crash = 0, unsigned jobs = 1) {
  workload w{std::move(name), kv, {}, jobs};
  w.gen.ops = ops;
  w.gen.clients = clients;
  w.gen.keys = keys;
  w.gen.bad = bad;
  w.gen.crash = crash;
  w.gen.seed = 15;
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  static const std::vector<workload> rows = {
      make("kv/2k_ops/10_clients/1_key/ok", true, 2'000, 10, 1, false),
      make("kv/2k_ops/10_clients/1_key/bad", true, 2'000, 10, 1, true),
      make("kv/10k_ops/10_clients/10_keys/ok", true, 10'000, 10, 10, false),
      make("kv/10k_ops/10_clients/10_keys/bad", true, 10'000, 10, 10, true),
      make("kv/100k_ops/50_clients/100_keys/ok", true, 100'000, 50, 100, false),
      make("kv/100k_ops/50_clients/100_keys/bad", true, 100'000, 50, 100, true),
      make("kv/1M_ops/100_clients/1000_keys/ok", true, 1'000'000, 100, 1000, false),
      make("kv/1M_ops/100_clients/1000_keys/bad", true, 1'000'000, 100, 1000, true),
      make("kv/1M_ops/100_clients/1000_keys/ok/jobs:2", true, 1'000'000, 100, 1000, false, 0, 2),
      make("register/100k_ops/5_clients/ok", false, 100'000, 5, 1, false),
      make("register/100k_ops/5_clients/bad", false, 100'000, 5, 1, true),
      make("register/1M_ops/1_client/ok", false, 1'000'000, 1, 1, false),
      make("register/2k_ops/20_clients/ok", false, 2'000, 20, 1, false),
      make("register/2k_ops/20_clients/bad", false, 2'000, 20, 1, true),
      make("register/10k_ops/10_clients/crash_5pct/ok", false, 10'000, 10, 1, false, 0.05),
      make("register/10k_ops/10_clients/crash_5pct/bad", false, 10'000, 10, 1, true, 0.05),
  };
  for (const auto& w : rows) {
    auto* b = w.kv ? benchmark::RegisterBenchmark(w.name.c_str(), run<models::kv>, w)
                   : benchmark::RegisterBenchmark(w.name.c_str(), run<models::register_model>, w);
    b->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
