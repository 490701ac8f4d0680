// Model tests of the mutex + condition-variable bounded buffer, and the classic monitor bugs
// as broken twins: `if` instead of `while` around the wait, and notify before the state
// change. Also exercises timed waits and virtual time.
#include <lockstep/bounded_buffer.hpp>
#include <lockstep/check.hpp>

#include <mutex>

using P = lockstep::model_platform;

namespace {

// Broken twin: waits with `if`, so a woken consumer does not re-check the condition (a
// spurious wake-up, or another consumer that got there first, leaves the buffer empty).
class IfInsteadOfWhileBuffer {
 public:
  void put(int v) {
    std::unique_lock<P::mutex> lk(m_);
    if (full_.get()) not_full_.wait(lk);
    LOCKSTEP_ASSERT(!full_.get()) << "put into a full buffer";
    item_ = v;
    full_ = true;
    not_empty_.notify_one();
  }
  int get() {
    std::unique_lock<P::mutex> lk(m_);
    if (!full_.get()) not_empty_.wait(lk);
    LOCKSTEP_ASSERT(full_.get()) << "get from an empty buffer";
    full_ = false;
    not_full_.notify_one();
    return item_.get();
  }

 private:
  P::mutex m_;
  P::condition_variable not_full_, not_empty_;
  P::var<int> item_{0};
  P::var<bool> full_{false};
};

// Broken twin: the producer notifies before it changes the state (outside the lock), so the
// consumer can check, find nothing, and sleep through the only notification: a lost wake-up.
class NotifyBeforeChangeBuffer {
 public:
  void put(int v) {
    not_empty_.notify_one();
    std::lock_guard<P::mutex> g(m_);
    item_ = v;
    full_ = true;
  }
  int get() {
    std::unique_lock<P::mutex> lk(m_);
    while (!full_.get()) not_empty_.wait(lk);
    full_ = false;
    return item_.get();
  }

 private:
  P::mutex m_;
  P::condition_variable not_empty_;
  P::var<int> item_{0};
  P::var<bool> full_{false};
};

}  // namespace

// One producer of two items, two consumers: every item is received exactly once.
LOCKSTEP_TEST(bounded_buffer_no_lost_item) {
  lockstep::BoundedBuffer<int, P> buf(1);
  P::atomic<int> sum{0};
  P::thread prod([&] {
    buf.put(1);
    buf.put(2);
  });
  P::thread c1([&] { sum.fetch_add(buf.get()); });
  P::thread c2([&] { sum.fetch_add(buf.get()); });
  prod.join();
  c1.join();
  c2.join();
  LOCKSTEP_ASSERT(sum.load() == 3) << "items lost or duplicated: sum " << sum.load();
}

// Two producers, one consumer: FIFO per producer and nothing lost.
LOCKSTEP_TEST(bounded_buffer_fifo_per_producer) {
  lockstep::BoundedBuffer<int, P> buf(1);
  P::thread p1([&] {
    buf.put(10);
    buf.put(11);
  });
  P::thread p2([&] { buf.put(20); });
  int last1 = 0, n = 0;
  for (int i = 0; i < 3; ++i) {
    int v = buf.get();
    if (v / 10 == 1) {
      LOCKSTEP_ASSERT(v > last1) << "producer 1's items out of order";
      last1 = v;
    }
    ++n;
  }
  p1.join();
  p2.join();
  LOCKSTEP_ASSERT(n == 3);
}

LOCKSTEP_TEST(broken_if_instead_of_while_is_caught, {.expect = lockstep::failure_kind::assertion}) {
  IfInsteadOfWhileBuffer buf;
  P::thread prod([&] {
    buf.put(1);
    buf.put(2);
  });
  P::thread c1([&] { buf.get(); });
  P::thread c2([&] { buf.get(); });
  prod.join();
  c1.join();
  c2.join();
}

// With a single consumer only a spurious wake-up exposes the `if`.
LOCKSTEP_TEST(broken_if_caught_by_spurious_wakeup, {.expect = lockstep::failure_kind::assertion}) {
  IfInsteadOfWhileBuffer buf;
  P::thread c([&] { buf.get(); });
  buf.put(1);
  c.join();
}

LOCKSTEP_TEST(broken_notify_before_state_change_deadlocks,
              {.expect = lockstep::failure_kind::deadlock}) {
  NotifyBeforeChangeBuffer buf;
  P::thread c([&] { buf.get(); });
  buf.put(7);
  c.join();
}

// Timed waits: the consumer gives up after 10 ms of virtual time unless the producer came
// first; both outcomes are explored and each must be consistent.
LOCKSTEP_TEST(timed_wait_times_out_or_gets_item) {
  P::mutex m;
  P::condition_variable cv;
  P::var<bool> ready{false};
  P::thread prod([&] {
    std::lock_guard<P::mutex> g(m);
    ready = true;
    cv.notify_one();
  });
  {
    std::unique_lock<P::mutex> lk(m);
    auto t0 = P::clock::now();
    bool got = cv.wait_for(lk, std::chrono::milliseconds(10), [&] { return ready.get(); });
    auto waited = P::clock::now() - t0;
    if (!got) {
      LOCKSTEP_ASSERT(waited >= std::chrono::milliseconds(10)) << "timed out early";
      LOCKSTEP_ASSERT(!ready.get());
    }
  }
  prod.join();
}

LOCKSTEP_TEST(sleep_advances_virtual_time) {
  auto t0 = P::clock::now();
  P::this_thread::sleep_for(std::chrono::seconds(5));
  LOCKSTEP_ASSERT(P::clock::now() - t0 >= std::chrono::seconds(5));
}
