// Queue benchmarks (issue 5): producer/consumer throughput, 1P1C and 2P2C, of
// lockstep::BlockingQueue against a std::mutex + condition_variable + deque baseline,
// tbb::concurrent_bounded_queue, moodycamel::ConcurrentQueue / BlockingConcurrentQueue,
// boost::lockfree::queue and (1P1C only) boost::lockfree::spsc_queue.
//
// Each benchmark iteration moves kItems integers from the producers to the consumers; the
// reported items_per_second counts items delivered. Bounded queues use capacity kCapacity;
// the moodycamel queues are unbounded (they have no blocking bounded mode), and the
// non-blocking ones (moodycamel::ConcurrentQueue, boost::lockfree) spin with a yield when
// empty/full — that is how they are used.
#include <benchmark/benchmark.h>
#include <tbb/concurrent_queue.h>
#include <lockstep/blocking_queue.hpp>

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int kItems = 200000;
constexpr std::size_t kCapacity = 1024;

// Baseline: the textbook monitor.
class MutexQueue {
 public:
  explicit MutexQueue(std::size_t cap) : cap_(cap) {}
  void push(int v) {
    std::unique_lock<std::mutex> lk(m_);
    not_full_.wait(lk, [&] { return q_.size() < cap_; });
    q_.push_back(v);
    not_empty_.notify_one();
  }
  int pop() {
    std::unique_lock<std::mutex> lk(m_);
    not_empty_.wait(lk, [&] { return !q_.empty(); });
    int v = q_.front();
    q_.pop_front();
    not_full_.notify_one();
    return v;
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<int> q_;
  const std::size_t cap_;
};

// Adapters: push blocks (or spins) until accepted, pop until an item arrives.
struct Lockstep {
  lockstep::BlockingQueue<int> q{kCapacity};
  void push(int v) { q.put(v); }
  int pop() { return *q.get(); }
};
struct Baseline {
  MutexQueue q{kCapacity};
  void push(int v) { q.push(v); }
  int pop() { return q.pop(); }
};
struct TbbBounded {
  TbbBounded() { q.set_capacity(kCapacity); }
  tbb::concurrent_bounded_queue<int> q;
  void push(int v) { q.push(v); }
  int pop() {
    int v = 0;
    q.pop(v);
    return v;
  }
};
struct Moodycamel {
  moodycamel::ConcurrentQueue<int> q;
  void push(int v) { q.enqueue(v); }
  int pop() {
    int v = 0;
    while (!q.try_dequeue(v)) std::this_thread::yield();
    return v;
  }
};
struct MoodycamelBlocking {
  moodycamel::BlockingConcurrentQueue<int> q;
  void push(int v) { q.enqueue(v); }
  int pop() {
    int v = 0;
    q.wait_dequeue(v);
    return v;
  }
};
struct BoostLockfree {
  boost::lockfree::queue<int> q{kCapacity};
  void push(int v) {
    while (!q.bounded_push(v)) std::this_thread::yield();
  }
  int pop() {
    int v = 0;
    while (!q.pop(v)) std::this_thread::yield();
    return v;
  }
};
struct BoostSpsc {
  boost::lockfree::spsc_queue<int, boost::lockfree::capacity<kCapacity>> q;
  void push(int v) {
    while (!q.push(v)) std::this_thread::yield();
  }
  int pop() {
    int v = 0;
    while (!q.pop(v)) std::this_thread::yield();
    return v;
  }
};

// Pairs producers with consumers; each producer sends kItems / pairs items, each consumer
// receives as many. A checksum keeps the work observable.
template <class Q>
void BM_ProducerConsumer(benchmark::State& state) {
  const int pairs = static_cast<int>(state.range(0));
  const int per = kItems / pairs;
  std::int64_t checksum = 0;
  for (auto _ : state) {
    Q q;
    std::vector<std::thread> ts;
    std::vector<std::int64_t> sums(static_cast<std::size_t>(pairs), 0);
    for (int p = 0; p < pairs; ++p) {
      ts.emplace_back([&q, per] {
        for (int i = 0; i < per; ++i) q.push(i);
      });
      ts.emplace_back([&q, &sums, p, per] {
        std::int64_t s = 0;
        for (int i = 0; i < per; ++i) s += q.pop();
        sums[static_cast<std::size_t>(p)] = s;
      });
    }
    for (auto& t : ts) t.join();
    for (auto s : sums) checksum += s;
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(per) * pairs);
}

#define QUEUE_BENCH(Q)                       \
  BENCHMARK_TEMPLATE(BM_ProducerConsumer, Q) \
      ->Arg(1)                               \
      ->Arg(2)                               \
      ->UseRealTime()                        \
      ->Unit(benchmark::kMillisecond)

QUEUE_BENCH(Lockstep);
QUEUE_BENCH(Baseline);
QUEUE_BENCH(TbbBounded);
QUEUE_BENCH(Moodycamel);
QUEUE_BENCH(MoodycamelBlocking);
QUEUE_BENCH(BoostLockfree);
BENCHMARK_TEMPLATE(BM_ProducerConsumer, BoostSpsc)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
