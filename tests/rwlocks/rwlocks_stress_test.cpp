// Real-thread stress tests of the reader-writer locks on std_platform (also under TSan).
#include <lockstep/phase_fair_rw_lock.hpp>
#include <lockstep/reader_pref_rw_lock.hpp>
#include <lockstep/test.hpp>
#include <lockstep/writer_pref_rw_lock.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

// 4 threads, one write in 4 operations: a writer is alone, and every write is counted.
template <class Rw>
void stress_rw(int iters) {
  Rw rw;
  std::atomic<int> readers{0}, writers{0};
  std::atomic<bool> bad{false};
  long data = 0;  // plain: protected by rw (TSan checks it)
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < iters; ++i) {
        if ((i + t) % 4 == 0) {
          std::unique_lock<Rw> g(rw);
          if (writers.fetch_add(1) != 0 || readers.load() != 0) bad = true;
          ++data;
          writers.fetch_sub(1);
        } else {
          std::shared_lock<Rw> g(rw);
          readers.fetch_add(1);
          if (writers.load() != 0) bad = true;
          (void)data;
          readers.fetch_sub(1);
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(!bad.load()) << "writer overlapped another holder";
  LOCKSTEP_ASSERT(data == 4L * iters / 4) << "lost write";
}

// The try_ operations mixed in (a failed try falls back to the blocking call); the writers'
// plain data must add up and readers must see a consistent pair.
template <class Rw>
void stress_rw_try(int iters) {
  Rw rw;
  long a = 0, b = 0;  // invariant under the lock: a == b
  std::atomic<bool> bad{false};
  std::atomic<long> try_ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < iters; ++i) {
        if ((i + t) % 3 == 0) {
          if (rw.try_lock()) {
            try_ok.fetch_add(1, std::memory_order_relaxed);
          } else {
            rw.lock();
          }
          ++a;
          ++b;
          rw.unlock();
        } else {
          if (rw.try_lock_shared()) {
            try_ok.fetch_add(1, std::memory_order_relaxed);
          } else {
            rw.lock_shared();
          }
          if (a != b) bad = true;
          rw.unlock_shared();
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(!bad.load()) << "reader saw a half-done write";
  long writes = 0;
  for (int t = 0; t < 3; ++t)
    for (int i = 0; i < iters; ++i) writes += (i + t) % 3 == 0;
  LOCKSTEP_ASSERT(a == writes && b == writes) << "lost write: " << a << " of " << writes;
  LOCKSTEP_ASSERT(try_ok.load() > 0) << "no try_ operation ever succeeded";
}

// Writer preference on real threads: while 2 readers re-enter back to back, a writer still
// gets in, repeatedly. With reader preference this can take arbitrarily long, so only the
// writer-preferring and phase-fair locks are tested; the bound is generous (a stall, not a
// slow machine, fails it).
template <class Rw>
void writer_not_starved(int writes) {
  Rw rw;
  std::atomic<bool> stop{false};
  long data = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        std::shared_lock<Rw> g(rw);
        (void)data;
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < writes; ++i) {
    std::unique_lock<Rw> g(rw);
    ++data;
  }
  const auto took = std::chrono::steady_clock::now() - start;
  stop = true;
  for (auto& th : readers) th.join();
  LOCKSTEP_ASSERT(data == writes);
  LOCKSTEP_ASSERT(took < std::chrono::seconds(2))
      << "writer needed " << std::chrono::duration<double>(took).count() << " s";
}

// Forces every sleeping path on real threads (the futex itself, detail::park): two readers
// and a second writer arrive while a writer holds the lock for 1 ms, far longer than the
// waiters' spin, so they sleep; its unlock() must wake both readers (one wake-all on the
// readers' word) and pass the turn to the second writer, which then waits for the readers
// inside (they hold 1 ms, so it sleeps too) and must be woken by the last one out. A lost
// wake-up hangs here (the ctest timeout reports it).
template <class Rw>
void sleepers_woken(int rounds) {
  Rw rw;
  long data = 0;  // plain: protected by rw (TSan checks it)
  for (int round = 0; round < rounds; ++round) {
    rw.lock();
    auto reader = [&] {
      std::shared_lock<Rw> g(rw);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      (void)data;
    };
    std::thread r1(reader), r2(reader);
    std::thread w2([&] {
      std::unique_lock<Rw> g(rw);
      ++data;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++data;
    rw.unlock();
    r1.join();
    r2.join();
    w2.join();
  }
  LOCKSTEP_ASSERT(data == 2L * rounds);
}

}  // namespace

LOCKSTEP_UNIT_TEST(rwlocks_reader_pref_stress) { stress_rw<lockstep::ReaderPrefRwLock<>>(40000); }
LOCKSTEP_UNIT_TEST(rwlocks_writer_pref_stress) { stress_rw<lockstep::WriterPrefRwLock<>>(40000); }
LOCKSTEP_UNIT_TEST(rwlocks_phase_fair_stress) { stress_rw<lockstep::PhaseFairRwLock<>>(20000); }
LOCKSTEP_UNIT_TEST(rwlocks_writer_pref_try_stress) {
  stress_rw_try<lockstep::WriterPrefRwLock<>>(30000);
}
LOCKSTEP_UNIT_TEST(rwlocks_phase_fair_try_stress) {
  stress_rw_try<lockstep::PhaseFairRwLock<>>(15000);
}
LOCKSTEP_UNIT_TEST(rwlocks_writer_pref_writer_not_starved) {
  writer_not_starved<lockstep::WriterPrefRwLock<>>(200);
}
LOCKSTEP_UNIT_TEST(rwlocks_phase_fair_writer_not_starved) {
  writer_not_starved<lockstep::PhaseFairRwLock<>>(200);
}
LOCKSTEP_UNIT_TEST(rwlocks_phase_fair_sleepers_woken) {
  sleepers_woken<lockstep::PhaseFairRwLock<>>(30);
}
