// lockstep/std_platform.hpp — the production platform: the std:: types themselves.
//
// Every lockstep primitive is a template on a platform type P (default: std_platform) and
// uses only P's members: P::atomic<T>, P::mutex, P::condition_variable, P::thread, P::clock,
// P::var<T>, ... With std_platform these are exactly the std:: types (aliases, not
// wrappers), so production code pays nothing for being model-checkable; the model checker
// substitutes lockstep::model_platform (lockstep/model_platform.hpp) with the same API.
//
// Rules for primitives written against a platform
//   * Shared plain data that is protected by a lock goes in P::var<T> (a plain T here), so
//     the checker can detect data races on it. Access it with get()/set()/ref()/cref().
//   * Spin loops call P::spin_pause() (or P::this_thread::yield()): under the checker this
//     lets a spinning thread give way; here it is a CPU pause instruction.
//   * Time comes from P::clock and P::this_thread::sleep_for (virtual time under the checker).
//   * To sleep until an atomic changes, use P::atomic<T>::wait(old) / notify_one() /
//     notify_all() (C++20; libstdc++ uses a futex directly for 4-byte types). Re-check the
//     value in a loop after wait() returns: under the checker it may return spuriously.
//   * Heap nodes of lock-free structures: P::new_object<T>(args...) / P::delete_object(p),
//     P::unique_ptr<T> / P::make_unique<T>(args...), P::allocator<T> for containers (here
//     new, delete, std::make_unique, std::allocator; under the checker a tracked heap that
//     reports double free, leaks and use after free, and reuses freed blocks).
//   * The rest of the std synchronization surface is here too, under its std name:
//     atomic_flag, atomic_ref<T>, shared_timed_mutex, latch, barrier<F...>, once_flag +
//     call_once, jthread, stop_source / stop_token / stop_callback<F> (model_platform has
//     each, modelled).
#pragma once

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <latch>
#include <memory>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <stop_token>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace lockstep {

struct std_platform {
  static constexpr bool is_model = false;

  template <class T>
  using atomic = std::atomic<T>;
  using atomic_flag = std::atomic_flag;
  template <class T>
  using atomic_ref = std::atomic_ref<T>;
  static void atomic_thread_fence(std::memory_order mo) noexcept { std::atomic_thread_fence(mo); }

  using mutex = std::mutex;
  using recursive_mutex = std::recursive_mutex;
  using timed_mutex = std::timed_mutex;
  using shared_mutex = std::shared_mutex;
  using shared_timed_mutex = std::shared_timed_mutex;
  using condition_variable = std::condition_variable;          // with std::unique_lock<mutex>
  using condition_variable_any = std::condition_variable_any;  // with any lockable
  template <std::ptrdiff_t LeastMaxValue = 1024>
  using counting_semaphore = std::counting_semaphore<LeastMaxValue>;
  using binary_semaphore = std::binary_semaphore;
  using latch = std::latch;
  template <class... CompletionFunction>  // barrier<> or barrier<F>
  using barrier = std::barrier<CompletionFunction...>;
  using once_flag = std::once_flag;
  template <class Callable, class... Args>
  static void call_once(once_flag& flag, Callable&& f, Args&&... args) {
    std::call_once(flag, std::forward<Callable>(f), std::forward<Args>(args)...);
  }

  using clock = std::chrono::steady_clock;
  using thread = std::thread;
  using thread_id = std::thread::id;  // default-constructed: no thread
  using jthread = std::jthread;
  using stop_token = std::stop_token;
  using stop_source = std::stop_source;
  template <class Callback>
  using stop_callback = std::stop_callback<Callback>;
  struct this_thread {
    static void yield() noexcept { std::this_thread::yield(); }
    static std::thread::id get_id() noexcept { return std::this_thread::get_id(); }
    template <class Rep, class Period>
    static void sleep_for(std::chrono::duration<Rep, Period> d) {
      std::this_thread::sleep_for(d);
    }
    template <class Duration>
    static void sleep_until(std::chrono::time_point<clock, Duration> t) {
      std::this_thread::sleep_until(t);
    }
  };

  // The head of a retry loop: a hint for the model checker (model_platform::loop_head).
  static void loop_head() noexcept {}

  static void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  // Plain shared data: a T with the accessor API of model_platform::var<T>; every member
  // is an inline pass-through, so it compiles to plain loads and stores.
  template <class T>
  class var {
   public:
    var() : v_() {}  // not explicit: `std::array<P::var<int>, 4> a{};`
    template <class... A>
    explicit var(A&&... a) requires(sizeof...(A) > 0) : v_(std::forward<A>(a)...) {}
    var(const var&) = delete;
    var& operator=(const var&) = delete;
    T get() const { return v_; }
    const T& cref() const noexcept { return v_; }
    T& ref() noexcept { return v_; }
    void set(T v) { v_ = std::move(v); }
    operator T() const { return v_; }
    var& operator=(T v) {
      v_ = std::move(v);
      return *this;
    }
    var& operator+=(const T& d) {
      v_ += d;
      return *this;
    }
    var& operator-=(const T& d) {
      v_ -= d;
      return *this;
    }

   private:
    T v_;
  };

  // The heap: std::allocator, new and delete themselves (model_platform tracks its blocks:
  // double free, leaks, use after free, and reuses freed blocks so that ABA is reachable).
  template <class T>
  using allocator = std::allocator<T>;
  template <class T, class... A>
  static T* new_object(A&&... a) {
    return new T(std::forward<A>(a)...);
  }
  template <class T>
  static void delete_object(T* p) noexcept {
    delete p;
  }
  template <class T>
  using deleter = std::default_delete<T>;
  template <class T>
  using unique_ptr = std::unique_ptr<T>;
  template <class T, class... A>
  static std::unique_ptr<T> make_unique(A&&... a) {
    return std::make_unique<T>(std::forward<A>(a)...);
  }

  // One T per (object, thread). Storage is a per-thread table indexed by a per-object slot;
  // slots are recycled, so objects may be created and destroyed freely.
  template <class T>
  class thread_local_var;
};

}  // namespace lockstep

#include "lockstep/detail/std_thread_local.hpp"
