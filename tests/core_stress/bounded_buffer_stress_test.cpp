// Real-thread stress test of BoundedBuffer on std_platform (run under the tsan preset too):
// producers and consumers exchange a known multiset of items; nothing lost, nothing doubled,
// FIFO per producer.
#include <lockstep/bounded_buffer.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <thread>
#include <vector>

LOCKSTEP_UNIT_TEST(bounded_buffer_stress_2p2c) {
  constexpr int kProducers = 2, kConsumers = 2, kPerProducer = 20000;
  lockstep::BoundedBuffer<long> buf(4);
  std::atomic<long> sum{0};
  std::atomic<int> fifo_violations{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p)
    ts.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) buf.put(static_cast<long>(p) * 1000000 + i);
    });
  std::vector<std::vector<long>> last(kConsumers, std::vector<long>(kProducers, -1));
  for (int c = 0; c < kConsumers; ++c)
    ts.emplace_back([&, c] {
      for (int i = 0; i < kProducers * kPerProducer / kConsumers; ++i) {
        long v = buf.get();
        int p = static_cast<int>(v / 1000000);
        if (v % 1000000 <= last[c][p]) fifo_violations.fetch_add(1);
        last[c][p] = v % 1000000;
        sum.fetch_add(v);
      }
    });
  for (auto& t : ts) t.join();
  long expected = 0;
  for (int p = 0; p < kProducers; ++p)
    for (int i = 0; i < kPerProducer; ++i) expected += static_cast<long>(p) * 1000000 + i;
  LOCKSTEP_ASSERT(sum.load() == expected) << "items lost or duplicated";
  LOCKSTEP_ASSERT(fifo_violations.load() == 0) << "a consumer saw a producer's items out of order";
}
