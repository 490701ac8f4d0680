// Real-thread stress tests of the blocking queues on std_platform (no checker: also run in
// the tsan preset). Histories of mixed try/timed/close operations are recorded and checked
// for linearizability against models/queue.hpp; many producers and consumers exchange a
// known set of items through a small queue and close it (nothing lost, nothing doubled, FIFO
// per producer); task_done/join and an Event-driven shutdown under real contention.
// Histories are recorded and checked by lockstep::stress_history (lincheck/scenario.hpp,
// which needs no checker).
#include <lockstep/blocking_queue.hpp>
#include <lockstep/event.hpp>
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/lincheck/scenario.hpp>
#include <lockstep/models/queue.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "queue_apply.hpp"

namespace lin = lockstep::lin;
using lockstep::models::queue_input;
using lockstep::models::queue_op;
using lockstep::models::queue_output;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kCapacity = 2;

template <class Q>
queue_output apply(Q& q, const queue_input& in) {
  return apply_queue_op(q, in, 100us);
}

// Runs the scenario on real threads `rounds` times; every round's history must be
// linearizable.
template <class M, class Q>
void check_histories(const lockstep::lin_scenario<queue_input>& plan, int rounds) {
  std::string why;
  auto r = lockstep::stress_history<M>(
      plan, [] { return std::make_unique<Q>(kCapacity); },
      [](Q& q, const queue_input& in) { return apply(q, in); }, rounds, &why);
  LOCKSTEP_ASSERT(r.linearizable()) << why;
}

const lockstep::lin_scenario<queue_input> kPlan{{
    {{queue_op::try_put, 1}, {queue_op::get_for}, {queue_op::put_for, 2}, {queue_op::try_get}},
    {{queue_op::put_for, 3}, {queue_op::try_get}, {queue_op::size}, {queue_op::get_for}},
    {{queue_op::try_get}, {queue_op::try_put, 1}, {queue_op::put_for, 2}, {queue_op::close}},
}};

using S = lockstep::std_platform;

// kProducers x kItems distinct items through a capacity-4 queue to kConsumers consumers;
// the queue is closed after the producers finish and consumers stop at nullopt.
template <class Q>
void conservation(bool check_fifo) {
  constexpr int kProducers = 3, kConsumers = 3, kItems = 5000;
  Q q(4);
  std::vector<std::atomic<int>> seen(kProducers * kItems);
  std::atomic<int> fifo_violations{0}, rejected{0};
  std::vector<std::thread> producers, consumers;
  // Worker threads only count; the asserts run on the test's thread.
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kItems; ++i) rejected.fetch_add(!q.put(p * kItems + i));
    });
  for (int c = 0; c < kConsumers; ++c)
    consumers.emplace_back([&] {
      std::vector<int> last(kProducers, -1);
      while (auto v = q.get()) {
        seen[static_cast<std::size_t>(*v)].fetch_add(1, std::memory_order_relaxed);
        int p = *v / kItems, i = *v % kItems;
        if (i <= last[static_cast<std::size_t>(p)]) fifo_violations.fetch_add(1);
        last[static_cast<std::size_t>(p)] = i;
      }
    });
  for (auto& t : producers) t.join();
  q.close();
  for (auto& t : consumers) t.join();
  LOCKSTEP_ASSERT(rejected.load() == 0) << "a put before close failed";
  int lost = 0, doubled = 0;
  for (auto& s : seen) {
    lost += s.load() == 0;
    doubled += s.load() > 1;
  }
  LOCKSTEP_ASSERT(lost == 0 && doubled == 0) << lost << " items lost, " << doubled << " doubled";
  if (check_fifo) LOCKSTEP_ASSERT(fifo_violations.load() == 0) << "FIFO per producer violated";
  LOCKSTEP_ASSERT(!q.try_get().has_value() && q.empty());
}

}  // namespace

LOCKSTEP_UNIT_TEST(queue_stress_fifo_histories_linearizable) {
  check_histories<lockstep::models::fifo_queue_model<kCapacity>, lockstep::BlockingQueue<int, S>>(
      kPlan, 300);
}
LOCKSTEP_UNIT_TEST(queue_stress_lifo_histories_linearizable) {
  check_histories<lockstep::models::lifo_queue_model<kCapacity>, lockstep::LifoQueue<int, S>>(kPlan,
                                                                                              300);
}
LOCKSTEP_UNIT_TEST(queue_stress_priority_histories_linearizable) {
  check_histories<lockstep::models::priority_queue_model<kCapacity>,
                  lockstep::PriorityQueue<int, S>>(kPlan, 300);
}

LOCKSTEP_UNIT_TEST(queue_stress_mpmc_conservation_fifo) {
  conservation<lockstep::BlockingQueue<int, S>>(/*check_fifo=*/true);
}
LOCKSTEP_UNIT_TEST(queue_stress_mpmc_conservation_lifo_priority) {
  conservation<lockstep::LifoQueue<int, S>>(false);
  conservation<lockstep::PriorityQueue<int, S>>(false);
}

// Consumers task_done every item; join() returns only when all were processed.
LOCKSTEP_UNIT_TEST(queue_stress_task_done_join) {
  constexpr int kItems = 20000;
  lockstep::BlockingQueue<int, S> q(8);
  std::atomic<int> processed{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < 2; ++c)
    consumers.emplace_back([&] {
      while (q.get()) {
        processed.fetch_add(1, std::memory_order_relaxed);
        q.task_done();
      }
    });
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) q.put(i);
  });
  producer.join();
  q.join();
  LOCKSTEP_ASSERT(processed.load() == kItems) << "join returned at " << processed.load();
  q.close();
  for (auto& t : consumers) t.join();
}

// Blocked getters and putters all return after close.
LOCKSTEP_UNIT_TEST(queue_stress_close_wakes_everyone) {
  for (int round = 0; round < 50; ++round) {
    lockstep::BlockingQueue<int, S> empty(1), full(1);
    full.put(0);
    std::atomic<int> returned{0}, wrong{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; ++i) {
      ts.emplace_back([&] {
        wrong.fetch_add(empty.get().has_value());
        returned.fetch_add(1);
      });
      ts.emplace_back([&] {
        wrong.fetch_add(full.put(1));
        returned.fetch_add(1);
      });
    }
    empty.close();
    full.close();
    for (auto& t : ts) t.join();
    LOCKSTEP_ASSERT(returned.load() == 6 && wrong.load() == 0) << wrong.load() << " wrong results";
    LOCKSTEP_ASSERT(full.get() == std::optional<int>(0)) << "queued item lost at close";
  }
}

// Producer-consumer with a shutdown Event: consumers poll with a timeout until shutdown,
// then drain; every item is consumed exactly once.
LOCKSTEP_UNIT_TEST(queue_stress_shutdown_event) {
  constexpr int kItems = 20000;
  lockstep::BlockingQueue<int, S> q(16);
  lockstep::Event<S> shutdown;
  std::vector<std::atomic<int>> seen(kItems);
  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c)
    consumers.emplace_back([&] {
      while (!shutdown.is_set()) {
        if (auto v = q.get_for(1ms)) seen[static_cast<std::size_t>(*v)].fetch_add(1);
      }
      while (auto v = q.try_get()) seen[static_cast<std::size_t>(*v)].fetch_add(1);
    });
  for (int i = 0; i < kItems; ++i) q.put(i);
  shutdown.set();
  for (auto& t : consumers) t.join();
  for (int i = 0; i < kItems; ++i)
    LOCKSTEP_ASSERT(seen[static_cast<std::size_t>(i)].load() == 1) << "item " << i;
}
