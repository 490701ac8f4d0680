// Shared model-test bodies of the Lockable / TimedLockable contracts (issue 18 item 5), used by
// the per-primitive contract tests in tests/locks, tests/rwlocks and tests/multilock. Each body
// checks one stated guarantee; a body that could not fail would hide a mutant, so each has a
// broken twin in tests/locks/lock_contract_twins_model_test.cpp.
#pragma once

#include <lockstep/check.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>

namespace lockstep_test {

using CP = lockstep::model_platform;

// try_lock() fails (and does not take the lock) while another thread holds it, and succeeds on
// a free lock, from any thread; the lock is usable afterwards.
template <class Lock>
void try_lock_fails_while_held() {
  Lock lock;
  lock.lock();
  CP::thread t([&] {
    LOCKSTEP_ASSERT(!lock.try_lock()) << "try_lock() succeeded while another thread holds it";
  });
  t.join();
  lock.unlock();
  CP::thread u([&] {
    LOCKSTEP_ASSERT(lock.try_lock()) << "try_lock() failed on a free lock";
    lock.unlock();
  });
  u.join();
  LOCKSTEP_ASSERT(lock.try_lock()) << "try_lock() failed after the other thread's unlock()";
  lock.unlock();
}

// `sleepers` (2 or 3) threads block in lock() behind the main thread's hold (with no spin phase
// in the model they sleep at once); its unlock() and each of theirs must wake the next, so all
// get in.
template <class Lock>
void sleepers_all_woken(int sleepers) {
  Lock lock;
  CP::var<int> n{0};
  lock.lock();
  auto body = [&] {
    lock.lock();
    n += 1;
    lock.unlock();
  };
  CP::thread ts[3];
  for (int i = 0; i < sleepers; ++i) ts[i] = CP::thread(body);
  lock.unlock();
  for (int i = 0; i < sleepers; ++i) ts[i].join();
  LOCKSTEP_ASSERT(n.get() == sleepers) << n.get() << " of " << sleepers << " got in";
}

// A try_lock() racing a lock(): whoever gets in is alone, and what the first holder wrote is
// visible to the second (the plain counter: the race detector needs unlock -> lock
// happens-before). With `retry`, the try_lock() side retries until it succeeds, so it also
// acquires after a release.
template <class Lock>
void try_lock_excludes(bool retry = false) {
  Lock lock;
  CP::atomic<int> inside{0};
  CP::var<int> counter{0};
  auto section = [&] {
    LOCKSTEP_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0)
        << "two threads in the critical section";
    counter += 1;
    inside.fetch_sub(1, std::memory_order_relaxed);
  };
  CP::thread t([&] {
    std::lock_guard<Lock> g(lock);
    section();
  });
  int expected = 1;
  for (;;) {
    if (lock.try_lock()) {
      section();
      lock.unlock();
      expected = 2;
      break;
    }
    if (!retry) break;
    CP::this_thread::yield();
  }
  t.join();
  LOCKSTEP_ASSERT(counter.get() == expected) << "counter " << counter.get();
}

// Timed acquisition against a holder that keeps the lock until the timed call has returned:
// it fails, and only once the deadline has passed on the virtual clock.
template <class Lock, class TryTimed>
void timed_fails_only_after_deadline(TryTimed try_timed, std::chrono::nanoseconds d) {
  Lock lock;
  lock.lock();
  CP::thread t([&] {
    const auto start = CP::clock::now();
    const bool got = try_timed(lock, start, d);
    const auto waited = CP::clock::now() - start;
    LOCKSTEP_ASSERT(!got) << "timed acquisition succeeded while another thread holds the lock";
    LOCKSTEP_ASSERT(waited >= d) << "gave up after " << waited.count() << " ns of " << d.count();
  });
  t.join();
  lock.unlock();
}

// Timed acquisition against a holder that releases it: if the release happened before the
// deadline (the holder reads the clock after unlock(); the clock only moves forward), the timed
// call succeeds; if it fails, the deadline has passed. Success means holding the lock, with the
// holder's write visible. With sc = false (a C11 run) only that last part: a relaxed poll may
// read a stale "held" until the deadline.
template <class Lock, class TryTimed>
void timed_succeeds_if_released_before_deadline(TryTimed try_timed, std::chrono::nanoseconds d,
                                                bool sc = true) {
  Lock lock;
  CP::var<int> data{0};
  CP::var<bool> got{false};
  CP::var<std::int64_t> deadline{0};
  lock.lock();
  CP::thread t([&] {
    const auto start = CP::clock::now();
    deadline = (start + d).time_since_epoch().count();
    const bool g = try_timed(lock, start, d);
    if (g) {
      LOCKSTEP_ASSERT(data.get() == 1) << "acquired before the holder released";
      lock.unlock();
    } else {
      LOCKSTEP_ASSERT(CP::clock::now() - start >= d) << "gave up before the deadline";
    }
    got = g;
  });
  data = 1;
  lock.unlock();
  const std::int64_t released = CP::clock::now().time_since_epoch().count();
  t.join();
  LOCKSTEP_ASSERT(!sc || got.get() || released >= deadline.get())
      << "released at " << released << " ns, before the deadline " << deadline.get()
      << " ns, but the timed acquisition failed";
}

}  // namespace lockstep_test
