// lockstep::WriterPrefRwLock — a writer-preferring reader-writer lock (mutex + condition
// variables).
//
// Guarantees
//   * A writer holds the lock alone (no reader, no other writer); any number of readers may
//     hold it together. unlock()/unlock_shared() happen-before the acquisitions they enable.
//   * Writer preference with bounded bypass 0 for writers: a writer's doorway is taking its
//     ticket in lock() (under the internal mutex). From then on no reader enters (new and
//     already-waiting readers wait while any writer holds or waits), and writers enter in
//     ticket order. So no thread that arrives after a writer's doorway acquires the lock
//     before that writer does; the writer only waits for the readers already inside and for
//     the writers ahead of it in the queue (writers are FIFO among themselves).
//   * The price: readers can starve. A reader waits while any writer holds or waits, so a
//     steady stream of writers keeps readers out (use PhaseFairRwLock if readers need a bound).
//   * Blocking: waiters sleep on condition variables (readers and writers separately), so it
//     suits long critical sections and oversubscribed machines.
//   * SharedLockable (lock/try_lock/unlock, lock_shared/try_lock_shared/unlock_shared): use
//     it with std::unique_lock / std::shared_lock. try_lock() succeeds only if nobody holds
//     or waits for the lock, so it never overtakes a queued writer; try_lock_shared() fails
//     while a writer holds or waits.
//
// Usage
//   lockstep::WriterPrefRwLock<> rw;
//   { std::shared_lock r(rw); read(); }
//   { std::unique_lock w(rw); write(); }
//   rw.lock([&] { /* runs right after the writer's doorway (its ticket) */ });
#pragma once

#include <cstdint>
#include <mutex>

#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class P = std_platform>
class WriterPrefRwLock {
 public:
  WriterPrefRwLock() = default;
  WriterPrefRwLock(const WriterPrefRwLock&) = delete;
  WriterPrefRwLock& operator=(const WriterPrefRwLock&) = delete;

  void lock() {
    lock([] {});
  }
  // `on_arrival` runs under the internal mutex right after the writer took its ticket (the
  // doorway); tests use it to record the arrival order (lockstep/fairness.hpp).
  template <class F>
  void lock(F&& on_arrival) {
    std::unique_lock<typename P::mutex> g(m_);
    const std::uint64_t my = wnext_.get();
    wnext_ = my + 1;  // from now on wnext_ != wserving_: new readers wait (writer preference)
    on_arrival();
    // Our turn among writers, and the readers that were inside have left. A loop, not an if:
    // wake-ups may be spurious, and notify_all wakes writers with later tickets too.
    while (wserving_.get() != my || readers_.get() != 0) writers_cv_.wait(g);
  }
  bool try_lock() {
    std::lock_guard<typename P::mutex> g(m_);
    // Free and no writer queued; taking a ticket then cannot overtake anyone.
    if (wnext_.get() != wserving_.get() || readers_.get() != 0) return false;
    wnext_ = wnext_.get() + 1;
    return true;
  }
  void unlock() {
    bool writers_waiting;
    {
      std::lock_guard<typename P::mutex> g(m_);
      wserving_ = wserving_.get() + 1;
      writers_waiting = wnext_.get() != wserving_.get();
    }
    // Hand over to the next writer if there is one (readers keep waiting: preference);
    // otherwise release every waiting reader at once.
    if (writers_waiting) {
      writers_cv_.notify_all();
    } else {
      readers_cv_.notify_all();
    }
  }

  void lock_shared() {
    lock_shared([] {});
  }
  // `on_arrival` runs under the internal mutex when the reader starts waiting (its doorway).
  template <class F>
  void lock_shared(F&& on_arrival) {
    std::unique_lock<typename P::mutex> g(m_);
    on_arrival();
    // Wait while any writer holds the lock or waits for it: this is what bounds a writer's
    // wait by the readers already inside.
    while (wnext_.get() != wserving_.get()) readers_cv_.wait(g);
    readers_ += 1;
  }
  bool try_lock_shared() {
    std::lock_guard<typename P::mutex> g(m_);
    if (wnext_.get() != wserving_.get()) return false;
    readers_ += 1;
    return true;
  }
  void unlock_shared() {
    bool wake_writer;
    {
      std::lock_guard<typename P::mutex> g(m_);
      readers_ -= 1;
      wake_writer = readers_.get() == 0 && wnext_.get() != wserving_.get();
    }
    // Only the last reader out can unblock the writer at the head of the queue. notify_all:
    // a condition variable cannot target the one writer whose ticket is being served.
    if (wake_writer) writers_cv_.notify_all();
  }

 private:
  typename P::mutex m_;
  typename P::condition_variable readers_cv_;
  typename P::condition_variable writers_cv_;
  typename P::template var<int> readers_{0};             // readers inside; guarded by m_
  typename P::template var<std::uint64_t> wnext_{0};     // next writer ticket; guarded by m_
  typename P::template var<std::uint64_t> wserving_{0};  // writer ticket served; guarded by m_
};

}  // namespace lockstep
