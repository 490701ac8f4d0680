// Example 6: one exhaustive search split into shards, as a CI matrix would run it.
//
// A ticket lock checked with three threads: exhaustive exploration visits every execution
// graph of the program. `--shard=I/N` (or TEST_SHARD_INDEX / TEST_TOTAL_SHARDS, as Bazel and
// Kubernetes Indexed Jobs set them) explores part I of N of that search: the parts are
// disjoint and together they are exactly the single run. Each shard writes `--json=FILE`;
// `<binary> --merge shard-*.json` prints the combined table. sharded.cmake runs three shards
// as separate processes, merges them and checks the total against the single run.
#include <lockstep/check.hpp>
#include <lockstep/std_platform.hpp>

#include <atomic>

namespace {

// Take a ticket, wait until it is served; unlock serves the next one. FIFO by construction.
template <class P = lockstep::std_platform>
class TicketLock {
 public:
  void lock() {
    const unsigned mine = next_.fetch_add(1, std::memory_order_relaxed);
    while (serving_.load(std::memory_order_acquire) != mine) P::spin_pause();
  }
  void unlock() {
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  typename P::template atomic<unsigned> next_{0};
  typename P::template atomic<unsigned> serving_{0};
};

using M = lockstep::model_platform;

}  // namespace

// Three threads increment a plain shared counter under the lock: no data race, no lost
// update, in every execution (under the C++11 memory model too: acquire/release).
LOCKSTEP_TEST(ticket_lock_three_threads, {.random = false, .memory = lockstep::memory_model::c11}) {
  TicketLock<M> lock;
  M::var<int> counter{0};
  auto work = [&] {
    lock.lock();
    counter += 1;
    lock.unlock();
  };
  M::thread a(work), b(work);
  work();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(counter.get() == 3);
}
