// lockstep/bounded_buffer.hpp — a fixed-capacity FIFO buffer guarded by a mutex and two
// condition variables (the classic monitor).
//
// Guarantees
//   * put() blocks while the buffer is full, get() while it is empty; every item put is got
//     exactly once, in FIFO order (linearizable as a bounded FIFO queue).
//   * No lost wake-up: state changes happen under the mutex before the notify, and every
//     wait re-checks its condition in a loop (spurious wake-ups are harmless).
//
// Usage
//   lockstep::BoundedBuffer<int> buf(8);
//   producer: buf.put(42);       consumer: int x = buf.get();
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class T, class P = std_platform>
class BoundedBuffer {
 public:
  explicit BoundedBuffer(std::size_t capacity) : slots_(std::vector<T>(capacity)), cap_(capacity) {}

  void put(T item) {
    std::unique_lock<typename P::mutex> lk(m_);
    not_full_.wait(lk, [&] { return count_.get() < cap_; });
    auto& s = slots_.ref();
    s[(head_.get() + count_.get()) % cap_] = std::move(item);
    count_ += 1;
    not_empty_.notify_one();
  }

  T get() {
    std::unique_lock<typename P::mutex> lk(m_);
    not_empty_.wait(lk, [&] { return count_.get() > 0; });
    T item = std::move(slots_.ref()[head_.get()]);
    head_ = (head_.get() + 1) % cap_;
    count_ -= 1;
    not_full_.notify_one();
    return item;
  }

  std::size_t capacity() const noexcept { return cap_; }

 private:
  typename P::mutex m_;
  typename P::condition_variable not_full_;
  typename P::condition_variable not_empty_;
  typename P::template var<std::vector<T>> slots_;
  typename P::template var<std::size_t> head_{0};
  typename P::template var<std::size_t> count_{0};
  const std::size_t cap_;
};

}  // namespace lockstep
