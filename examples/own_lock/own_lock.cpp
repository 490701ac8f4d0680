// Example 1: your own lock, checked by the model checker, and a broken twin it catches.
//
// The lock is written once against a platform P. With the default, lockstep::std_platform,
// P's members are the std:: types themselves (production code, zero cost); with
// lockstep::model_platform every atomic operation is a scheduling point of the checker, which
// explores the interleavings of the threads a test spawns.
#include <lockstep/check.hpp>
#include <lockstep/std_platform.hpp>

#include <atomic>
#include <mutex>
#include <thread>

namespace {

// A test-and-test-and-set spin lock. The acquire exchange pairs with the release store of
// unlock(): what one holder wrote is visible to the next.
template <class P = lockstep::std_platform>
class SpinLock {
 public:
  void lock() {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      // Spin on a plain load, and tell the platform: under the checker spin_pause() is a
      // yield, so a spinning thread lets the holder run and the loop terminates.
      while (locked_.load(std::memory_order_relaxed)) P::spin_pause();
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  typename P::template atomic<bool> locked_{false};
};

// The broken twin: "test, then set" as two separate steps. Two threads can both see the lock
// free and both go in.
template <class P = lockstep::std_platform>
class BrokenSpinLock {
 public:
  void lock() {
    while (locked_.load(std::memory_order_acquire)) P::spin_pause();
    locked_.store(true, std::memory_order_relaxed);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  typename P::template atomic<bool> locked_{false};
};

using M = lockstep::model_platform;

// The model test both locks run: two threads increment a counter the lock protects. The
// counter is a P::var, plain shared data whose every access the checker checks for data
// races: with a broken lock two increments overlap, and that is a race.
template <template <class> class Lock>
void two_increments() {
  Lock<M> lock;
  M::var<int> n{0};
  auto body = [&] {
    std::lock_guard g(lock);
    n += 1;
  };
  M::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n.get() == 2) << "lost update";
}

}  // namespace

// Production: the same template on real threads.
LOCKSTEP_UNIT_TEST(spin_lock_on_real_threads) {
  SpinLock<> lock;
  int n = 0;
  auto body = [&] {
    for (int i = 0; i < 10'000; ++i) {
      std::lock_guard g(lock);
      ++n;
    }
  };
  std::thread a(body), b(body);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(n == 20'000);
}

// Every interleaving (exhaustive mode), then 2000 random ones: must pass in all of them.
LOCKSTEP_TEST(spin_lock_excludes) { two_increments<SpinLock>(); }

// A broken twin passes only if the checker finds exactly this kind of failure, in every mode,
// and the failure's replay token reproduces it.
LOCKSTEP_TEST(broken_spin_lock_is_caught, {.expect = lockstep::failure_kind::data_race}) {
  two_increments<BrokenSpinLock>();
}
