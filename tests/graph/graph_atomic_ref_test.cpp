// P::atomic_ref under the graph engine, cross-checked against the search without reduction:
// litmus tests whose locations are plain ints reached only through atomic_refs, each thread
// making its own (so which thread makes the first atomic_ref to an object, and creates its
// shadow, differs from one execution to the next), and plain reads of the objects after the
// joins (the write-back of the value latest in modification order).
#include "../support/cross_check.hpp"
#include "../support/litmus_programs.hpp"

using namespace lockstep_test;
using namespace lockstep_test::litmus;
using mm = lockstep::memory_model;

namespace {

template <class T>
using ref = P::atomic_ref<T>;

void sb_ref(std::string& out, mo m) {
  int x = 0, y = 0;
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    ref<int>(x).store(1, m);
    r1 = ref<int>(y).load(m);
  });
  P::thread b([&] {
    ref<int>(y).store(1, m);
    r2 = ref<int>(x).load(m);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

void mp_ref(std::string& out, mo st, mo ld) {
  int data = 0, flag = 0;
  int r1 = -1, r2 = -1;
  P::thread a([&] {
    ref<int>(data).store(1, rlx);
    ref<int>(flag).store(1, st);
  });
  P::thread b([&] {
    r1 = ref<int>(flag).load(ld);
    r2 = ref<int>(data).load(rlx);
  });
  a.join();
  b.join();
  out = std::to_string(r1) + std::to_string(r2);
}

// 2+2W: the plain values after the joins are the co-latest stores, also where the replay
// order of a C++11 graph differs from co.
void two_plus_two_w_ref(std::string& out, mo m) {
  int x = 0, y = 0;
  P::thread a([&] {
    ref<int>(x).store(1, m);
    ref<int>(y).store(2, m);
  });
  P::thread b([&] {
    ref<int>(y).store(1, m);
    ref<int>(x).store(2, m);
  });
  a.join();
  b.join();
  out = std::to_string(x) + std::to_string(y);
}

// RMWs of one object through atomic_refs of three threads (and an unsigned view of another
// object next to it, which must stay a location of its own).
void counter_ref(std::string& out) {
  long n = 0;
  unsigned other = 0;
  long seen[3] = {-1, -1, -1};
  auto inc = [&](int i) { seen[i] = ref<long>(n).fetch_add(1, rlx); };
  P::thread a(inc, 0), b(inc, 1);
  ref<unsigned>(other).store(7, rlx);
  inc(2);
  a.join();
  b.join();
  for (long v : seen) out += std::to_string(v);
  out += "|" + std::to_string(n) + std::to_string(other);
}

}  // namespace

LOCKSTEP_UNIT_TEST(graph_atomic_ref_litmus_matches_full_search) {
  for (mm m : {mm::sequential, mm::c11}) {
    auto s = cross_check(
        "sb atomic_ref rlx", [](std::string& o) { sb_ref(o, rlx); }, m, oracle::full_search);
    LOCKSTEP_ASSERT(s.outcomes.count("00") == (m == mm::c11 ? 1u : 0u));
    auto sc_ = cross_check(
        "sb atomic_ref sc", [](std::string& o) { sb_ref(o, sc); }, m, oracle::full_search);
    LOCKSTEP_ASSERT(!sc_.outcomes.count("00") && sc_.outcomes.size() == 3);
    auto r = cross_check(
        "mp atomic_ref rlx", [](std::string& o) { mp_ref(o, rlx, rlx); }, m, oracle::full_search);
    LOCKSTEP_ASSERT(r.outcomes.count("10") == (m == mm::c11 ? 1u : 0u));
    auto ra = cross_check(
        "mp atomic_ref rel/acq", [](std::string& o) { mp_ref(o, rel, acq); }, m,
        oracle::full_search);
    LOCKSTEP_ASSERT(!ra.outcomes.count("10"));
    auto w = cross_check(
        "2+2w atomic_ref rlx", [](std::string& o) { two_plus_two_w_ref(o, rlx); }, m,
        oracle::full_search);
    LOCKSTEP_ASSERT(w.outcomes.count("11") == (m == mm::c11 ? 1u : 0u));
    auto c = cross_check("counter atomic_ref", counter_ref, m, oracle::full_search);
    LOCKSTEP_ASSERT(c.outcomes.size() == 6) << join(c.outcomes);  // the 3! orders of the RMWs
    for (const auto& o : c.outcomes) LOCKSTEP_ASSERT(o.ends_with("|37")) << o;
  }
}
