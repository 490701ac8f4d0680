// Pool benchmarks, each against its peer in the same run:
//   batch/*      submit N trivial tasks, then wait for all results: ThreadPool<> (4 workers,
//                created once) vs std::async(std::launch::async) (a thread per task)
//   roundtrip/*  one task submitted and its result awaited (latency of a hand-off)
//   conn/*       ConnectionPool<int> acquire + return of a lease, pool of 2, 1-4 threads, vs
//                the bare lockstep::Semaphore<> acquire/release it is built on
#include <benchmark/benchmark.h>
#include <lockstep/connection_pool.hpp>
#include <lockstep/semaphore.hpp>
#include <lockstep/thread_pool.hpp>

#include <future>
#include <memory>
#include <vector>

namespace {

constexpr std::size_t kWorkers = 4;

lockstep::ThreadPool<>& shared_pool() {
  static lockstep::ThreadPool<> pool(kWorkers);
  return pool;
}

void BM_batch_thread_pool(benchmark::State& st) {
  auto& pool = shared_pool();
  const int n = static_cast<int>(st.range(0));
  std::vector<lockstep::Future<int>> fs;
  fs.reserve(static_cast<std::size_t>(n));
  for (auto _ : st) {
    fs.clear();
    for (int i = 0; i < n; ++i) fs.push_back(pool.submit([i] { return i + 1; }));
    long sum = 0;
    for (auto& f : fs) sum += f.result();
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(st.iterations() * n);
}

void BM_batch_std_async(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0));
  std::vector<std::future<int>> fs;
  fs.reserve(static_cast<std::size_t>(n));
  for (auto _ : st) {
    fs.clear();
    for (int i = 0; i < n; ++i) fs.push_back(std::async(std::launch::async, [i] { return i + 1; }));
    long sum = 0;
    for (auto& f : fs) sum += f.get();
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(st.iterations() * n);
}

void BM_roundtrip_thread_pool(benchmark::State& st) {
  auto& pool = shared_pool();
  for (auto _ : st) benchmark::DoNotOptimize(pool.submit([] { return 1; }).result());
}

void BM_roundtrip_std_async(benchmark::State& st) {
  for (auto _ : st)
    benchmark::DoNotOptimize(std::async(std::launch::async, [] { return 1; }).get());
}

lockstep::ConnectionPool<int>& shared_conns() {
  static lockstep::ConnectionPool<int> pool(2, [] { return std::make_unique<int>(7); });
  return pool;
}

void BM_conn_connection_pool(benchmark::State& st) {
  auto& pool = shared_conns();
  for (auto _ : st) {
    auto c = pool.acquire();
    benchmark::DoNotOptimize(*c);
  }
}

void BM_conn_semaphore(benchmark::State& st) {
  static lockstep::Semaphore<> sem(2);
  for (auto _ : st) {
    sem.acquire();
    benchmark::ClobberMemory();
    sem.release();
  }
}

}  // namespace

BENCHMARK(BM_batch_thread_pool)->Arg(16)->Arg(256)->UseRealTime();
BENCHMARK(BM_batch_std_async)->Arg(16)->Arg(256)->UseRealTime();
BENCHMARK(BM_roundtrip_thread_pool)->UseRealTime();
BENCHMARK(BM_roundtrip_std_async)->UseRealTime();
BENCHMARK(BM_conn_connection_pool)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_conn_semaphore)->Threads(1)->Threads(4)->UseRealTime();

BENCHMARK_MAIN();
