// The graph engine (checker/rt/src/graph/) on litmus tests: the outcome sets of the search
// without reduction, one execution per consistent graph (GenMC's counts where the notes give
// them), no graph twice. Under C++11 the litmus outcomes are also the allowed/forbidden sets
// of tests/memory_model/litmus_test.cpp.
#include <lockstep/spin_lock.hpp>
#include <lockstep/thread_pool.hpp>

#include <chrono>
#include <mutex>
#include <shared_mutex>

#include "../support/cross_check.hpp"
#include "../support/litmus_programs.hpp"
#include "reference_programs.hpp"

using namespace lockstep_test;
using mm = lockstep::memory_model;

using namespace lockstep_test::litmus;

LOCKSTEP_UNIT_TEST(graph_sb_counts_and_outcomes) {
  // GenMC: sb 3 graphs under SC, 4 under RC11.
  auto s = cross_check(
      "sb rlx", [](std::string& o) { sb(o, rlx, rlx, false); }, mm::sequential,
      oracle::full_search);
  LOCKSTEP_ASSERT(s.executions == 3) << s.executions;
  auto c = cross_check(
      "sb rlx", [](std::string& o) { sb(o, rlx, rlx, false); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(c.executions == 4) << c.executions;
  LOCKSTEP_ASSERT(c.outcomes.count("00"));
  auto ra = cross_check(
      "sb rel/acq", [](std::string& o) { sb(o, rel, acq, false); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(ra.outcomes.count("00"));
  auto sc_ = cross_check(
      "sb sc", [](std::string& o) { sb(o, sc, sc, false); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(!sc_.outcomes.count("00") && sc_.outcomes.size() == 3);
  auto f = cross_check(
      "sb rlx + sc fences", [](std::string& o) { sb(o, rlx, rlx, true); }, mm::c11,
      oracle::full_search);
  LOCKSTEP_ASSERT(!f.outcomes.count("00") && f.outcomes.size() == 3);
}

LOCKSTEP_UNIT_TEST(graph_mp_outcomes) {
  auto r = cross_check(
      "mp rlx", [](std::string& o) { mp(o, rlx, rlx, false); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(r.outcomes.count("10"));
  auto ra = cross_check(
      "mp rel/acq", [](std::string& o) { mp(o, rel, acq, false); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(!ra.outcomes.count("10") && ra.outcomes.size() == 3);
  auto f = cross_check(
      "mp rlx + fences", [](std::string& o) { mp(o, rlx, rlx, true); }, mm::c11,
      oracle::full_search);
  LOCKSTEP_ASSERT(!f.outcomes.count("10"));
  cross_check(
      "mp sc", [](std::string& o) { mp(o, rlx, rlx, false); }, mm::sequential, oracle::full_search);
}

LOCKSTEP_UNIT_TEST(graph_lb_rc11_forbids_11) {
  auto r = cross_check("lb", lb, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(!r.outcomes.count("11") && r.outcomes.size() == 3);
  cross_check("lb", lb, mm::sequential, oracle::full_search);
}

LOCKSTEP_UNIT_TEST(graph_iriw) {
  // 4 threads: the full search is too large; DPOR is the oracle.
  auto a = cross_check(
      "iriw rel/acq", [](std::string& o) { iriw(o, rel, acq); }, mm::c11, oracle::dpor);
  LOCKSTEP_ASSERT(a.outcomes.count("1010"));
  auto s = cross_check(
      "iriw sc", [](std::string& o) { iriw(o, sc, sc); }, mm::c11, oracle::dpor);
  LOCKSTEP_ASSERT(!s.outcomes.count("1010"));
  cross_check(
      "iriw", [](std::string& o) { iriw(o, rlx, rlx); }, mm::sequential, oracle::dpor);
}

LOCKSTEP_UNIT_TEST(graph_corr_is_coherent) {
  auto r = cross_check("corr", corr, mm::c11, oracle::full_search);
  for (const char* bad : {"21", "10", "20"}) LOCKSTEP_ASSERT(!r.outcomes.count(bad)) << bad;
  cross_check("corr", corr, mm::sequential, oracle::full_search);
}

LOCKSTEP_UNIT_TEST(graph_2plus2w) {
  for (mo m : {rlx, rel, sc}) {
    auto r = cross_check(
        "2+2w", [&](std::string& o) { two_plus_two_w(o, m); }, mm::c11, oracle::full_search);
    LOCKSTEP_ASSERT(r.outcomes.count("11") == (m == sc ? 0u : 1u));
  }
  cross_check(
      "2+2w", [&](std::string& o) { two_plus_two_w(o, rlx); }, mm::sequential, oracle::full_search);
}

LOCKSTEP_UNIT_TEST(graph_wrc) {
  auto a = cross_check(
      "wrc rel/acq", [](std::string& o) { wrc(o, rel, acq); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(!a.outcomes.count("110"));
  auto r = cross_check(
      "wrc rlx", [](std::string& o) { wrc(o, rlx, rlx); }, mm::c11, oracle::full_search);
  LOCKSTEP_ASSERT(r.outcomes.count("110"));
  cross_check(
      "wrc", [](std::string& o) { wrc(o, rlx, rlx); }, mm::sequential, oracle::full_search);
}

// N threads x K fetch_adds: (NK)! / (K!)^N graphs, each with its own outcome.

LOCKSTEP_UNIT_TEST(graph_fetch_add_counts) {
  for (mm m : {mm::sequential, mm::c11}) {
    auto a = cross_check(
        "faa(3,2)", [](std::string& o) { faa(o, 3, 2); }, m, oracle::dpor);
    LOCKSTEP_ASSERT(a.executions == 90 && a.outcomes.size() == 90) << a.executions;
    auto b = cross_check(
        "faa(4,2)", [](std::string& o) { faa(o, 4, 2); }, m, oracle::none);
    LOCKSTEP_ASSERT(b.executions == 2520 && b.outcomes.size() == 2520) << b.executions;
  }
}

// Mutexes: lock acquisitions in every order (N! graphs), try_lock failing and succeeding.
LOCKSTEP_UNIT_TEST(graph_mutex_orders) {
  for (int n : {2, 3}) {
    auto r = cross_check(
        n == 2 ? "mutex order 2" : "mutex order 3",
        [n](std::string& out) {
          P::mutex m;
          P::var<std::string> order{};
          P::thread ts[3];
          for (int i = 0; i < n; ++i)
            ts[i] = P::thread([&, i] {
              std::lock_guard<P::mutex> g(m);
              order.ref() += static_cast<char>('a' + i);
            });
          for (int i = 0; i < n; ++i) ts[i].join();
          out = order.get();
        },
        mm::sequential, oracle::full_search);
    LOCKSTEP_ASSERT(r.outcomes.size() == (n == 2 ? 2u : 6u));
  }
  cross_check(
      "mutex + try_lock",
      [](std::string& out) {
        P::mutex m;
        P::var<std::string> order{};
        std::string tried;  // thread 2's own
        P::thread t1([&] {
          std::lock_guard<P::mutex> g(m);
          order.ref() += "1";
        });
        P::thread t2([&] {
          if (m.try_lock()) {
            order.ref() += "2";
            m.unlock();
          } else {
            tried = "x";
          }
        });
        t1.join();
        t2.join();
        out = order.get() + tried;
      },
      mm::sequential, oracle::full_search);
}

// lockstep::choose: every value, once.
LOCKSTEP_UNIT_TEST(graph_choose_values) {
  auto r = cross_check(
      "choose",
      [](std::string& out) {
        P::atomic<int> x{0};
        P::thread a([&] { x.store(lockstep::choose(3) + 1); });
        int v = x.load();
        a.join();
        out = std::to_string(v);
      },
      mm::sequential, oracle::full_search);
  LOCKSTEP_ASSERT(r.outcomes.size() == 4);
}

// A spin lock (yields): the acquisition orders and the fair-scheduling rule.
LOCKSTEP_UNIT_TEST(graph_spin_lock_orders) {
  cross_check(
      "spin lock 2x2",
      [](std::string& out) {
        lockstep::SpinLock<P> lock;
        P::var<std::string> order{};
        auto body = [&](char id) {
          for (int r = 0; r < 2; ++r) {
            std::lock_guard<lockstep::SpinLock<P>> g(lock);
            order.ref() += id;
          }
        };
        P::thread a(body, 'a'), b(body, 'b');
        a.join();
        b.join();
        out = order.get();
      },
      mm::sequential, oracle::dpor);
}

// Condition variables, semaphores, timed waits and the virtual clock under the graph engine
// (spurious wake-ups are not explored by it yet: the oracle runs without them).
LOCKSTEP_UNIT_TEST(graph_condition_variable_handoff) {
  cross_check(
      "cv hand-off 1P2C",
      [](std::string& out) {
        P::mutex m;
        P::condition_variable cv;
        P::var<int> items{0};
        P::var<int> next{0};
        int got[2] = {-1, -1};
        auto consumer = [&](int id) {
          std::unique_lock<P::mutex> lk(m);
          cv.wait(lk, [&] { return items.get() > 0; });
          items -= 1;
          got[id] = next.get();
          next += 1;
        };
        P::thread c1(consumer, 0), c2(consumer, 1);
        for (int i = 0; i < 2; ++i) {
          std::lock_guard<P::mutex> g(m);
          items += 1;
          cv.notify_one();
        }
        c1.join();
        c2.join();
        out = std::to_string(got[0]) + std::to_string(got[1]);
      },
      mm::sequential, oracle::dpor);
}

LOCKSTEP_UNIT_TEST(graph_semaphore_and_timed_waits) {
  cross_check(
      "semaphore 1 of 3 + try",
      [](std::string& out) {
        P::binary_semaphore s{1};
        P::var<std::string> order{};
        std::string tried[3];
        P::thread ts[3];
        for (int i = 0; i < 3; ++i)
          ts[i] = P::thread([&, i] {
            if (i == 2) {
              if (!s.try_acquire()) {
                tried[i] = "x";
                return;
              }
            } else {
              s.acquire();
            }
            order.ref() += static_cast<char>('a' + i);
            s.release();
          });
        for (auto& t : ts) t.join();
        out = order.get() + tried[2];
      },
      mm::sequential, oracle::dpor);
  cross_check(
      "timed cv wait",
      [](std::string& out) {
        P::mutex m;
        P::condition_variable cv;
        P::var<bool> ready{false};
        bool got = false;
        P::thread producer([&] {
          std::lock_guard<P::mutex> g(m);
          ready = true;
          cv.notify_one();
        });
        {
          std::unique_lock<P::mutex> lk(m);
          got = cv.wait_for(lk, std::chrono::milliseconds(5), [&] { return ready.get(); });
        }
        producer.join();
        out = got ? "got" : "timeout";
      },
      mm::sequential, oracle::dpor);
  cross_check(
      "timed semaphore + sleep",
      [](std::string& out) {
        P::counting_semaphore<2> s{0};
        bool got = false;
        std::int64_t t = -1;
        P::thread a([&] {
          P::this_thread::sleep_for(std::chrono::milliseconds(2));
          s.release();
        });
        got = s.try_acquire_for(std::chrono::milliseconds(1));
        t = std::chrono::duration_cast<std::chrono::milliseconds>(
                P::clock::now().time_since_epoch())
                .count();
        a.join();
        out = std::string(got ? "got@" : "timeout@") + std::to_string(t);
      },
      mm::sequential,
      oracle::full_search);  // (DPOR misses timeout@2: T0's timeout after T1's sleep)
}

// shared_mutex: readers together, a writer alone, try variants.
LOCKSTEP_UNIT_TEST(graph_shared_mutex) {
  cross_check(
      "shared_mutex 2 readers + writer",
      [](std::string& out) {
        P::shared_mutex m;
        P::var<int> data{0};
        int seen[2] = {-1, -1};
        bool tried = false;
        P::thread r1([&] {
          std::shared_lock<P::shared_mutex> g(m);
          seen[0] = data.get();
        });
        P::thread r2([&] {
          if (m.try_lock_shared()) {
            seen[1] = data.get();
            m.unlock_shared();
          }
        });
        P::thread w([&] {
          if (m.try_lock()) {
            tried = true;
            data = 1;
            m.unlock();
          } else {
            std::lock_guard<P::shared_mutex> g(m);
            data = 2;
          }
        });
        r1.join();
        r2.join();
        w.join();
        out = std::to_string(seen[0]) + std::to_string(seen[1]) + (tried ? "t" : "l") +
              std::to_string(data.get());
      },
      mm::sequential, oracle::dpor);
}

// A spurious wake-up (budget 1 per execution): a wait without a loop proceeds with no item.
LOCKSTEP_UNIT_TEST(graph_spurious_wakeups) {
  auto r = cross_check(
      "cv wait with if, spurious 1",
      [](std::string& out) {
        P::mutex m;
        P::condition_variable cv;
        P::var<int> items{0};
        int seen = -1;
        P::thread consumer([&] {
          std::unique_lock<P::mutex> lk(m);
          if (items.get() == 0) cv.wait(lk);
          seen = items.get();
        });
        {
          std::lock_guard<P::mutex> g(m);
          items = 1;
          cv.notify_one();
        }
        consumer.join();
        out = std::to_string(seen);
      },
      mm::sequential, oracle::full_search, false, 1);
  LOCKSTEP_ASSERT(r.outcomes.count("0") == 1) << "the spurious wake-up was not explored";
}

// A timed wait may also wake spuriously before its deadline (budget 1).
LOCKSTEP_UNIT_TEST(graph_timed_wait_spurious_wakeup) {
  auto r = cross_check(
      "timed cv wait, spurious 1",
      [](std::string& out) {
        P::mutex m;
        P::condition_variable cv;
        P::var<bool> ready{false};
        std::string how;
        P::thread producer([&] {
          std::lock_guard<P::mutex> g(m);
          ready = true;
          cv.notify_one();
        });
        {
          std::unique_lock<P::mutex> lk(m);
          if (!ready.get()) {
            const auto t0 = P::clock::now();
            const auto st = cv.wait_for(lk, std::chrono::milliseconds(5));
            const bool late = P::clock::now() - t0 >= std::chrono::milliseconds(5);
            how = st == std::cv_status::timeout
                      ? "timeout"
                      : (ready.get() ? "notified" : (late ? "late" : "spurious"));
          } else {
            how = "ready";
          }
        }
        producer.join();
        out = how;
      },
      mm::sequential, oracle::full_search, false, 1);
  LOCKSTEP_ASSERT(r.outcomes.count("spurious") == 1)
      << "the timed wait's spurious wake-up was not explored";
}

// A future's timed wait against a task that sleeps on the virtual clock (ThreadPool's
// result_for): timeouts, the clock, a spurious wake-up and which waiter a notify wakes all
// meet. Regression: a write-choice alternative once produced an inconsistent graph there
// ("no replay order"): every alternative is now checked for consistency when it is taken.
LOCKSTEP_UNIT_TEST(graph_future_timed_wait_vs_sleeping_task) {
  using namespace std::chrono_literals;
  auto r = cross_check(
      "future result_for vs sleep, spurious 1",
      [](std::string& out) {
        lockstep::ThreadPool<P> pool(1);
        auto f = pool.submit([] {
          P::this_thread::sleep_for(10ms);
          return 5;
        });
        const auto t0 = P::clock::now();
        try {
          out = "value " + std::to_string(f.result_for(1ms));
        } catch (const lockstep::future_timeout&) {
          out = "timeout";
        }
        out += P::clock::now() - t0 >= 10ms ? " late" : " early";
        out += " " + std::to_string(f.result());
      },
      mm::sequential, oracle::dpor, false, 1);
  LOCKSTEP_ASSERT(r.outcomes.count("timeout early 5") == 1) << join(r.outcomes);
}

// compare_exchange_weak may fail spuriously where it would succeed (budget 1): the graph
// engine explores that variant exactly as the full search does, and no graph twice.
LOCKSTEP_UNIT_TEST(graph_weak_cas_spurious_failure) {
  auto once = [](std::string& out) {
    P::atomic<int> x{0};
    int seen = -1;
    bool ok = false;
    P::thread t([&] { x.store(1); });
    int e = 0;
    ok = x.compare_exchange_weak(e, 2);
    seen = e;
    t.join();
    out = std::string(ok ? "ok" : "fail") + std::to_string(seen) + std::to_string(x.load());
  };
  for (auto m : {mm::sequential, mm::c11}) {
    auto r = cross_check("weak cas once, spurious 1", once, m, oracle::full_search, false, 1);
    LOCKSTEP_ASSERT(r.outcomes.count("fail01") == 1) << "spurious failure not explored";
    LOCKSTEP_ASSERT(r.outcomes.count("ok01") == 1 && r.outcomes.count("fail11") == 1)
        << join(r.outcomes);
  }
  // Without a budget it behaves like the strong form.
  auto strong =
      cross_check("weak cas once, spurious 0", once, mm::sequential, oracle::full_search, false, 0);
  LOCKSTEP_ASSERT(strong.outcomes.count("fail01") == 0) << join(strong.outcomes);
  // In a retry loop the spurious failure is retried: the outcomes are the strong ones.
  auto loop = cross_check(
      "weak cas loop, spurious 1",
      [](std::string& out) {
        P::atomic<int> x{0};
        auto inc = [&] {
          int e = x.load();
          while (!x.compare_exchange_weak(e, e + 1)) {
          }
        };
        P::thread t(inc);
        inc();
        t.join();
        out = std::to_string(x.load());
      },
      mm::c11, oracle::full_search, false, 1);
  LOCKSTEP_ASSERT(loop.outcomes == std::set<std::string>{"2"}) << join(loop.outcomes);
}
