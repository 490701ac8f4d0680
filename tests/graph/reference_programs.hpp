// The programs of the exploration reference (shared/notes/exploration-reference.md), written
// to the shapes the reference's execution counts depend on: used by the graph-engine tests
// (tests/graph) and the engine benchmarks (bench/checker). Each reports an outcome string.
#pragma once

#include <lockstep/check.hpp>

#include <mutex>
#include <string>

#include "structures.hpp"

namespace lockstep_test {

using ref_mo = std::memory_order;

// treiber(N): each thread pushes its id then pops; the pops return each value once.
inline void treiber(std::string& out, int n) {
  TreiberStack s;
  int got[3] = {-1, -1, -1};
  P::thread ts[3];
  for (int i = 0; i < n; ++i)
    ts[i] = P::thread([&, i] {
      s.push(i + 1);
      got[i] = s.pop();
      LOCKSTEP_ASSERT(got[i] != -1);
    });
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    ts[i].join();
    sum += got[i];
    out += std::to_string(got[i]);
  }
  LOCKSTEP_ASSERT(sum == n * (n + 1) / 2);
}

inline void msq2(std::string& out) {
  MSQueue q;
  int got[2] = {-1, -1};
  P::thread a([&] {
    q.enqueue(1);
    got[0] = q.dequeue();
  });
  P::thread b([&] {
    q.enqueue(2);
    got[1] = q.dequeue();
  });
  a.join();
  b.join();
  LOCKSTEP_ASSERT(got[0] != -1 && got[1] != -1 && got[0] + got[1] == 3);
  out = std::to_string(got[0]) + std::to_string(got[1]);
}

inline void mutex_counter_n(std::string& out, int n) {
  P::mutex m;
  P::var<int> c{0};
  P::var<std::string> order{};
  P::thread ts[4];
  for (int i = 0; i < n; ++i)
    ts[i] = P::thread([&, i] {
      std::lock_guard<P::mutex> g(m);
      c += 1;
      order.ref() += static_cast<char>('a' + i);
    });
  for (int i = 0; i < n; ++i) ts[i].join();
  LOCKSTEP_ASSERT(c.get() == n);
  out = order.get();
}

// seqlock: one writer (two versions), two readers trying once.
inline void seqlock(std::string& out) {
  P::atomic<int> seq{0}, d1{0}, d2{0};
  P::thread w([&] {
    for (int v = 1; v <= 2; ++v) {
      int s = seq.load(std::memory_order_relaxed);
      seq.store(s + 1, std::memory_order_relaxed);
      P::atomic_thread_fence(std::memory_order_release);
      d1.store(v, std::memory_order_relaxed);
      d2.store(v, std::memory_order_relaxed);
      seq.store(s + 2, std::memory_order_release);
    }
  });
  std::string r[2];
  auto reader = [&](int i) {
    int s1 = seq.load(std::memory_order_acquire);
    int r1 = d1.load(std::memory_order_relaxed);
    int r2 = d2.load(std::memory_order_relaxed);
    P::atomic_thread_fence(std::memory_order_acquire);
    int s2 = seq.load(std::memory_order_relaxed);
    if (s1 == s2 && s1 % 2 == 0) {
      LOCKSTEP_ASSERT(r1 == r2) << "torn read";
      r[i] = std::to_string(r1);
    } else {
      r[i] = "-";
    }
  };
  P::thread a(reader, 0), b(reader, 1);
  w.join();
  a.join();
  b.join();
  out = r[0] + r[1];
}

// ticket(N): relaxed ticket, acquire spin on serving.
inline void ticket(std::string& out, int n) {
  P::atomic<int> next{0}, serving{0};
  P::var<int> c{0};
  P::var<std::string> order{};
  P::thread ts[3];
  for (int i = 0; i < n; ++i)
    ts[i] = P::thread([&, i] {
      int my = next.fetch_add(1, std::memory_order_relaxed);
      while (serving.load(std::memory_order_acquire) != my) P::spin_pause();
      c += 1;
      order.ref() += static_cast<char>('a' + i);
      serving.store(my + 1, std::memory_order_release);
    });
  for (int i = 0; i < n; ++i) ts[i].join();
  LOCKSTEP_ASSERT(c.get() == n);
  out = order.get();
}

// Peterson with configurable orders; seq_cst is correct, release/acquire is the
// store-buffering bug (a data race on c).
inline void peterson_orders(ref_mo st, ref_mo ld) {
  P::atomic<int> flag[2], turn{0};
  P::var<int> c{0};
  auto body = [&](int me) {
    int other = 1 - me;
    flag[me].store(1, st);
    turn.store(other, st);
    while (flag[other].load(ld) == 1 && turn.load(ld) == other) P::spin_pause();
    c += 1;
    flag[me].store(0, st);
  };
  P::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(c.get() == 2);
}

// Dekker's mutual exclusion (seq_cst).
inline void dekker() {
  P::atomic<int> want[2], turn{0};
  P::var<int> c{0};
  auto body = [&](int me) {
    int other = 1 - me;
    want[me].store(1);
    while (want[other].load() == 1) {
      if (turn.load() != me) {
        want[me].store(0);
        while (turn.load() != me) P::spin_pause();
        want[me].store(1);
      } else {
        P::spin_pause();
      }
    }
    c += 1;
    turn.store(other);
    want[me].store(0);
  };
  P::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(c.get() == 2);
}

// sb: x = y = 0; T1: x = 1; r1 = y. T2: y = 1; r2 = x (relaxed).
inline void sb(std::string& out) {
  P::atomic<int> x{0}, y{0};
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    x.store(1, std::memory_order_relaxed);
    r1 = y.load(std::memory_order_relaxed);
  });
  P::thread b([&] {
    y.store(1, std::memory_order_relaxed);
    r2 = x.load(std::memory_order_relaxed);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

// faa(N, K): N threads, each K times x.fetch_add(1) (seq_cst).
inline void faa(std::string& out, int n, int k) {
  P::atomic<int> x{0};
  P::thread ts[4];
  int seen[4][2] = {};
  for (int t = 0; t < n; ++t)
    ts[t] = P::thread([&, t] {
      for (int i = 0; i < k; ++i) seen[t][i] = x.fetch_add(1);
    });
  for (int t = 0; t < n; ++t) ts[t].join();
  LOCKSTEP_ASSERT(x.load() == n * k);
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < k; ++i) out += std::to_string(seen[t][i]) + (i + 1 < k ? "," : ";");
}

}  // namespace lockstep_test
