// Example 5: replay + HTML. This program has a deliberate bug; the checker finds it, prints a
// replay token and, with --html=FILE, draws the failing execution as a page: one column per
// thread, time downward, an arrow from the store each load read, the two racing accesses and
// the failure highlighted (replay_html.cmake runs it and its replay, as a CTest test).
//
// A producer fills a buffer and raises a flag; a consumer waits for the flag and reads the
// buffer. The flag is stored and loaded with memory_order_relaxed, which orders nothing: the
// consumer can see the flag and still read the buffer unordered with the producer's write — a
// data race the checker reports even under sequential consistency (happens-before is what
// counts). The fix is release on the store and acquire on the load.
#include <lockstep/check.hpp>

namespace {
using P = lockstep::model_platform;
}

LOCKSTEP_TEST(consumer_sees_the_published_buffer) {
  P::atomic<bool> ready{false};
  P::var<int> buffer{0};
  P::thread producer([&] {
    buffer.set(42);
    ready.store(true, std::memory_order_relaxed);  // bug: must be release
  });
  P::thread consumer([&] {
    if (ready.load(std::memory_order_relaxed))  // bug: must be acquire
      LOCKSTEP_ASSERT(buffer.get() == 42) << "read a half-published buffer";
  });
  producer.join();
  consumer.join();
}
