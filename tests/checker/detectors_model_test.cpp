// Each detector of the checker with a broken program it must catch and a correct twin that
// must pass.
#include <lockstep/check.hpp>

#include <mutex>
#include <stdexcept>
#include <string>

#include "../support/failing_programs.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

// ---- deadlock: the classic opposite-order acquisition of two mutexes
LOCKSTEP_TEST(deadlock_opposite_lock_order, {.expect = failure_kind::deadlock}) {
  lockstep_test::opposite_lock_order();
}

LOCKSTEP_TEST(same_lock_order_does_not_deadlock) {
  P::mutex a, b;
  auto body = [&] {
    std::lock_guard<P::mutex> ga(a);
    std::lock_guard<P::mutex> gb(b);
  };
  P::thread t1(body), t2(body);
  t1.join();
  t2.join();
}

// ---- data race: a plain variable written without the lock by one of two threads
LOCKSTEP_TEST(missing_lock_is_a_data_race, {.expect = failure_kind::data_race}) {
  P::mutex m;
  P::var<int> x{0};
  P::thread t1([&] {
    std::lock_guard<P::mutex> g(m);
    x += 1;
  });
  P::thread t2([&] { x += 1; });  // forgot the lock
  t1.join();
  t2.join();
}

LOCKSTEP_TEST(locked_accesses_do_not_race) {
  P::mutex m;
  P::var<int> x{0};
  auto body = [&] {
    std::lock_guard<P::mutex> g(m);
    x += 1;
  };
  P::thread t1(body), t2(body);
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(x.get() == 2);
}

// Publication through an atomic flag: relaxed does not order the data, release/acquire does.
LOCKSTEP_TEST(relaxed_publication_is_a_data_race, {.expect = failure_kind::data_race}) {
  P::var<int> data{0};
  P::atomic<bool> ready{false};
  P::thread w([&] {
    data = 42;
    ready.store(true, std::memory_order_relaxed);
  });
  while (!ready.load(std::memory_order_relaxed)) P::this_thread::yield();
  LOCKSTEP_ASSERT(data.get() == 42);
  w.join();
}

LOCKSTEP_TEST(release_acquire_publication_is_ordered) {
  P::var<int> data{0};
  P::atomic<bool> ready{false};
  P::thread w([&] {
    data = 42;
    ready.store(true, std::memory_order_release);
  });
  while (!ready.load(std::memory_order_acquire)) P::this_thread::yield();
  LOCKSTEP_ASSERT(data.get() == 42);
  w.join();
}

// ---- livelock: a thread waits for a flag that nobody will ever set
LOCKSTEP_TEST(waiting_forever_is_a_livelock, {.expect = failure_kind::livelock, .max_steps = 200}) {
  P::atomic<bool> flag{false};
  P::thread t([&] {
    while (!flag.load()) P::this_thread::yield();
  });
  t.join();
}

// ---- misuse
LOCKSTEP_TEST(unlock_of_unowned_mutex, {.expect = failure_kind::misuse}) {
  P::mutex m;
  P::thread t([&] { m.lock(); });
  t.join();
  m.unlock();  // owned by the other thread
}

LOCKSTEP_TEST(destroying_a_locked_mutex, {.expect = failure_kind::misuse}) {
  P::mutex m;
  m.lock();
}

LOCKSTEP_TEST(unjoined_thread, {.expect = failure_kind::misuse}) {
  P::thread t([] {});
}

LOCKSTEP_TEST(recursive_mutex_relocks_and_counts) {
  P::recursive_mutex m;
  P::var<int> x{0};
  P::thread t([&] {
    std::lock_guard<P::recursive_mutex> g1(m);
    std::lock_guard<P::recursive_mutex> g2(m);
    x += 1;
  });
  {
    std::lock_guard<P::recursive_mutex> g(m);
    x += 1;
  }
  t.join();
  LOCKSTEP_ASSERT(x.get() == 2);
}

// ---- exceptions escaping a simulated thread
LOCKSTEP_TEST(exception_escaping_a_thread, {.expect = failure_kind::exception}) {
  P::atomic<int> n{0};
  P::thread t([&] {
    if (n.fetch_add(1) == 0) throw std::runtime_error("boom");
  });
  t.join();
}

// ---- nondeterministic inputs are explored: choose() is a branch of the search
LOCKSTEP_TEST(choose_explores_every_value, {.expect = failure_kind::assertion}) {
  int v = lockstep::choose(5);
  LOCKSTEP_ASSERT(v != 4) << "the checker reached the last alternative";
}

// ---- semaphores and shared mutexes are visible to the scheduler
LOCKSTEP_TEST(semaphore_bounds_holders) {
  P::counting_semaphore<2> sem(2);
  P::atomic<int> holders{0};
  auto body = [&] {
    sem.acquire();
    LOCKSTEP_ASSERT(holders.fetch_add(1) < 2);
    holders.fetch_sub(1);
    sem.release();
  };
  P::thread a(body), b(body), c(body);
  a.join();
  b.join();
  c.join();
}

LOCKSTEP_TEST(write_under_shared_lock_races, {.expect = failure_kind::data_race}) {
  P::shared_mutex m;
  P::var<int> x{0};
  auto body = [&] {
    m.lock_shared();
    x += 1;  // writing under a shared lock
    m.unlock_shared();
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
}

LOCKSTEP_TEST(shared_mutex_readers_and_writer) {
  P::shared_mutex m;
  P::var<int> x{0};
  P::thread w([&] {
    m.lock();
    x += 1;
    m.unlock();
  });
  auto reader = [&] {
    m.lock_shared();
    int v = x.get();
    LOCKSTEP_ASSERT(v == 0 || v == 1);
    m.unlock_shared();
  };
  P::thread r1(reader), r2(reader);
  w.join();
  r1.join();
  r2.join();
}

// ---- lock-order graph: opposite orders that never overlap in any schedule of this test
// (the threads run one after the other) still form a cycle: a potential deadlock.
LOCKSTEP_TEST(lock_order_inversion_without_deadlock, {.expect = failure_kind::lock_order}) {
  P::mutex a, b;
  {
    P::thread t1([&] {
      std::lock_guard<P::mutex> ga(a);
      std::lock_guard<P::mutex> gb(b);
    });
    t1.join();
  }
  P::thread t2([&] {
    std::lock_guard<P::mutex> gb(b);
    std::lock_guard<P::mutex> ga(a);
  });
  t2.join();
}

// try_lock with back-off cannot deadlock: it adds no lock-order edge.
LOCKSTEP_TEST(try_lock_back_off_has_no_lock_order_cycle) {
  P::mutex a, b;
  P::thread t1([&] {
    std::lock_guard<P::mutex> ga(a);
    std::lock_guard<P::mutex> gb(b);
  });
  P::thread t2([&] {
    for (;;) {
      std::unique_lock<P::mutex> gb(b);
      if (a.try_lock()) {
        a.unlock();
        return;
      }
      gb.unlock();
      P::this_thread::yield();
    }
  });
  t1.join();
  t2.join();
}
