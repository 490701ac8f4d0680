// Shared model-test bodies for the reader-writer locks (tests/rwlocks): exclusion, reader
// overlap, and the fairness scenarios stated with lockstep::BypassMonitor.
#pragma once

#include <lockstep/check.hpp>
#include <lockstep/fairness.hpp>

#include <algorithm>
#include <mutex>
#include <shared_mutex>

namespace rw_test {

using P = lockstep::model_platform;

// `readers` readers and `writers` writers (at most 3 threads in all) enter once each: a writer
// is alone. The occupancy counters are seq_cst atomics, so a broken lock is reported as the
// exclusion assertion (not first as a race on the counters); `data` is plain, so a lock that
// fails to order a writer with a reader is still a data race on it.
// `max_readers`, if given, records the largest number of readers seen inside together.
template <class Rw>
void rw_exclusion(bool readers_must_not_overlap, int readers = 2, int writers = 1,
                  int* max_readers = nullptr) {
  Rw rw;
  P::atomic<int> in_readers{0};
  P::atomic<int> in_writers{0};
  P::var<int> data{0};
  auto reader = [&] {
    std::shared_lock<Rw> g(rw);
    const int r = in_readers.fetch_add(1) + 1;
    if (max_readers != nullptr) *max_readers = std::max(*max_readers, r);
    LOCKSTEP_ASSERT(in_writers.load() == 0) << "reader inside with a writer";
    if (readers_must_not_overlap) LOCKSTEP_ASSERT(r == 1) << "two readers inside together";
    (void)data.get();
    in_readers.fetch_sub(1);
  };
  auto writer = [&] {
    std::unique_lock<Rw> g(rw);
    LOCKSTEP_ASSERT(in_writers.fetch_add(1) == 0) << "two writers inside";
    LOCKSTEP_ASSERT(in_readers.load() == 0) << "writer inside with a reader";
    data += 1;
    in_writers.fetch_sub(1);
  };
  P::thread ts[3];
  int n = 0;
  for (int i = 0; i < readers; ++i) ts[n++] = P::thread(reader);
  for (int i = 0; i < writers; ++i) ts[n++] = P::thread(writer);
  for (int i = 0; i < n; ++i) ts[i].join();
  LOCKSTEP_ASSERT(data.get() == writers) << "lost write";
}

// The same with try_lock / try_lock_shared mixed in: whoever's try fails falls back to the
// blocking call; exclusion must hold either way.
template <class Rw>
void rw_try_exclusion() {
  Rw rw;
  P::atomic<int> in_readers{0};
  P::atomic<int> in_writers{0};
  P::var<int> data{0};
  auto reader = [&] {
    if (!rw.try_lock_shared()) rw.lock_shared();
    in_readers.fetch_add(1);
    LOCKSTEP_ASSERT(in_writers.load() == 0) << "reader inside with a writer";
    (void)data.get();
    in_readers.fetch_sub(1);
    rw.unlock_shared();
  };
  auto writer = [&] {
    if (!rw.try_lock()) rw.lock();
    LOCKSTEP_ASSERT(in_writers.fetch_add(1) == 0) << "two writers inside";
    LOCKSTEP_ASSERT(in_readers.load() == 0) << "writer inside with a reader";
    data += 1;
    in_writers.fetch_sub(1);
    rw.unlock();
  };
  P::thread a(reader), b(writer), c(writer);
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(data.get() == 2) << "lost write";
}

// Readers overlap: across every execution of rw_exclusion (2 readers, 1 writer), some
// execution has both readers inside together. Explores exhaustively and returns the largest
// reader count seen (a lock that serialises readers returns 1).
template <class Rw>
int max_concurrent_readers(const char* name) {
  int max_readers = 0;
  lockstep::model_test_options o;
  o.preemption_bound = 2;
  const auto x = lockstep::explore(
      name, [&] { rw_exclusion<Rw>(false, 2, 1, &max_readers); }, o, true);
  LOCKSTEP_ASSERT(x.passed) << name << ": " << x.verdict << "\n" << x.report;
  return max_readers;
}

// Writer starvation, stated as bounded bypass: a greedy reader re-enters the lock in a loop
// until the writer has had it once (it yields while inside, so the fair scheduler lets the
// writer run in between). The writer arrives when it calls lock() (arrive() just before,
// since not every lock has a doorway hook); the reader arrives at each entry. The writer may
// be overtaken at most `k` times.
//
// k = 1 is the bound for a writer-preferring lock: the reader can enter once between the
// writer's arrive() and its doorway inside lock() (the reader then yields, and the fair
// scheduler must run the writer, whose next step takes the internal mutex and passes the
// doorway); after that no reader enters before the writer. A reader-preferring lock lets the
// reader re-enter whenever it wins the race for the internal mutex against the woken writer,
// so the writer is overtaken again and again: reported as failure_kind::fairness.
template <class Rw>
void greedy_reader_vs_writer(int k) {
  Rw rw;
  lockstep::BypassMonitor<P> bypass(k);
  P::atomic<bool> done{false};
  P::thread reader([&] {
    while (!done.load()) {
      rw.lock_shared();
      bypass.enter(1);
      P::this_thread::yield();
      rw.unlock_shared();
    }
  });
  P::thread writer([&] {
    bypass.arrive(0);
    rw.lock();
    bypass.enter(0);
    done.store(true);
    rw.unlock();
  });
  reader.join();
  writer.join();
}

// Writers FIFO: `writers` writers (at most 3) take the lock once each through the doorway
// hook lock(on_arrival); the monitor (k = 0) checks acquisition order == arrival order and
// that every writer got in. `reader` adds one reader that enters once (counted as arriving at
// its entry): with writer preference it may not overtake a writer that passed its doorway.
template <class Rw>
void writers_fifo(int writers, bool with_reader, int k = 0) {
  Rw rw;
  lockstep::BypassMonitor<P> fifo(k);
  P::var<int> data{0};
  auto writer = [&](int id) {
    rw.lock([&] { fifo.arrive(id); });
    fifo.enter(id);
    data += 1;
    rw.unlock();
  };
  auto reader = [&] {
    rw.lock_shared();
    fifo.enter(10);
    (void)data.get();
    rw.unlock_shared();
  };
  P::thread ts[3];
  int n = 0;
  for (int i = 0; i < writers; ++i) ts[n++] = P::thread(writer, i);
  if (with_reader) ts[n++] = P::thread(reader);
  for (int i = 0; i < n; ++i) ts[i].join();
  fifo.expect_all_served(static_cast<std::uint64_t>(writers + (with_reader ? 1 : 0)));
  LOCKSTEP_ASSERT(data.get() == writers);
}

// A reader waits for at most one writer phase: one reader (arriving through the doorway hook
// lock_shared(on_arrival)) and two writers that write `rounds` times each. The monitor
// tracks only the reader's arrival; writers count as arriving at their entry, so the
// reader's bypass count is the number of writer acquisitions between its doorway and its
// entry. Phase fairness bounds it by 1; writer preference does not.
template <class Rw>
void reader_waits_one_writer_phase(int rounds, int k = 1) {
  Rw rw;
  lockstep::BypassMonitor<P> phases(k);
  P::var<int> data{0};
  P::thread w1([&] {
    for (int i = 0; i < rounds; ++i) {
      std::unique_lock<Rw> g(rw);
      phases.enter(1);
      data += 1;
    }
  });
  P::thread w2([&] {
    for (int i = 0; i < rounds; ++i) {
      std::unique_lock<Rw> g(rw);
      phases.enter(2);
      data += 1;
    }
  });
  rw.lock_shared([&] { phases.arrive(0); });
  phases.enter(0);
  (void)data.get();
  rw.unlock_shared();
  w1.join();
  w2.join();
  LOCKSTEP_ASSERT(data.get() == 2 * rounds);
}

}  // namespace rw_test
