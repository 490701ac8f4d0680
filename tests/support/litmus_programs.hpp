// The litmus tests of the C++11 memory model as bodies that report their outcome (the values
// the loads read): used by tests/memory_model (allowed/forbidden outcome sets) and tests/graph
// (the graph engine against the search without reduction).
#pragma once

#include <lockstep/check.hpp>

#include <string>

namespace lockstep_test::litmus {

using P = lockstep::model_platform;
using mo = std::memory_order;
inline constexpr mo rlx = std::memory_order_relaxed, acq = std::memory_order_acquire,
                    rel = std::memory_order_release, sc = std::memory_order_seq_cst;

inline void sb(std::string& out, mo st, mo ld, bool fences) {
  P::atomic<int> x{0}, y{0};
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    x.store(1, st);
    if (fences) P::atomic_thread_fence(sc);
    r1 = y.load(ld);
  });
  P::thread b([&] {
    y.store(1, st);
    if (fences) P::atomic_thread_fence(sc);
    r2 = x.load(ld);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

inline void mp(std::string& out, mo st, mo ld, bool fences) {
  P::atomic<int> data{0}, flag{0};
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    data.store(1, rlx);
    if (fences) P::atomic_thread_fence(rel);
    flag.store(1, st);
  });
  P::thread b([&] {
    r1 = flag.load(ld);
    if (fences) P::atomic_thread_fence(acq);
    r2 = data.load(rlx);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

inline void lb(std::string& out) {
  P::atomic<int> x{0}, y{0};
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    r1 = x.load(rlx);
    y.store(1, rlx);
  });
  P::thread b([&] {
    r2 = y.load(rlx);
    x.store(1, rlx);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

inline void iriw(std::string& out, mo st, mo ld) {
  P::atomic<int> x{0}, y{0};
  int r[4] = {-1, -1, -1, -1};
  P::thread w1([&] { x.store(1, st); });
  P::thread w2([&] { y.store(1, st); });
  P::thread r12([&] {
    r[0] = x.load(ld);
    r[1] = y.load(ld);
  });
  P::thread r34([&] {
    r[2] = y.load(ld);
    r[3] = x.load(ld);
  });
  w1.join();
  w2.join();
  r12.join();
  r34.join();
  for (int v : r) out += std::to_string(v);
}

inline void corr(std::string& out) {
  P::atomic<int> x{0};
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    x.store(1, rlx);
    x.store(2, rlx);
  });
  P::thread b([&] {
    r1 = x.load(rlx);
    r2 = x.load(rlx);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

inline void two_plus_two_w(std::string& out, mo m) {
  P::atomic<int> x{0}, y{0};
  P::thread a([&] {
    x.store(1, m);
    y.store(2, m);
  });
  P::thread b([&] {
    y.store(1, m);
    x.store(2, m);
  });
  a.join();
  b.join();
  out = std::to_string(x.load(sc)) + std::to_string(y.load(sc));
}

inline void wrc(std::string& out, mo st, mo ld) {
  P::atomic<int> x{0}, y{0};
  int r1 = -1, r2 = -1, r3 = -1;
  P::thread a([&] { x.store(1, st); });
  P::thread b([&] {
    r1 = x.load(ld);
    y.store(1, st);
  });
  P::thread c([&] {
    r2 = y.load(ld);
    r3 = x.load(ld);
  });
  a.join();
  b.join();
  c.join();
  out = std::to_string(r1) + std::to_string(r2) + std::to_string(r3);
}

}  // namespace lockstep_test::litmus
