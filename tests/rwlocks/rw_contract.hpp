// Shared model-test bodies of the SharedLockable contract (issue 18 item 5) for the
// per-lock contract tests in this directory; the exclusion and fairness bodies they also use
// are in rw_model_bodies.hpp.
#pragma once

#include <lockstep/check.hpp>

#include <mutex>
#include <shared_mutex>

#include "rw_model_bodies.hpp"

namespace rw_test {

// Readers hold the lock together: each waits, inside, for the other to be inside too (a lock
// that serialised readers would deadlock here).
template <class Rw>
void readers_share() {
  Rw rw;
  P::atomic<int> inside{0};
  auto reader = [&] {
    std::shared_lock<Rw> g(rw);
    inside.fetch_add(1);
    while (inside.load() < 2) P::this_thread::yield();
  };
  P::thread a(reader), b(reader);
  a.join();
  b.join();
}

// A writer waits for the readers inside and is woken by the last one out (two readers, so the
// first one out must not wake it into the lock); the readers' writes before unlock_shared()
// are visible to it.
template <class Rw>
void writer_woken_by_last_reader() {
  Rw rw;
  P::var<int> r1{0}, r2{0};
  P::atomic<int> inside{0};
  rw.lock_shared();
  P::thread other([&] {
    rw.lock_shared();
    r2 = 1;  // a plain write under a shared lock: only this thread writes it
    inside.fetch_add(1);
    rw.unlock_shared();
  });
  P::thread writer([&] {
    rw.lock();
    LOCKSTEP_ASSERT(r1.get() == 1) << "writer entered before the first reader left";
    (void)r2.get();  // ordered after the other reader's unlock_shared() if it ran
    rw.unlock();
  });
  r1 = 1;
  rw.unlock_shared();
  other.join();
  writer.join();
}

// Readers sleeping behind a writer are all woken by its unlock() (notify_all: two readers,
// neither may be left asleep), and none enters before it.
template <class Rw>
void writer_unlock_wakes_every_reader() {
  Rw rw;
  P::var<int> data{0};
  rw.lock();
  auto reader = [&] {
    rw.lock_shared();
    LOCKSTEP_ASSERT(data.get() == 1) << "reader entered while the writer held the lock";
    rw.unlock_shared();
  };
  P::thread a(reader), b(reader);
  data = 1;
  rw.unlock();
  a.join();
  b.join();
}

// Writer-held: try_lock() and try_lock_shared() fail in another thread; reader-held:
// try_lock() fails and try_lock_shared() succeeds; free: both succeed.
template <class Rw>
void try_variants_while_held() {
  Rw rw;
  rw.lock();
  P::thread t1([&] {
    LOCKSTEP_ASSERT(!rw.try_lock()) << "try_lock() while a writer holds it";
    LOCKSTEP_ASSERT(!rw.try_lock_shared()) << "try_lock_shared() while a writer holds it";
  });
  t1.join();
  rw.unlock();
  rw.lock_shared();
  P::thread t2([&] {
    LOCKSTEP_ASSERT(!rw.try_lock()) << "try_lock() while a reader is inside";
    LOCKSTEP_ASSERT(rw.try_lock_shared()) << "try_lock_shared() beside a reader";
    rw.unlock_shared();
  });
  t2.join();
  rw.unlock_shared();
  P::thread t3([&] {
    LOCKSTEP_ASSERT(rw.try_lock()) << "try_lock() of a free lock";
    rw.unlock();
    LOCKSTEP_ASSERT(rw.try_lock_shared()) << "try_lock_shared() of a free lock";
    rw.unlock_shared();
  });
  t3.join();
  LOCKSTEP_ASSERT(rw.try_lock());
  rw.unlock();
}

// The writer's write, made under lock(), is what a later reader reads (and no race): checked
// under the C11 model by the callers (release/acquire of the state word).
template <class Rw>
void writer_publishes_to_reader() {
  Rw rw;
  P::var<int> data{0};
  P::atomic<bool> written{false};
  P::thread w([&] {
    std::unique_lock<Rw> g(rw);
    data = 42;
    written.store(true, std::memory_order_relaxed);
  });
  P::thread r([&] {
    std::shared_lock<Rw> g(rw);
    const int v = data.get();
    if (written.load(std::memory_order_relaxed)) LOCKSTEP_ASSERT(v == 42) << "stale " << v;
  });
  w.join();
  r.join();
}

// A reader's read under lock_shared() happens-before the next writer's write (unlock_shared()
// releases).
template <class Rw>
void reader_release_orders_writer() {
  Rw rw;
  P::var<int> data{0};
  P::thread r([&] {
    std::shared_lock<Rw> g(rw);
    (void)data.get();
  });
  P::thread w([&] {
    std::unique_lock<Rw> g(rw);
    data = 1;
  });
  r.join();
  w.join();
}

}  // namespace rw_test

namespace rw_test {

// A successful try_lock() / try_lock_shared() after another thread's release is an
// acquisition: what the writer wrote before unlock() is ordered before it (the race detector
// reports a try that does not acquire). The counters here are plain, so nothing else orders
// the threads; run under the C11 model by the callers.
template <class Rw>
void try_acquisitions_publish() {
  Rw rw;
  P::var<int> data{0};
  P::thread w([&] {
    std::unique_lock<Rw> g(rw);
    data = 1;
  });
  P::thread r([&] {
    while (!rw.try_lock_shared()) P::this_thread::yield();
    (void)data.get();
    rw.unlock_shared();
  });
  while (!rw.try_lock()) P::this_thread::yield();
  data = 2;
  rw.unlock();
  w.join();
  r.join();
}

}  // namespace rw_test
