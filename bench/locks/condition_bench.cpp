// Condition benchmarks (issue 17): should lockstep::Condition (std::mutex +
// std::condition_variable under std_platform) move to lockstep::Lock + a futex-word condition
// (a sequence number that notify bumps, as a futex condvar does)? This measures the current
// Condition against such a prototype (FutexCondition below, benchmark-only) on the three
// costs a condition adds:
//   notify_idle: lock, update, notify_one with nobody waiting, unlock (a producer whose
//     consumer keeps up: the common case);
//   ping_pong:   two threads hand a turn back and forth, each waiting for its turn with
//     wait(pred) and notifying the other (every hand-off sleeps and wakes a thread);
//   timed_ping_pong: the same with wait_for(pred) (a futex word has no timed wait in C++20:
//     the prototype polls with backoff, as lockstep's timed waits do).
// Results and the decision: BENCHMARKS.md, "Futex-word blocking primitives (issue 17)".
#include <benchmark/benchmark.h>

#include <lockstep/condition.hpp>
#include <lockstep/detail/futex_wait.hpp>
#include <lockstep/lock.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

namespace {

using namespace std::chrono_literals;

// Prototype only (not a lockstep primitive): lockstep::Lock + a sequence word. A waiter
// registers under the lock, reads the sequence, unlocks and sleeps until the sequence moves;
// notify bumps the sequence and wakes only if someone registered.
class FutexCondition {
 public:
  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  template <class Pred>
  void wait(Pred pred) {
    while (!pred()) {
      const std::uint32_t s = seq_.load(std::memory_order_relaxed);
      waiters_.fetch_add(1, std::memory_order_relaxed);
      m_.unlock();
      seq_.wait(s, std::memory_order_relaxed);
      waiters_.fetch_sub(1, std::memory_order_relaxed);
      m_.lock();
    }
  }
  template <class Pred>
  bool wait_for(std::chrono::nanoseconds d, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (!pred()) {
      const std::uint32_t s = seq_.load(std::memory_order_relaxed);
      m_.unlock();
      const bool moved = lockstep::detail::poll_until<lockstep::std_platform>(
          deadline, [&] { return seq_.load(std::memory_order_relaxed) != s; });
      m_.lock();
      if (!moved) return pred();
    }
    return true;
  }
  void notify_one() {
    seq_.fetch_add(1, std::memory_order_relaxed);
    if (waiters_.load(std::memory_order_relaxed) != 0) seq_.notify_one();
  }

 private:
  lockstep::Lock<> m_;
  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> waiters_{0};
};

struct LockstepCondition {
  lockstep::Condition<> c;
  void lock() { c.lock(); }
  void unlock() { c.unlock(); }
  template <class Pred>
  void wait(Pred pred) {
    c.wait(pred);
  }
  template <class Pred>
  bool wait_for(std::chrono::nanoseconds d, Pred pred) {
    return c.wait_for(d, pred);
  }
  void notify_one() { c.notify(1); }
};

template <class C>
void BM_NotifyIdle(benchmark::State& state) {
  C c;
  std::uint64_t x = 0;
  for (auto _ : state) {
    c.lock();
    benchmark::DoNotOptimize(++x);
    c.notify_one();
    c.unlock();
  }
}

// Two threads alternate: thread i waits until turn == i, flips it, notifies. One iteration is
// one hand-off per thread.
template <class C, bool kTimed>
void BM_PingPong(benchmark::State& state) {
  static C c;
  static int turn = 0;
  const int me = state.thread_index();
  for (auto _ : state) {
    c.lock();
    if constexpr (kTimed) {
      while (!c.wait_for(100ms, [&] { return turn == me; })) {
      }
    } else {
      c.wait([&] { return turn == me; });
    }
    turn = 1 - me;
    c.notify_one();
    c.unlock();
  }
}

BENCHMARK_TEMPLATE(BM_NotifyIdle, LockstepCondition)->Name("notify_idle/Condition");
BENCHMARK_TEMPLATE(BM_NotifyIdle, FutexCondition)->Name("notify_idle/FutexCondition");
BENCHMARK_TEMPLATE(BM_PingPong, LockstepCondition, false)
    ->Name("ping_pong/Condition")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_PingPong, FutexCondition, false)
    ->Name("ping_pong/FutexCondition")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_PingPong, LockstepCondition, true)
    ->Name("timed_ping_pong/Condition")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_PingPong, FutexCondition, true)
    ->Name("timed_ping_pong/FutexCondition")
    ->Threads(2)
    ->UseRealTime();

// As in locks_bench.cpp: glibc's lock elision for single-threaded processes would flatter
// std::mutex; start one thread first.
const bool g_multi_threaded = [] {
  std::thread([] {}).join();
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
