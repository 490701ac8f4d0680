// lockstep/rt/model_stop.hpp — stop tokens and jthread under the checker (included by
// lockstep/model_platform.hpp): model_platform::stop_source, stop_token,
// stop_callback<Callback> and jthread, with the std:: types' API (std::nostopstate works as
// the tag).
//
// Guarantees (as std's):
//   * request_stop() succeeds (returns true) exactly once per stop state; everything the
//     requesting thread did before it happens-before a stop_requested() that returns true.
//   * Every stop_callback registered on a state runs exactly once if stop is requested
//     while it is registered: in the requesting thread (inside request_stop(), which returns
//     after all of them ran), or — if stop was already requested when it was constructed —
//     in the registering thread, inside the constructor. It never runs after its destructor
//     returned; a destructor that races with the callback running in another thread waits
//     for it to finish.
//   * jthread passes its stop_token to a callable that takes one, and its destructor (and
//     move assignment) requests stop and then joins.
//   * condition_variable_any's waits with a stop_token (defined here) return pred() once
//     pred() holds or stop is requested: the request notifies the condition variable (a
//     stop_callback), and the wait checks for it after registering as a waiter, so a request
//     made while the waiter goes to sleep is not lost.
// Explored: the stop state is a model atomic (the requested flag, read by stop_requested),
// a model mutex guarding the registered callbacks and a model condition variable for a
// destructor that waits for a running callback, so every check, registration and
// deregistration is a scheduling point and their races are interleaved (both engines).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <vector>

namespace lockstep {

namespace model_detail {

struct stop_callback_node {
  void (*invoke)(void* callback);
  void* callback;
};

struct stop_state {
  explicit stop_state(source_loc loc)
      : requested(false, model_platform::atomic<bool>::object_kind{"stop_state"}, loc),
        m(loc),
        cv(loc) {}
  model_platform::atomic<bool> requested;
  model_platform::mutex m;  // guards the members below
  model_platform::condition_variable cv;
  std::vector<stop_callback_node*> callbacks;  // registered and not run yet
  stop_callback_node* running = nullptr;       // the callback request_stop() is running
  int requester = -1;                          // the thread that requested stop
  int sources = 0;                             // stop_sources sharing the state (stop_possible)
};

}  // namespace model_detail

// std::stop_token: a view of a stop state (none when default-constructed); stop_requested()
// is an acquire load of the state's flag (a scheduling point).
class model_platform::stop_token {
 public:
  stop_token() noexcept = default;
  bool stop_requested(source_loc loc = source_loc::current()) const {
    return st_ && st_->requested.load(std::memory_order_acquire, loc);
  }
  bool stop_possible(source_loc loc = source_loc::current()) const {
    return st_ && (st_->sources > 0 || stop_requested(loc));
  }
  void swap(stop_token& o) noexcept { st_.swap(o.st_); }
  friend bool operator==(const stop_token& a, const stop_token& b) noexcept {
    return a.st_ == b.st_;
  }

 private:
  friend class stop_source;
  template <class Callback>
  friend class stop_callback;
  explicit stop_token(std::shared_ptr<model_detail::stop_state> s) noexcept : st_(std::move(s)) {}
  std::shared_ptr<model_detail::stop_state> st_;
};

// std::stop_source: owns a share of a stop state (default-constructed: a new one;
// std::nostopstate: none); request_stop() sets the flag and runs the callbacks.
class model_platform::stop_source {
 public:
  stop_source(source_loc loc = source_loc::current())
      : st_(std::make_shared<model_detail::stop_state>(loc)) {
    st_->sources = 1;
  }
  explicit stop_source(std::nostopstate_t) noexcept {}
  stop_source(const stop_source& o) noexcept : st_(o.st_) {
    if (st_) ++st_->sources;
  }
  stop_source(stop_source&& o) noexcept : st_(std::move(o.st_)) {}
  stop_source& operator=(const stop_source& o) noexcept {
    stop_source(o).swap(*this);
    return *this;
  }
  stop_source& operator=(stop_source&& o) noexcept {
    stop_source(std::move(o)).swap(*this);
    return *this;
  }
  ~stop_source() {
    if (st_) --st_->sources;
  }

  stop_token get_token() const noexcept { return stop_token(st_); }
  bool stop_possible() const noexcept { return st_ != nullptr; }
  bool stop_requested(source_loc loc = source_loc::current()) const {
    return st_ && st_->requested.load(std::memory_order_acquire, loc);
  }
  // Sets the flag and runs the registered callbacks in this thread, one at a time, without
  // holding the state's mutex while one runs. False if stop had been requested already.
  bool request_stop(source_loc loc = source_loc::current()) {
    if (!st_) return false;
    model_detail::stop_state& s = *st_;
    std::unique_lock<mutex> g(s.m);
    if (s.requested.load(std::memory_order_relaxed, loc)) return false;
    s.requested.store(true, std::memory_order_release, loc);
    s.requester = rt::current_thread();
    while (!s.callbacks.empty()) {
      model_detail::stop_callback_node* n = s.callbacks.front();
      s.callbacks.erase(s.callbacks.begin());
      s.running = n;
      g.unlock();
      n->invoke(n->callback);
      g.lock();
      s.running = nullptr;
      s.cv.notify_all(loc);
    }
    return true;
  }
  void swap(stop_source& o) noexcept { st_.swap(o.st_); }
  friend bool operator==(const stop_source& a, const stop_source& b) noexcept {
    return a.st_ == b.st_;
  }

 private:
  std::shared_ptr<model_detail::stop_state> st_;
};

// std::stop_callback<Callback>: registers Callback on a token's stop state for its lifetime
// (runs it at once if stop was requested already); see the guarantees above.
template <class Callback>
class model_platform::stop_callback {
 public:
  using callback_type = Callback;
  template <class C>
  explicit stop_callback(const stop_token& t, C&& cb, source_loc loc = source_loc::current())
      : cb_(std::forward<C>(cb)) {
    if (!t.st_) return;
    std::unique_lock<mutex> g(t.st_->m);
    if (t.st_->requested.load(std::memory_order_acquire, loc)) {
      g.unlock();
      cb_();  // stop was requested already: runs here, in the registering thread
      return;
    }
    st_ = t.st_;
    st_->callbacks.push_back(&node_);
  }
  stop_callback(const stop_callback&) = delete;
  stop_callback& operator=(const stop_callback&) = delete;
  ~stop_callback() {
    if (!st_) return;
    std::unique_lock<mutex> g(st_->m);
    auto& cbs = st_->callbacks;
    if (auto it = std::find(cbs.begin(), cbs.end(), &node_); it != cbs.end()) {
      cbs.erase(it);  // never ran, never will
      return;
    }
    // It has run or is running; if another thread runs it, wait until it has finished.
    if (st_->requester != rt::current_thread())
      st_->cv.wait(g, [&] { return st_->running != &node_; });
  }

 private:
  static void run(void* self) { static_cast<stop_callback*>(self)->cb_(); }
  Callback cb_;
  model_detail::stop_callback_node node_{&run, this};
  std::shared_ptr<model_detail::stop_state> st_;  // set while registered
};

// std::jthread: a model_platform::thread with its own stop_source; ~jthread and move
// assignment request stop and join a joinable thread.
class model_platform::jthread {
 public:
  jthread() noexcept = default;
  template <class F, class... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, jthread>) explicit jthread(F&& f, Args&&... args)
      : ss_() {
    if constexpr (std::is_invocable_v<std::decay_t<F>, stop_token, std::decay_t<Args>...>)
      t_ = thread(std::forward<F>(f), ss_.get_token(), std::forward<Args>(args)...);
    else
      t_ = thread(std::forward<F>(f), std::forward<Args>(args)...);
  }
  jthread(jthread&&) noexcept = default;
  // (Not inlined: the handle accesses name the caller's line, rt::caller_location.)
  [[gnu::noinline]] jthread& operator=(jthread&& o) noexcept {
    stop_and_join(rt::caller_location(__builtin_return_address(0), source_loc::current()));
    t_ = std::move(o.t_);
    ss_ = std::move(o.ss_);
    return *this;
  }
  [[gnu::noinline]] ~jthread() {
    stop_and_join(rt::caller_location(__builtin_return_address(0), source_loc::current()));
  }

  // The handle is t_'s (model_platform::thread): racing calls are a data race on it.
  bool joinable(source_loc loc = source_loc::current()) const noexcept { return t_.joinable(loc); }
  void join(source_loc loc = source_loc::current()) { t_.join(loc); }
  void detach(source_loc loc = source_loc::current()) { t_.detach(loc); }
  thread_id get_id(source_loc loc = source_loc::current()) const noexcept { return t_.get_id(loc); }
  stop_source get_stop_source() noexcept { return ss_; }
  stop_token get_stop_token() const noexcept { return ss_.get_token(); }
  bool request_stop(source_loc loc = source_loc::current()) { return ss_.request_stop(loc); }
  static unsigned hardware_concurrency() noexcept { return thread::hardware_concurrency(); }

 private:
  void stop_and_join(source_loc loc) {
    if (!t_.joinable(loc)) return;
    ss_.request_stop(loc);
    t_.join(loc);
  }
  stop_source ss_{std::nostopstate};
  thread t_;
};

template <class Lock, class Pred>
bool model_platform::condition_variable::wait(Lock& lock, stop_token st, Pred pred,
                                              source_loc loc) {
  return wait_stoppable(lock, st, -1, pred, loc);
}

template <class Lock, class Duration, class Pred>
bool model_platform::condition_variable::wait_until(
    Lock& lock, stop_token st, std::chrono::time_point<model_platform::clock, Duration> t,
    Pred pred, source_loc loc) {
  return wait_stoppable(lock, st, ns(t.time_since_epoch()), pred, loc);
}

template <class Lock, class Rep, class Period, class Pred>
bool model_platform::condition_variable::wait_for(Lock& lock, stop_token st,
                                                  std::chrono::duration<Rep, Period> d, Pred pred,
                                                  source_loc loc) {
  return wait_stoppable(lock, st, rt::now() + ns(d), pred, loc);
}

template <class Lock, class Pred>
bool model_platform::condition_variable::wait_stoppable(Lock& lock, stop_token& st,
                                                        std::int64_t deadline, Pred& pred,
                                                        source_loc loc) {
  auto wake = [this] { notify_all(); };
  stop_callback<decltype(wake)> cb(st, wake, loc);
  while (!pred()) {
    enter(loc);
    if (st.stop_requested(loc)) {
      leave(loc);
      return pred();
    }
    lock.unlock();
    const rt::wake w = block(deadline, loc);
    lock.lock();
    if (w == rt::wake::timeout) return pred();
  }
  return true;
}

}  // namespace lockstep
