// lockstep::ReaderPrefRwLock — a reader-preferring reader-writer lock.
//
// Guarantees: a writer holds the lock alone (no reader, no other writer); any number of
// readers may hold it together. Readers are preferred: a reader enters whenever no writer is
// inside, even if writers are waiting, so a steady stream of readers can starve writers.
// Satisfies SharedLockable (lock/unlock, lock_shared/unlock_shared): use it with
// std::unique_lock / std::shared_lock.
//
//   lockstep::ReaderPrefRwLock<> rw;
//   { std::shared_lock r(rw); read(); }
//   { std::unique_lock w(rw); write(); }
#pragma once

#include <lockstep/std_platform.hpp>

#include <mutex>

namespace lockstep {

template <class P = std_platform>
class ReaderPrefRwLock {
 public:
  void lock() {
    std::unique_lock<typename P::mutex> g(m_);
    // A writer waits until nobody is inside; readers never wait for it (reader preference).
    cv_.wait(g, [&] { return !writer_.get() && readers_.get() == 0; });
    writer_ = true;
  }
  void unlock() {
    {
      std::lock_guard<typename P::mutex> g(m_);
      writer_ = false;
    }
    cv_.notify_all();  // both readers and writers may proceed now
  }
  void lock_shared() {
    std::unique_lock<typename P::mutex> g(m_);
    cv_.wait(g, [&] { return !writer_.get(); });
    readers_ += 1;
  }
  void unlock_shared() {
    bool last;
    {
      std::lock_guard<typename P::mutex> g(m_);
      readers_ -= 1;
      last = readers_.get() == 0;
    }
    if (last) cv_.notify_all();  // only the last reader can unblock a writer
  }

 private:
  typename P::mutex m_;
  typename P::condition_variable cv_;
  typename P::template var<bool> writer_{false};  // guarded by m_
  typename P::template var<int> readers_{0};      // guarded by m_
};

}  // namespace lockstep
