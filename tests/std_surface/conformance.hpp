// The same source on both platforms: one generic body per std-surface facility, templated on
// the platform P. conformance_std_test.cpp runs each on lockstep::std_platform (the std::
// types, real threads, repeated); conformance_model_test.cpp runs each on
// lockstep::model_platform under the checker (every interleaving, both engines). Assertions
// are made on the calling thread only (on real threads a failed assertion elsewhere would
// terminate the process instead of failing the test).
#pragma once

#include <lockstep/test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <vector>

namespace lockstep_conformance {

using namespace std::chrono_literals;

// atomic_flag as a lock: test_and_set(acquire) / clear(release), sleeping on the flag while
// it is set (wait / notify_one); the plain counter it protects adds up.
template <class P>
void atomic_flag_lock() {
  typename P::atomic_flag f;
  typename P::template var<int> counter{0};
  auto body = [&] {
    while (f.test_and_set(std::memory_order_acquire)) f.wait(true, std::memory_order_relaxed);
    counter += 1;
    f.clear(std::memory_order_release);
    f.notify_one();
  };
  typename P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(!f.test()) << "the flag is clear after both unlocked";
  LOCKSTEP_ASSERT(counter.get() == 2) << "lost update under the atomic_flag lock";
}

// latch: both workers' writes are visible once wait() returns; try_wait agrees.
template <class P>
void latch_publishes() {
  typename P::latch done(2);
  std::array<typename P::template var<int>, 2> slot{};
  typename P::thread a([&] {
    slot[0] = 1;
    done.count_down();
  });
  typename P::thread b([&] {
    slot[1] = 2;
    done.count_down();
  });
  done.wait();
  LOCKSTEP_ASSERT(done.try_wait()) << "try_wait after wait";
  LOCKSTEP_ASSERT(slot[0].get() == 1 && slot[1].get() == 2) << "a count-down's write is lost";
  a.join();
  b.join();
}

// barrier: two phases of two threads; the completion step runs once per phase after both
// arrivals, and each thread sees the phase's writes after arrive_and_wait (checked by the
// completion step of the next phase); the second worker leaves after phase 1
// (arrive_and_drop), so phase 2 completes with one arrival.
template <class P>
void barrier_phases() {
  std::array<typename P::template var<int>, 2> slot{};
  typename P::template var<int> completions{0};
  typename P::template var<int> sum{0};
  auto step = [&]() noexcept {
    completions += 1;
    sum += slot[0].get() + slot[1].get();
  };
  typename P::template barrier<decltype(step)> bar(2, step);
  typename P::thread a([&] {
    slot[0] = 1;
    bar.arrive_and_wait();
    slot[0] = 10;
    auto token = bar.arrive();
    bar.wait(std::move(token));
  });
  typename P::thread b([&] {
    slot[1] = 2;
    bar.arrive_and_drop();
  });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(completions.get() == 2) << "completions: " << completions.get();
  LOCKSTEP_ASSERT(sum.get() == 3 + 12) << "a completion step missed an arrival's write";
}

// call_once: a throwing call leaves the flag unset; of the concurrent calls after it exactly
// one runs its callable, and both callers see its write.
template <class P>
void call_once_runs_once(bool first_call_throws = true) {
  typename P::once_flag flag;
  typename P::template var<int> runs{0};
  if (first_call_throws) {
    bool threw = false;
    try {
      P::call_once(flag, [] { throw std::runtime_error("first attempt fails"); });
    } catch (const std::runtime_error&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw) << "the callable's exception reaches the caller";
  }
  typename P::template atomic<int> saw_one{0};
  auto body = [&] {
    P::call_once(flag, [&] { runs += 1; });
    if (runs.get() == 1) saw_one.fetch_add(1);
  };
  typename P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(runs.get() == 1) << "ran " << runs.get() << " times";
  LOCKSTEP_ASSERT(saw_one.load() == 2) << "a caller returned before the call completed";
}

// shared_timed_mutex: a writer and a timed reader; the reader either gets the lock (and sees
// the data consistent) or times out. timed = false: the untimed try_lock variants instead.
template <class P>
void shared_timed_mutex_excludes(bool timed = true) {
  typename P::shared_timed_mutex m;
  std::array<typename P::template var<int>, 2> pair{};
  typename P::thread w([&] {
    std::lock_guard g(m);
    pair[0] = 1;
    pair[1] = 1;
  });
  if (timed ? m.try_lock_shared_for(1ms) : m.try_lock_shared()) {
    LOCKSTEP_ASSERT(pair[0].get() == pair[1].get()) << "read a half-written pair";
    m.unlock_shared();
  }
  w.join();
  LOCKSTEP_ASSERT(timed ? m.try_lock_for(1ms) : m.try_lock()) << "the free mutex times out";
  m.unlock();
}

// jthread + stop tokens: the destructor requests stop and joins; a callback registered
// before the request runs exactly once, one registered after it runs at once.
template <class P>
void jthread_stops() {
  typename P::template atomic<int> calls{0};
  typename P::template atomic<int> stopped{0};
  auto count = [&]() noexcept { calls.fetch_add(1); };
  typename P::stop_source outer;
  {
    typename P::jthread t([&](typename P::stop_token st) {
      while (!st.stop_requested()) P::this_thread::yield();
      stopped.store(1);
    });
    typename P::template stop_callback<decltype(count)> cb(t.get_stop_token(), count);
    LOCKSTEP_ASSERT(t.get_stop_token().stop_possible());
  }  // ~stop_callback, then ~jthread: request_stop() (the callback has been deregistered), join
  LOCKSTEP_ASSERT(stopped.load() == 1) << "~jthread did not stop and join the thread";
  LOCKSTEP_ASSERT(calls.load() == 0) << "a deregistered callback ran";
  typename P::template stop_callback<decltype(count)> before(outer.get_token(), count);
  typename P::thread r([&] { outer.request_stop(); });
  r.join();
  LOCKSTEP_ASSERT(calls.load() == 1) << "the registered callback ran " << calls.load() << " times";
  LOCKSTEP_ASSERT(!outer.request_stop()) << "stop requested twice";
  typename P::template stop_callback<decltype(count)> after(outer.get_token(), count);
  LOCKSTEP_ASSERT(calls.load() == 2) << "a callback registered after the request did not run";
}

// condition_variable_any + stop_token: a stop request ends an interruptible wait whose
// predicate never becomes true; it returns false.
template <class P>
void cv_any_wait_stops() {
  typename P::condition_variable_any cv;
  typename P::mutex m;
  typename P::template atomic<int> result{-1};
  {
    typename P::jthread t([&](typename P::stop_token st) {
      std::unique_lock l(m);
      result.store(cv.wait(l, st, [] { return false; }) ? 1 : 0);
    });
  }  // ~jthread: request_stop, join
  LOCKSTEP_ASSERT(result.load() == 0) << "the wait returned " << result.load();
}

// thread::detach: the detached thread runs to completion on its own (the waiter learns it
// through an atomic it shares by ownership).
template <class P>
void detached_thread_finishes() {
  auto done = std::make_shared<typename P::template atomic<int>>(0);
  typename P::thread t([done] {
    done->store(1, std::memory_order_release);
    done->notify_one();
  });
  t.detach();
  LOCKSTEP_ASSERT(!t.joinable());
  while (done->load(std::memory_order_acquire) == 0) done->wait(0, std::memory_order_acquire);
  (void)P::thread::hardware_concurrency();
}

// Floating-point fetch_add / fetch_sub: no lost update.
template <class P>
void float_fetch_add() {
  typename P::template atomic<double> x{0.0};
  auto body = [&] {
    x.fetch_add(1.5);
    x.fetch_sub(0.5);
  };
  typename P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x.load() == 2.0) << "x = " << x.load();
}

// atomic_ref: atomic increments of a plain int through separate atomic_refs are not lost,
// and the object holds the latest value once the refs are gone.
template <class P>
void atomic_ref_counts() {
  int x = 5;
  auto body = [&] {
    typename P::template atomic_ref<int> r(x);
    r.fetch_add(1);
    ++r;
  };
  typename P::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x == 9) << "x = " << x;
  {
    typename P::template atomic_ref<int> r(x);
    auto copy = r;
    LOCKSTEP_ASSERT(copy.load() == 9);
    r.store(1);
    LOCKSTEP_ASSERT(copy.exchange(2) == 1);
  }
  LOCKSTEP_ASSERT(x == 2) << "x = " << x;
}

// A constinit atomic at namespace scope, shared by every run of the body (see
// static_counter below): two increments per run.
template <class P>
void static_atomic_counts(typename P::template atomic<int>& counter) {
  const int before = counter.load();
  typename P::thread a([&] { counter.fetch_add(1); }), b([&] { counter.fetch_add(1); });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(counter.load() == before + 2) << "lost update on a static atomic";
}

template <class P>
constinit typename P::template atomic<int> static_counter{0};

// The heap helpers: a node made with new_object by one thread, published through an atomic,
// read and deleted by another; make_unique / unique_ptr and a container on P::allocator.
template <class P>
void heap_handoff() {
  struct item {
    explicit item(int x) : v(x) {}
    typename P::template var<int> v;
  };
  typename P::template atomic<item*> slot{nullptr};
  typename P::thread producer(
      [&] { slot.store(P::template new_object<item>(42), std::memory_order_release); });
  item* got;
  while (!(got = slot.load(std::memory_order_acquire))) P::this_thread::yield();
  LOCKSTEP_ASSERT(got->v.get() == 42) << "the published node's value";
  P::delete_object(got);
  producer.join();
  typename P::template unique_ptr<item> owned = P::template make_unique<item>(7);
  std::vector<int, typename P::template allocator<int>> values{1, 2, 3};
  values.push_back(4);
  LOCKSTEP_ASSERT(owned->v.get() == 7 && values.size() == 4);
}

}  // namespace lockstep_conformance
