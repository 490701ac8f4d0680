// Contract tests of BlockingQueue (blocking_queue.hpp) and BoundedBuffer (bounded_buffer.hpp):
// get()/put() block (never return early on a spurious wake-up: an open queue's get() returns
// an item, a put() while not closed accepts it); put_for/get_for give up only at their
// deadline on the virtual clock and succeed when the item or slot was there before the call;
// try_put/try_get while another thread holds the only slot, and racing each other; close() wakes
// two blocked getters and two blocked putters; join() waits for two task_done() calls, task_done()
// without an item throws; capacity 1 at its boundary; size() read concurrently; the
// BoundedBuffer with one slot and two consumers; join() from two threads; closed() read while
// another thread closes; BoundedBuffer in FIFO order across the end of its ring. Broken twins: a
// copy of the queue's blocking core with one line changed.
#include <lockstep/blocking_queue.hpp>
#include <lockstep/bounded_buffer.hpp>
#include <lockstep/check.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

using Queue = lockstep::BlockingQueue<int, P>;

enum class queue_bug {
  get_if,            // get() waits once (`if`): a spurious wake-up returns nullopt while open
  close_notify_one,  // close() wakes one getter, not all
  join_if,           // join() waits once (`if`)
};

// The blocking core of BasicBlockingQueue (FIFO, blocking_queue.hpp) with the bug B.
template <queue_bug B>
class TwinQueue {
 public:
  explicit TwinQueue(std::size_t cap) : cap_(cap) {}
  bool put(int v) {
    std::unique_lock<P::mutex> lk(m_);
    while (items_.cref().size() >= cap_ && !closed_.get()) not_full_.wait(lk);
    if (closed_.get() || items_.cref().size() >= cap_) return false;
    items_.ref().push_back(v);
    unfinished_ += 1;
    not_empty_.notify_one();
    return true;
  }
  std::optional<int> get() {
    std::unique_lock<P::mutex> lk(m_);
    if constexpr (B == queue_bug::get_if) {
      if (items_.cref().empty() && !closed_.get()) not_empty_.wait(lk);
    } else {
      while (items_.cref().empty() && !closed_.get()) not_empty_.wait(lk);
    }
    if (items_.cref().empty()) return std::nullopt;
    const int v = items_.cref().front();
    items_.ref().pop_front();
    not_full_.notify_one();
    return v;
  }
  void close() {
    {
      std::lock_guard<P::mutex> g(m_);
      closed_ = true;
    }
    if constexpr (B == queue_bug::close_notify_one)
      not_empty_.notify_one();
    else
      not_empty_.notify_all();
    not_full_.notify_all();
  }
  void task_done() {
    std::lock_guard<P::mutex> g(m_);
    unfinished_ -= 1;
    if (unfinished_.get() == 0) all_done_.notify_all();
  }
  void join() {
    std::unique_lock<P::mutex> lk(m_);
    if constexpr (B == queue_bug::join_if) {
      if (unfinished_.get() != 0) all_done_.wait(lk);
    } else {
      while (unfinished_.get() != 0) all_done_.wait(lk);
    }
  }

 private:
  P::mutex m_;
  P::condition_variable not_full_, not_empty_, all_done_;
  P::var<std::deque<int>> items_;
  P::var<bool> closed_{false};
  P::var<std::size_t> unfinished_{0};
  const std::size_t cap_;
};

// An open queue's get() returns the item put by another thread, whatever wake-ups come first.
template <class Q>
void get_blocks_until_item() {
  Q q(1);
  P::thread t([&] { LOCKSTEP_ASSERT(q.put(5)); });
  const auto v = q.get();
  LOCKSTEP_ASSERT(v && *v == 5) << "get() on an open queue returned no item";
  t.join();
}

// close() with two getters asleep on an empty queue: both return nullopt.
template <class Q>
void close_wakes_two_getters() {
  Q q(1);
  auto getter = [&] { LOCKSTEP_ASSERT(!q.get()) << "an item from an empty queue"; };
  P::thread a(getter), b(getter);
  q.close();
  a.join();
  b.join();
}

// join() returns only after both items are task_done(): two workers get one item each.
template <class Q>
void join_waits_for_every_task() {
  Q q(2);
  P::atomic<int> done{0};
  LOCKSTEP_ASSERT(q.put(1) && q.put(2));
  auto worker = [&] {
    LOCKSTEP_ASSERT(q.get().has_value());
    done.fetch_add(1);
    q.task_done();
  };
  P::thread a(worker), b(worker);
  q.join();
  LOCKSTEP_ASSERT(done.load() == 2) << "join() returned with " << 2 - done.load() << " open";
  a.join();
  b.join();
}

}  // namespace

LOCKSTEP_TEST(queue_get_blocks_until_item) { get_blocks_until_item<Queue>(); }
LOCKSTEP_TEST(queue_broken_get_if_is_caught, {.expect = failure_kind::assertion}) {
  get_blocks_until_item<TwinQueue<queue_bug::get_if>>();
}

LOCKSTEP_TEST(queue_close_wakes_two_getters) { close_wakes_two_getters<Queue>(); }
LOCKSTEP_TEST(queue_broken_close_notify_one_is_caught,
              {.expect = failure_kind::deadlock, .spurious_wakeups = 0}) {
  close_wakes_two_getters<TwinQueue<queue_bug::close_notify_one>>();
}

LOCKSTEP_TEST(queue_join_waits_for_every_task) { join_waits_for_every_task<Queue>(); }
LOCKSTEP_TEST(queue_broken_join_if_is_caught, {.expect = failure_kind::assertion}) {
  join_waits_for_every_task<TwinQueue<queue_bug::join_if>>();
}

// close() with two putters asleep on a full queue: both fail, the queued item survives.
LOCKSTEP_TEST(queue_close_wakes_two_putters) {
  Queue q(1);
  LOCKSTEP_ASSERT(q.put(0));
  auto putter = [&] { LOCKSTEP_ASSERT(!q.put(1)) << "a put into a full closed queue"; };
  P::thread a(putter), b(putter);
  q.close();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(q.get() == std::optional<int>(0)) << "close() lost the queued item";
  LOCKSTEP_ASSERT(!q.get());
}

// A blocked put() is accepted once a get() frees the slot (never dropped while open).
LOCKSTEP_TEST(queue_put_blocks_until_slot) {
  Queue q(1);
  LOCKSTEP_ASSERT(q.put(1));
  P::thread t([&] { LOCKSTEP_ASSERT(q.put(2)) << "put() on an open queue failed"; });
  LOCKSTEP_ASSERT(q.get() == std::optional<int>(1));
  LOCKSTEP_ASSERT(q.get() == std::optional<int>(2));
  t.join();
}

// Try and timed variants while another thread holds the only slot (capacity 1, full): try_put
// false; put_for false only at its deadline; after that thread has taken the item (joined),
// try_get is empty and get_for gives up at its deadline; with an item put before the call,
// get_for returns it.
LOCKSTEP_TEST(queue_try_and_timed_variants) {
  Queue q(1);
  LOCKSTEP_ASSERT(q.try_put(1));
  LOCKSTEP_ASSERT(!q.try_put(2)) << "try_put into a full queue";
  LOCKSTEP_ASSERT(q.size() == 1);
  const auto put_deadline = P::clock::now() + 20us;
  LOCKSTEP_ASSERT(!q.put_until(3, put_deadline)) << "put_until into a full queue";
  LOCKSTEP_ASSERT(P::clock::now() >= put_deadline) << "put_until gave up before its deadline";
  P::thread taker([&] { LOCKSTEP_ASSERT(q.try_get() == std::optional<int>(1)); });
  taker.join();
  LOCKSTEP_ASSERT(!q.try_get()) << "try_get from an empty queue";
  const auto start = P::clock::now();
  LOCKSTEP_ASSERT(!q.get_for(20us)) << "get_for from an empty queue";
  LOCKSTEP_ASSERT(P::clock::now() >= start + 20us) << "get_for gave up before its deadline";
  LOCKSTEP_ASSERT(q.put_for(4, 20us)) << "put_for with a free slot";
  LOCKSTEP_ASSERT(q.get_for(20us) == std::optional<int>(4)) << "get_for with an item there";
}

// Timed variants racing the other side: an item put concurrently is got, or get_for gave up
// only at its deadline and the item is still queued.
LOCKSTEP_TEST(queue_timed_get_races_put) {
  Queue q(1);
  P::thread t([&] { LOCKSTEP_ASSERT(q.put(7)); });
  const auto deadline = P::clock::now() + 20us;
  const auto v = q.get_until(deadline);
  LOCKSTEP_ASSERT(v || P::clock::now() >= deadline) << "gave up before the deadline";
  t.join();
  LOCKSTEP_ASSERT(q.size() == (v ? 0u : 1u));
}

// try_put and try_get racing their own kind on a queue of one: each takes effect atomically
// under the lock — one put fits, one get takes it.
LOCKSTEP_TEST(queue_try_variants_race) {
  Queue q(1);
  bool a = false;
  P::thread t([&] { a = q.try_put(1); });
  const bool b = q.try_put(2);
  t.join();
  LOCKSTEP_ASSERT(a != b) << "two puts into a queue of one: " << a << " " << b;
  std::optional<int> got;
  P::thread u([&] { got = q.try_get(); });
  const auto mine = q.try_get();
  u.join();
  LOCKSTEP_ASSERT(got.has_value() != mine.has_value()) << "one item got twice or never";
  LOCKSTEP_ASSERT((got ? *got : *mine) == (a ? 1 : 2));
}

// size() read concurrently with a put and a get stays within [0, capacity].
LOCKSTEP_TEST(queue_size_read_concurrently) {
  Queue q(2);
  P::thread p([&] {
    q.put(1);
    q.put(2);
  });
  P::thread c([&] { (void)q.get(); });
  const std::size_t n = q.size();
  LOCKSTEP_ASSERT(n <= 2) << "size() " << n << " over capacity 2";
  p.join();
  c.join();
  LOCKSTEP_ASSERT(q.size() == 1 && !q.empty());
}

// join() from two threads at once: the last task_done() wakes both (all of them, not one).
LOCKSTEP_TEST(queue_join_wakes_two_joiners) {
  Queue q(1);
  LOCKSTEP_ASSERT(q.put(1));
  P::atomic<bool> done{false};
  auto joiner = [&] {
    q.join();
    LOCKSTEP_ASSERT(done.load()) << "join() returned before task_done()";
  };
  P::thread a(joiner), b(joiner);
  LOCKSTEP_ASSERT(q.get() == std::optional<int>(1));
  done.store(true);
  q.task_done();
  a.join();
  b.join();
}

// closed() read while another thread closes the queue (under the lock: no data race), and
// true once the close is joined; a put after a close that closed() saw fails.
LOCKSTEP_TEST(queue_closed_read_concurrently) {
  Queue q(1);
  P::thread t([&] { q.close(); });
  if (q.closed()) LOCKSTEP_ASSERT(!q.try_put(1)) << "a put after closed() said closed";
  t.join();
  LOCKSTEP_ASSERT(q.closed());
}

// Boundaries: capacity 0 is refused; task_done() with nothing outstanding throws; close() is
// idempotent and then puts fail.
LOCKSTEP_TEST(queue_boundaries) {
  bool threw = false;
  try {
    Queue zero(0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "capacity 0 accepted";
  Queue q(1);
  threw = false;
  try {
    q.task_done();
  } catch (const std::logic_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "task_done() without an item";
  q.join();  // nothing accepted: returns at once
  LOCKSTEP_ASSERT(q.capacity() == 1 && q.empty() && !q.closed());
  q.close();
  q.close();
  LOCKSTEP_ASSERT(q.closed() && !q.put(1) && !q.try_put(1) && !q.put_for(1, 1us));
}

// LIFO and priority orders at capacity 2.
LOCKSTEP_TEST(queue_lifo_and_priority_order) {
  lockstep::LifoQueue<int, P> lifo(2);
  lifo.put(1);
  lifo.put(2);
  LOCKSTEP_ASSERT(lifo.get() == std::optional<int>(2) && lifo.get() == std::optional<int>(1));
  lockstep::PriorityQueue<int, P> pq(2);
  pq.put(2);
  pq.put(1);
  LOCKSTEP_ASSERT(pq.get() == std::optional<int>(1) && pq.get() == std::optional<int>(2));
}

// BoundedBuffer with one slot: a producer puts two items, two consumers get one each, in
// FIFO order overall; put() blocks while full, get() while empty (spurious wake-ups too).
LOCKSTEP_TEST(bounded_buffer_one_slot_two_consumers) {
  lockstep::BoundedBuffer<int, P> buf(1);
  P::atomic<int> sum{0};
  auto consumer = [&] { sum.fetch_add(buf.get()); };
  P::thread a(consumer), b(consumer);
  buf.put(1);
  buf.put(2);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(sum.load() == 3) << "items lost or duplicated: sum " << sum.load();
  LOCKSTEP_ASSERT(buf.capacity() == 1);
}

// BoundedBuffer with two slots, filled and drained past the end of its ring: a producer puts
// 1, 2, 3 (the third into the slot the first get freed), the consumer gets them in that order.
LOCKSTEP_TEST(bounded_buffer_fifo_across_the_wrap) {
  lockstep::BoundedBuffer<int, P> buf(2);
  P::thread producer([&] {
    for (int i = 1; i <= 3; ++i) buf.put(i);
  });
  for (int want = 1; want <= 3; ++want) {
    const int got = buf.get();
    LOCKSTEP_ASSERT(got == want) << "got " << got << ", expected " << want;
  }
  producer.join();
}
