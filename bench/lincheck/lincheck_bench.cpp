// Linearizability checker benchmarks over Porcupine's test data (103 Jepsen etcd logs, 6 kv
// histories), the workload Porcupine's own test suite times:
//   check/all        lin::check over all 109 parsed histories (one iteration = 109 checks);
//                    comparable to Porcupine's test timings, which exclude parsing
//   parse/all        read + parse of all 109 files (reported separately so the check figure
//                    is not flattered or penalised by I/O and parsing)
//   check/<file>     one history: every file, so the slowest ones are visible
//   parse/<file>     parse only, for the two largest/slowest histories
//   baseline/...     the same checks with the checker as it was before issue 3's tuning
//                    (baseline_lincheck.hpp): the same-run peer, since Porcupine (Go) cannot
//                    be run here; its published figures are quoted in BENCHMARKS.md
// Parsed histories are built once outside the timed loop.
#include <benchmark/benchmark.h>
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/lincheck/porcupine_format.hpp>

#include "baseline_lincheck.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace lockstep;

struct file {
  std::string name;  // e.g. "etcd_002", "kv_c50-ok"
  std::string path;
  bool is_kv;
  std::string text;
  lin::history<models::register_model> etcd;
  lin::history<models::kv> kv;
};

std::vector<file>& corpus() {
  static std::vector<file> files = [] {
    const std::string dir = LOCKSTEP_PORCUPINE_DIR;
    std::vector<file> fs;
    for (int i = 0; i <= 102; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "etcd_%03d", i);
      fs.push_back({buf, dir + "/jepsen/" + buf + ".log", false, {}, {}, {}});
    }
    for (const char* c : {"c01", "c10", "c50"})
      for (const char* v : {"ok", "bad"}) {
        std::string n = std::string(c) + "-" + v;
        fs.push_back({"kv_" + n, dir + "/kv/" + n + ".txt", true, {}, {}, {}});
      }
    for (auto& f : fs) {
      f.text = lin::read_file(f.path);
      if (f.is_kv)
        f.kv = lin::parse_kv(f.text, f.path);
      else
        f.etcd = lin::parse_etcd(f.text, f.path);
    }
    return fs;
  }();
  return files;
}

// Returns the verdict so the optimiser cannot drop the check; an `unknown` would mean the
// benchmark measured a search that gave up, so it aborts the run instead.
lin::verdict check(const file& f) {
  lin::result r =
      f.is_kv ? lin::check(models::kv{}, f.kv) : lin::check(models::register_model{}, f.etcd);
  if (r.verdict_ == lin::verdict::unknown) throw std::runtime_error(f.name + ": unknown");
  return r.verdict_;
}

lin::verdict check_baseline(const file& f) {
  lin::result r =
      f.is_kv ? bench_baseline::check(bench_baseline::kv_string_model{}, f.kv,
                                      [](const auto& h) { return models::kv{}.partition(h); })
              : bench_baseline::check(models::register_model{}, f.etcd, [](const auto& h) {
                  std::vector<std::vector<std::size_t>> all(1);
                  for (std::size_t i = 0; i < h.ops.size(); ++i) all[0].push_back(i);
                  return all;
                });
  if (r.verdict_ == lin::verdict::unknown) throw std::runtime_error(f.name + ": unknown");
  return r.verdict_;
}

std::size_t parse(const file& f) {
  std::string text = lin::read_file(f.path);
  return f.is_kv ? lin::parse_kv(text, f.path).ops.size()
                 : lin::parse_etcd(text, f.path).ops.size();
}

void BM_CheckAll(benchmark::State& state) {
  const auto& fs = corpus();
  for (auto _ : state)
    for (const auto& f : fs) benchmark::DoNotOptimize(check(f));
  state.counters["files"] = static_cast<double>(fs.size());
}

void BM_BaselineAll(benchmark::State& state) {
  const auto& fs = corpus();
  for (auto _ : state)
    for (const auto& f : fs) benchmark::DoNotOptimize(check_baseline(f));
  state.counters["files"] = static_cast<double>(fs.size());
}

void BM_BaselineOne(benchmark::State& state, const file* f) {
  for (auto _ : state) benchmark::DoNotOptimize(check_baseline(*f));
}

void BM_ParseAll(benchmark::State& state) {
  const auto& fs = corpus();
  for (auto _ : state)
    for (const auto& f : fs) benchmark::DoNotOptimize(parse(f));
  state.counters["files"] = static_cast<double>(fs.size());
}

void BM_CheckOne(benchmark::State& state, const file* f) {
  for (auto _ : state) benchmark::DoNotOptimize(check(*f));
  state.counters["ops"] = static_cast<double>(f->is_kv ? f->kv.ops.size() : f->etcd.ops.size());
}

void BM_ParseOne(benchmark::State& state, const file* f) {
  for (auto _ : state) benchmark::DoNotOptimize(parse(*f));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("check/all", BM_CheckAll)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("parse/all", BM_ParseAll)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("baseline/check/all", BM_BaselineAll)->Unit(benchmark::kMillisecond);
  for (const auto& f : corpus()) {
    benchmark::RegisterBenchmark(("check/" + f.name).c_str(), BM_CheckOne, &f)
        ->Unit(benchmark::kMicrosecond);
    if (f.name == "etcd_002" || f.name == "kv_c50-ok") {
      benchmark::RegisterBenchmark(("parse/" + f.name).c_str(), BM_ParseOne, &f)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("baseline/check/" + f.name).c_str(), BM_BaselineOne, &f)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
