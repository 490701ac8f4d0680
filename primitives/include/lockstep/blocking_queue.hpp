// lockstep/blocking_queue.hpp — a bounded blocking queue with close and task tracking, in
// three orderings (FIFO, LIFO, priority), like Python's queue.Queue / LifoQueue /
// PriorityQueue. Generalises lockstep::BoundedBuffer (timeouts, try-operations, close,
// task_done/join, pluggable order).
//
// Guarantees
//   * Linearizable as a bounded queue of the chosen order (models::fifo_queue_model,
//     lifo_queue_model, priority_queue_model): every successful put is got exactly once.
//   * put() blocks while the queue is full, get() while it is empty; put_for/get_for block at
//     most until the deadline on P::clock (virtual time under the model checker);
//     try_put/try_get never block.
//   * close() wakes every blocked putter and getter. After close, puts fail (the item is
//     not enqueued) and gets drain the items still queued, then return nullopt: no item that
//     a put accepted is lost.
//   * task_done()/join(): join() returns once every item ever accepted by a put has been
//     matched by a task_done() (Python semantics); a task_done() without a matching item
//     throws std::logic_error.
//   * No lost wake-up: every state change happens under the mutex before its notify, and
//     every wait re-checks its condition in a loop (spurious wake-ups are harmless).
//   * Priority order gets the smallest element first under Compare (Python's heapq); equal
//     elements come out in unspecified order.
//
// Usage
//   lockstep::BlockingQueue<int> q(64);                // FIFO, capacity 64
//   producer: if (!q.put(job)) return;                 // false: queue was closed
//   consumer: while (auto job = q.get()) { run(*job); q.task_done(); }
//   shutdown: q.join(); q.close();                     // wait for the work, then stop consumers
//   lockstep::PriorityQueue<int> pq(8);  lockstep::LifoQueue<int> stack(8);
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lockstep/std_platform.hpp"

namespace lockstep {

// Order policies: each names a storage type with push(T), pop() -> T (the next item to get)
// and size(). One queue implementation, three orderings.
struct fifo_order {
  template <class T>
  struct storage {
    std::deque<T> items;
    void push(T v) { items.push_back(std::move(v)); }
    T pop() {
      T v = std::move(items.front());
      items.pop_front();
      return v;
    }
    std::size_t size() const noexcept { return items.size(); }
  };
};

struct lifo_order {
  template <class T>
  struct storage {
    std::vector<T> items;
    void push(T v) { items.push_back(std::move(v)); }
    T pop() {
      T v = std::move(items.back());
      items.pop_back();
      return v;
    }
    std::size_t size() const noexcept { return items.size(); }
  };
};

// Smallest first under Compare: std::*_heap keeps the largest on top, so the heap is built on
// the reversed comparison.
template <class Compare = std::less<>>
struct priority_order {
  template <class T>
  struct storage {
    std::vector<T> items;
    void push(T v) {
      items.push_back(std::move(v));
      std::push_heap(items.begin(), items.end(), greater);
    }
    T pop() {
      std::pop_heap(items.begin(), items.end(), greater);
      T v = std::move(items.back());
      items.pop_back();
      return v;
    }
    std::size_t size() const noexcept { return items.size(); }

   private:
    static bool greater(const T& a, const T& b) { return Compare{}(b, a); }
  };
};

template <class T, class P = std_platform, class Order = fifo_order>
class BasicBlockingQueue {
 public:
  // A capacity that never fills (Python's maxsize=0).
  static constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

  explicit BasicBlockingQueue(std::size_t capacity) : cap_(capacity) {
    if (capacity == 0) throw std::invalid_argument("BlockingQueue capacity must be at least 1");
  }
  BasicBlockingQueue(const BasicBlockingQueue&) = delete;
  BasicBlockingQueue& operator=(const BasicBlockingQueue&) = delete;

  // Blocks while full. False (item dropped) if the queue is or becomes closed.
  bool put(T v) {
    std::unique_lock<typename P::mutex> lk(m_);
    while (full() && !closed_.get()) not_full_.wait(lk);
    return push_locked(std::move(v));
  }
  // Blocks while full, at most until the deadline. False on timeout or close.
  template <class Rep, class Period>
  bool put_for(T v, std::chrono::duration<Rep, Period> d) {
    return put_until(std::move(v), P::clock::now() + d);
  }
  template <class Duration>
  bool put_until(T v, std::chrono::time_point<typename P::clock, Duration> deadline) {
    std::unique_lock<typename P::mutex> lk(m_);
    while (full() && !closed_.get()) {
      // On timeout, re-check: a slot may have been freed between the deadline and relocking.
      if (not_full_.wait_until(lk, deadline) == std::cv_status::timeout) break;
    }
    return push_locked(std::move(v));
  }
  // Never blocks. False if full or closed.
  bool try_put(T v) {
    std::lock_guard<typename P::mutex> g(m_);
    return push_locked(std::move(v));
  }

  // Blocks while empty and open. nullopt once the queue is closed and drained.
  std::optional<T> get() {
    std::unique_lock<typename P::mutex> lk(m_);
    while (items_.cref().size() == 0 && !closed_.get()) not_empty_.wait(lk);
    return pop_locked();
  }
  // Blocks while empty and open, at most until the deadline. nullopt on timeout, or once
  // closed and drained.
  template <class Rep, class Period>
  std::optional<T> get_for(std::chrono::duration<Rep, Period> d) {
    return get_until(P::clock::now() + d);
  }
  template <class Duration>
  std::optional<T> get_until(std::chrono::time_point<typename P::clock, Duration> deadline) {
    std::unique_lock<typename P::mutex> lk(m_);
    while (items_.cref().size() == 0 && !closed_.get()) {
      if (not_empty_.wait_until(lk, deadline) == std::cv_status::timeout) break;
    }
    return pop_locked();
  }
  // Never blocks. nullopt if empty.
  std::optional<T> try_get() {
    std::lock_guard<typename P::mutex> g(m_);
    return pop_locked();
  }

  // Wakes every blocked putter (they fail) and getter (they drain, then get nullopt).
  // Idempotent.
  void close() {
    {
      std::lock_guard<typename P::mutex> g(m_);
      closed_ = true;
    }
    // notify_all: every waiter must re-check; notify_one would leave the others asleep.
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  // Marks one got item as processed. Throws std::logic_error if there is none outstanding.
  void task_done() {
    std::lock_guard<typename P::mutex> g(m_);
    if (unfinished_.get() == 0) throw std::logic_error("task_done() called too many times");
    unfinished_ -= 1;
    if (unfinished_.get() == 0) all_done_.notify_all();
  }
  // Blocks until every accepted item has been task_done()'d.
  void join() {
    std::unique_lock<typename P::mutex> lk(m_);
    while (unfinished_.get() != 0) all_done_.wait(lk);
  }

  std::size_t size() const {
    std::lock_guard<typename P::mutex> g(m_);
    return items_.cref().size();
  }
  bool empty() const { return size() == 0; }
  bool closed() const {
    std::lock_guard<typename P::mutex> g(m_);
    return closed_.get();
  }
  std::size_t capacity() const noexcept { return cap_; }

 private:
  bool full() const { return items_.cref().size() >= cap_; }

  // Both helpers run with m_ held and notify while holding it: a waiter cannot miss the
  // notification because it checks the condition under the same mutex before sleeping.
  bool push_locked(T&& v) {
    if (closed_.get() || full()) return false;
    items_.ref().push(std::move(v));
    unfinished_ += 1;
    not_empty_.notify_one();
    return true;
  }
  std::optional<T> pop_locked() {
    if (items_.cref().size() == 0) return std::nullopt;
    std::optional<T> v(items_.ref().pop());
    not_full_.notify_one();
    return v;
  }

  mutable typename P::mutex m_;
  typename P::condition_variable not_full_;
  typename P::condition_variable not_empty_;
  typename P::condition_variable all_done_;
  typename P::template var<typename Order::template storage<T>> items_;
  typename P::template var<bool> closed_{false};
  typename P::template var<std::size_t> unfinished_{0};  // accepted, not yet task_done'd
  const std::size_t cap_;
};

template <class T, class P = std_platform>
using BlockingQueue = BasicBlockingQueue<T, P, fifo_order>;
template <class T, class P = std_platform>
using LifoQueue = BasicBlockingQueue<T, P, lifo_order>;
template <class T, class P = std_platform, class Compare = std::less<>>
using PriorityQueue = BasicBlockingQueue<T, P, priority_order<Compare>>;

}  // namespace lockstep
