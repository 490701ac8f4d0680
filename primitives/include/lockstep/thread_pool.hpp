// lockstep/thread_pool.hpp — a fixed-size thread pool returning futures, in the style of
// Python's concurrent.futures.ThreadPoolExecutor (the reference for its semantics).
//
// Guarantees
//   * submit(f, args...) queues f(args...) and returns a Future for its result; tasks start
//     in FIFO order (with one worker they also finish in that order). The task's exception
//     is carried to the future's holders, never lost and never thrown in the worker.
//   * No lost task: every submitted task either runs exactly once, or its future is
//     cancelled (by Future::cancel() while still queued, or by shutdown(cancel_pending)).
//     A cancelled task never runs.
//   * shutdown(wait, cancel_pending): afterwards submit() throws std::runtime_error. Queued
//     tasks still run (unless cancel_pending: then their futures are cancelled); with wait
//     it returns after every worker has exited, i.e. every task has run. The destructor is
//     shutdown(true). Calling shutdown(true) from a task of the same pool deadlocks (it
//     would wait for itself), as in Python.
//   * map(f, range) returns f(x) for every x in input order; if one call throws, the
//     futures not yet collected are cancelled and the first exception in input order is
//     rethrown (Python raises it when the iterator reaches that element).
//   * as_completed(futures[, timeout]) yields each given future once, in completion order
//     (already-done ones first); with a timeout, next() throws future_timeout when the
//     deadline passes before the next future completes.
//
// Differences from Python
//   * Workers are started in the constructor (Python starts them lazily, one per submit).
//   * map() is eager (returns a vector); as_completed yields one entry per element, so a
//     future given twice is yielded twice (Python deduplicates).
//
// Usage
//   lockstep::ThreadPool<> pool(4);
//   auto f = pool.submit([](int x) { return x * 2; }, 21);
//   std::vector<int> squares = pool.map([](int x) { return x * x; }, std::vector{1, 2, 3});
//   for (auto& g : lockstep::as_completed(std::vector{f})) use(g.result());
//   pool.shutdown();  // or let the destructor do it
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "lockstep/future.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class ThreadPool {
 public:
  explicit ThreadPool(std::size_t workers) {
    if (workers == 0) throw std::invalid_argument("ThreadPool needs at least one worker");
    workers_.reserve(workers);
    try {
      for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
    } catch (...) {
      shutdown(true);  // join the workers already started before reporting the failure
      throw;
    }
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() { shutdown(true); }

  std::size_t size() const noexcept { return workers_.size(); }

  template <class F, class... A>
  auto submit(F&& f, A&&... args) {
    using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
    auto state = std::make_shared<detail::future_state<R, P>>();
    auto t = std::make_unique<task<R, std::decay_t<F>, std::decay_t<A>...>>(
        state, std::forward<F>(f), std::forward<A>(args)...);
    {
      std::lock_guard<typename P::mutex> g(m_);
      if (stop_.get()) throw std::runtime_error("ThreadPool::submit after shutdown");
      queue_.ref().push_back(std::move(t));
    }
    cv_.notify_one();
    return Future<R, P>(std::move(state));
  }

  template <class F, class Range>
  auto map(F f, const Range& inputs) {
    using Fut = decltype(submit(f, *std::begin(inputs)));
    using R = std::decay_t<decltype(std::declval<const Fut&>().result())>;
    static_assert(!std::is_void_v<R>, "map() collects values; submit() void tasks instead");
    std::vector<Fut> fs;
    for (auto&& x : inputs) fs.push_back(submit(f, x));
    std::vector<R> out;
    out.reserve(fs.size());
    for (std::size_t i = 0; i < fs.size(); ++i) {
      try {
        out.push_back(fs[i].result());
      } catch (...) {
        // Like Python's map iterator: stop the remaining work, then raise.
        for (std::size_t j = i + 1; j < fs.size(); ++j) fs[j].cancel();
        throw;
      }
    }
    return out;
  }

  // Idempotent; may be called from several threads (only one joins the workers).
  void shutdown(bool wait = true, bool cancel_pending = false) {
    std::deque<std::unique_ptr<task_base>> dropped;
    {
      std::lock_guard<typename P::mutex> g(m_);
      stop_ = true;
      if (cancel_pending) dropped.swap(queue_.ref());
    }
    // Every worker must wake to see stop_: one notify would leave the others asleep forever.
    cv_.notify_all();
    // Outside the lock: cancelling runs done-callbacks, which may call into this pool.
    for (auto& t : dropped) t->cancel();
    if (wait) {
      std::lock_guard<typename P::mutex> g(join_m_);
      for (auto& w : workers_) {
        if (w.joinable()) w.join();
      }
    }
  }

 private:
  struct task_base {
    virtual ~task_base() = default;
    virtual void run() = 0;
    virtual void cancel() = 0;
  };

  template <class R, class F, class... A>
  struct task final : task_base {
    template <class FF, class... AA>
    task(std::shared_ptr<detail::future_state<R, P>> s, FF&& ff, AA&&... aa)
        : state(std::move(s)), fn(std::forward<FF>(ff)), args(std::forward<AA>(aa)...) {}

    void run() override {
      if (!state->set_running_or_notify_cancel()) return;  // cancelled while queued
      try {
        if constexpr (std::is_void_v<R>) {
          std::apply(fn, std::move(args));
          state->set_result(state);
        } else {
          state->set_result(state, std::apply(fn, std::move(args)));
        }
      } catch (...) {
        state->set_exception(state, std::current_exception());
      }
    }
    void cancel() override { state->cancel(state); }

    std::shared_ptr<detail::future_state<R, P>> state;
    F fn;
    std::tuple<A...> args;
  };

  void worker_loop() {
    for (;;) {
      std::unique_ptr<task_base> t;
      {
        std::unique_lock<typename P::mutex> g(m_);
        // while, not if: a spurious wake-up (or another worker taking the task first) must
        // not let this worker pop an empty queue.
        while (queue_.cref().empty() && !stop_.get()) cv_.wait(g);
        // After shutdown the queue is drained before the worker exits: no lost task.
        if (queue_.cref().empty()) return;
        t = std::move(queue_.ref().front());
        queue_.ref().pop_front();
      }
      t->run();
    }
  }

  typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<std::deque<std::unique_ptr<task_base>>> queue_;
  typename P::template var<bool> stop_{false};
  typename P::mutex join_m_;  // serialises concurrent shutdown(wait=true) joins
  std::vector<typename P::thread> workers_;
};

// The futures of `fs` in completion order; each element is yielded once. Each future gets a
// done-callback that queues its index; the queue is shared with the callbacks, so an
// AsCompleted may be destroyed before its futures complete.
template <class T, class P = std_platform>
class AsCompleted {
 public:
  explicit AsCompleted(std::vector<Future<T, P>> fs,
                       std::optional<typename P::clock::time_point> deadline = std::nullopt)
      : fs_(std::move(fs)), deadline_(deadline), q_(std::make_shared<queue>()) {
    for (std::size_t i = 0; i < fs_.size(); ++i) {
      std::shared_ptr<queue> q = q_;
      fs_[i].add_done_callback([q, i](const Future<T, P>&) {
        {
          std::lock_guard<typename P::mutex> g(q->m);
          q->ready.ref().push_back(i);
        }
        q->cv.notify_one();
      });
    }
  }

  // The next completed future; nullopt after all have been yielded. Throws future_timeout
  // if the deadline passes first.
  std::optional<Future<T, P>> next() {
    if (yielded_ == fs_.size()) return std::nullopt;
    std::unique_lock<typename P::mutex> g(q_->m);
    while (q_->ready.cref().empty()) {
      if (!deadline_) {
        q_->cv.wait(g);
      } else if (q_->cv.wait_until(g, *deadline_) == std::cv_status::timeout &&
                 q_->ready.cref().empty()) {
        throw future_timeout();
      }
    }
    std::size_t i = q_->ready.cref().front();
    q_->ready.ref().pop_front();
    ++yielded_;
    return fs_[i];
  }

  // Input iteration: for (auto& f : as_completed(fs)) ...
  class iterator {
   public:
    using value_type = Future<T, P>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(AsCompleted* ac) : ac_(ac) { ++*this; }
    const Future<T, P>& operator*() const { return *cur_; }
    const Future<T, P>* operator->() const { return &*cur_; }
    iterator& operator++() {
      cur_ = ac_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.cur_; }

   private:
    AsCompleted* ac_ = nullptr;
    std::optional<Future<T, P>> cur_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  struct queue {
    typename P::mutex m;
    typename P::condition_variable cv;
    typename P::template var<std::deque<std::size_t>> ready;
  };
  std::vector<Future<T, P>> fs_;
  std::optional<typename P::clock::time_point> deadline_;
  std::shared_ptr<queue> q_;
  std::size_t yielded_ = 0;
};

template <class T, class P>
AsCompleted<T, P> as_completed(std::vector<Future<T, P>> fs) {
  return AsCompleted<T, P>(std::move(fs));
}
// The deadline is fixed at the call (Python: timeout counts from the call to as_completed).
template <class T, class P, class Rep, class Period>
AsCompleted<T, P> as_completed(std::vector<Future<T, P>> fs,
                               std::chrono::duration<Rep, Period> timeout) {
  return AsCompleted<T, P>(std::move(fs), std::chrono::time_point_cast<typename P::clock::duration>(
                                              P::clock::now() + timeout));
}

}  // namespace lockstep
