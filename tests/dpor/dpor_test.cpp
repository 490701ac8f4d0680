// Partial-order reduction: DPOR must find exactly the outcomes that the full search finds
// (soundness, checked on programs whose outcome sets are known), and must need far fewer
// executions (the reduction, printed and bounded below).
#include <lockstep/check.hpp>
#include <lockstep/spin_lock.hpp>

#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../support/cross_check.hpp"

using P = lockstep::model_platform;

namespace {

using run = lockstep_test::explored;

// Explores `body` exhaustively, with or without DPOR, collecting the outcome each execution
// reports through the `out` string (tests/support/cross_check.hpp).
template <class Body>
run explore_outcomes(const char* name, Body body, bool dpor) {
  return lockstep_test::explore_with(name, body, lockstep::engine::dpor,
                                     lockstep::memory_model::sequential, dpor);
}

template <class Body>
void same_outcomes(const char* name, Body body, std::uint64_t max_dpor_executions) {
  run full = explore_outcomes(name, body, false);
  run reduced = explore_outcomes(name, body, true);
  std::string a, b;
  for (auto& s : full.outcomes) a += s + " ";
  for (auto& s : reduced.outcomes) b += s + " ";
  if (full.outcomes.size() > 12) a = std::to_string(full.outcomes.size()) + " distinct ";
  std::printf("%-34s full search %8llu executions, DPOR %6llu; outcomes {%s}\n", name,
              static_cast<unsigned long long>(full.executions),
              static_cast<unsigned long long>(reduced.executions), a.c_str());
  LOCKSTEP_ASSERT(full.outcomes == reduced.outcomes)
      << name << ": DPOR found {" << b << "} but the full search {" << a << "}";
  LOCKSTEP_ASSERT(reduced.executions <= max_dpor_executions)
      << name << ": DPOR needed " << reduced.executions << " executions";
}

}  // namespace

// N threads each doing k fetch_adds on one atomic: every pair conflicts, so the number of
// Mazurkiewicz traces is the number of interleavings of the fetch_adds, (N*k)! / (k!)^N, and
// every trace has a distinct outcome (the values each fetch_add returned).
void fetch_adds(int threads, int k, std::string& out) {
  P::atomic<int> x{0};
  P::thread ts[4];
  int seen[4][2] = {};
  for (int t = 0; t < threads; ++t)
    ts[t] = P::thread([&, t] {
      for (int i = 0; i < k; ++i) seen[t][i] = x.fetch_add(1);
    });
  for (int t = 0; t < threads; ++t) ts[t].join();
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < k; ++i) out += std::to_string(seen[t][i]) + (i + 1 < k ? "," : ";");
}

LOCKSTEP_UNIT_TEST(dpor_fetch_add_3x2_matches_full_search) {
  // 6! / 2^3 = 90 traces.
  same_outcomes(
      "fetch_add 3x2", [](std::string& out) { fetch_adds(3, 2, out); }, 90);
}

// 4 threads x 2 fetch_adds: 8! / 2^4 = 2,520 traces. The full search (millions of
// schedules here, since spawn, start and join steps interleave too) is not run; DPOR must be
// optimal: exactly one execution per trace, and all 2,520 distinct outcomes.
LOCKSTEP_UNIT_TEST(dpor_fetch_add_4x2_is_optimal) {
  run r = explore_outcomes(
      "fetch_add 4x2", [](std::string& out) { fetch_adds(4, 2, out); }, true);
  std::printf("%-34s DPOR %llu executions, %zu distinct outcomes\n", "fetch_add 4x2",
              static_cast<unsigned long long>(r.executions), r.outcomes.size());
  LOCKSTEP_ASSERT(r.outcomes.size() == 2520) << r.outcomes.size() << " outcomes";
  LOCKSTEP_ASSERT(r.executions == 2520) << r.executions << " executions";
}

// Independent threads: one trace, whatever the number of threads.
LOCKSTEP_UNIT_TEST(dpor_independent_threads_one_trace) {
  same_outcomes(
      "independent 3x3",
      [](std::string& out) {
        P::atomic<int> a{0}, b{0}, c{0};
        P::thread t1([&] {
          for (int i = 0; i < 3; ++i) a.fetch_add(1);
        });
        P::thread t2([&] {
          for (int i = 0; i < 3; ++i) b.fetch_add(1);
        });
        P::thread t3([&] {
          for (int i = 0; i < 3; ++i) c.fetch_add(1);
        });
        t1.join();
        t2.join();
        t3.join();
        out = std::to_string(a.load() + b.load() + c.load());
      },
      1);
}

// Lost updates with load + store: final values 1..3 must all be found.
LOCKSTEP_UNIT_TEST(dpor_finds_every_lost_update) {
  same_outcomes(
      "load/store increments 3x1",
      [](std::string& out) {
        P::atomic<int> x{0};
        auto inc = [&] { x.store(x.load() + 1); };
        P::thread t1(inc), t2(inc), t3(inc);
        t1.join();
        t2.join();
        t3.join();
        out = std::to_string(x.load());
      },
      200);
}

// Store buffering under SC: (0,1), (1,0), (1,1) — never (0,0).
LOCKSTEP_UNIT_TEST(dpor_store_buffering_sc_outcomes) {
  same_outcomes(
      "store buffering (SC)",
      [](std::string& out) {
        P::atomic<int> x{0}, y{0};
        int r1 = -1, r2 = -1;
        P::thread t1([&] {
          x.store(1);
          r1 = y.load();
        });
        P::thread t2([&] {
          y.store(1);
          r2 = x.load();
        });
        t1.join();
        t2.join();
        out = std::to_string(r1) + std::to_string(r2);
      },
      10);
}

// Locks: the order in which three threads take a mutex (3! = 6 orders), with try_lock.
LOCKSTEP_UNIT_TEST(dpor_lock_orders_and_try_lock) {
  same_outcomes(
      "mutex order 3 threads + try_lock",
      [](std::string& out) {
        P::mutex m;
        P::var<std::string> order{};
        std::string tried;
        P::thread t1([&] {
          std::lock_guard<P::mutex> g(m);
          order.ref() += "1";
        });
        P::thread t2([&] {
          std::lock_guard<P::mutex> g(m);
          order.ref() += "2";
        });
        P::thread t3([&] {
          if (m.try_lock()) {
            order.ref() += "3";
            m.unlock();
          } else {
            tried = "x";
          }
        });
        t1.join();
        t2.join();
        t3.join();
        out = order.get() + tried;
      },
      60);
}

// Condition variable hand-off with two consumers: who gets which item.
LOCKSTEP_UNIT_TEST(dpor_condition_variable_handoff) {
  same_outcomes(
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
      2000);
}

// Spin loops (yields, fair scheduling) under DPOR: acquisition orders of a spin lock, and
// the overlap a broken test-and-set allows, must match the full search.
LOCKSTEP_UNIT_TEST(dpor_spin_lock_orders_match_full_search) {
  same_outcomes(
      "spin lock 2x2 acquisition orders",
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
      200);
}

LOCKSTEP_UNIT_TEST(dpor_broken_tas_overlap_matches_full_search) {
  same_outcomes(
      "non-atomic TAS overlap",
      [](std::string& out) {
        P::atomic<bool> locked{false};
        P::atomic<int> inside{0}, max_inside{0};
        auto body = [&] {
          while (locked.load()) P::spin_pause();
          locked.store(true);
          int now = inside.fetch_add(1) + 1;
          if (now > max_inside.load()) max_inside.store(now);
          inside.fetch_sub(1);
          locked.store(false);
        };
        P::thread a(body), b(body);
        a.join();
        b.join();
        out = std::to_string(max_inside.load());
      },
      500);
}
