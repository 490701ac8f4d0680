// Litmus tests of the C++11 memory model as implemented by the checker (memory_model::c11):
// each test explores every execution and compares the set of outcomes with what the model
// allows. Every litmus runs with and without DPOR; both must find the same outcomes.
//
// Outcomes the C++ standard allows but the checker does not produce, by design (RC11):
//   LB  (load buffering, r1 = r2 = 1): loads never read stores not yet executed.
#include <lockstep/check.hpp>

#include <cstdio>
#include <set>
#include <string>

#include "../support/litmus_programs.hpp"

using P = lockstep::model_platform;
using mo = std::memory_order;
constexpr mo rlx = std::memory_order_relaxed, acq = std::memory_order_acquire,
             rel = std::memory_order_release, sc = std::memory_order_seq_cst;

namespace {

// full_search = false: only DPOR (the full search of 4-thread litmus tests is too large).
template <class Body>
std::set<std::string> outcomes(const char* name, Body body, bool full_search = true) {
  std::set<std::string> result[2];
  for (int dpor = full_search ? 0 : 1; dpor < 2; ++dpor) {
    lockstep::model_test_options o;
    o.memory = lockstep::memory_model::c11;
    o.dpor = dpor == 1;
    auto x = lockstep::explore(
        name,
        [&] {
          std::string out;
          body(out);
          result[dpor].insert(out);
        },
        o, true);
    LOCKSTEP_ASSERT(x.passed) << name << ": " << x.verdict << "\n" << x.report;
  }
  std::string all;
  for (auto& s : result[1]) all += s + " ";
  std::printf("%-28s outcomes {%s}\n", name, all.c_str());
  if (full_search)
    LOCKSTEP_ASSERT(result[0] == result[1]) << name << ": DPOR and the full search disagree";
  return result[1];
}

// Store buffering: x = 1; r1 = y  ||  y = 1; r2 = x.
std::set<std::string> sb(mo st, mo ld, bool fences) {
  return outcomes("SB", [&](std::string& out) { lockstep_test::litmus::sb(out, st, ld, fences); });
}

// Message passing: data = 1; flag = 1  ||  r1 = flag; r2 = data.
std::set<std::string> mp(mo st, mo ld, bool fences) {
  return outcomes("MP", [&](std::string& out) { lockstep_test::litmus::mp(out, st, ld, fences); });
}

}  // namespace

LOCKSTEP_UNIT_TEST(litmus_sb_relaxed_allows_00) {
  LOCKSTEP_ASSERT(sb(rlx, rlx, false).count("00"));
}
LOCKSTEP_UNIT_TEST(litmus_sb_release_acquire_allows_00) {
  LOCKSTEP_ASSERT(sb(rel, acq, false).count("00"));
}
LOCKSTEP_UNIT_TEST(litmus_sb_seq_cst_forbids_00) {
  auto o = sb(sc, sc, false);
  LOCKSTEP_ASSERT(!o.count("00"));
  LOCKSTEP_ASSERT(o.count("01") && o.count("10") && o.count("11"));
}
LOCKSTEP_UNIT_TEST(litmus_sb_seq_cst_fences_forbid_00) {
  auto o = sb(rlx, rlx, true);
  LOCKSTEP_ASSERT(!o.count("00"));
  LOCKSTEP_ASSERT(o.count("01") && o.count("10") && o.count("11"));
}

LOCKSTEP_UNIT_TEST(litmus_mp_relaxed_allows_10) {
  LOCKSTEP_ASSERT(mp(rlx, rlx, false).count("10"));
}
LOCKSTEP_UNIT_TEST(litmus_mp_release_acquire_forbids_10) {
  auto o = mp(rel, acq, false);
  LOCKSTEP_ASSERT(!o.count("10"));
  LOCKSTEP_ASSERT(o.count("00") && o.count("01") && o.count("11"));
}
LOCKSTEP_UNIT_TEST(litmus_mp_fences_forbid_10) {
  auto o = mp(rlx, rlx, true);
  LOCKSTEP_ASSERT(!o.count("10"));
  LOCKSTEP_ASSERT(o.count("11"));
}

// Load buffering: r1 = x; y = 1  ||  r2 = y; x = 1. RC11 forbids 11 (C11 would allow it).
LOCKSTEP_UNIT_TEST(litmus_lb_relaxed_rc11_forbids_11) {
  auto o = outcomes("LB", [](std::string& out) { lockstep_test::litmus::lb(out); });
  LOCKSTEP_ASSERT(!o.count("11"));
  LOCKSTEP_ASSERT(o.count("00") && o.count("01") && o.count("10"));
}

// IRIW: x = 1 || y = 1 || r1 = x; r2 = y || r3 = y; r4 = x. The readers disagreeing on the
// order of the writes (1010) is allowed unless everything is seq_cst.
namespace {
std::set<std::string> iriw(mo st, mo ld) {
  return outcomes(
      "IRIW", [&](std::string& out) { lockstep_test::litmus::iriw(out, st, ld); },
      /*full_search=*/false);
}
}  // namespace
LOCKSTEP_UNIT_TEST(litmus_iriw_acquire_allows_disagreement) {
  LOCKSTEP_ASSERT(iriw(rel, acq).count("1010"));
}
LOCKSTEP_UNIT_TEST(litmus_iriw_seq_cst_forbids_disagreement) {
  auto o = iriw(sc, sc);
  LOCKSTEP_ASSERT(!o.count("1010"));
  LOCKSTEP_ASSERT(o.count("1111") && o.count("0000"));
}

// Read-read coherence: x = 1; x = 2 || r1 = x; r2 = x: never 21 (or 10, 20).
LOCKSTEP_UNIT_TEST(litmus_corr_relaxed_is_coherent) {
  auto o = outcomes("CoRR", [](std::string& out) { lockstep_test::litmus::corr(out); });
  for (const char* bad : {"21", "10", "20"}) LOCKSTEP_ASSERT(!o.count(bad)) << bad;
  LOCKSTEP_ASSERT(o.count("00") && o.count("12") && o.count("22") && o.count("02"));
}

// 2+2W: x = 1; y = 2 || y = 1; x = 2. Final x == 1 && y == 1 (both modification orders
// against program order) is allowed for relaxed and release stores, forbidden for seq_cst.
LOCKSTEP_UNIT_TEST(litmus_2plus2w_final_values) {
  for (mo m : {rlx, rel, sc}) {
    auto o =
        outcomes("2+2W", [&](std::string& out) { lockstep_test::litmus::two_plus_two_w(out, m); });
    LOCKSTEP_ASSERT(o.count("11") == (m == sc ? 0u : 1u)) << "memory order " << int(m);
    LOCKSTEP_ASSERT(o.count("12") && o.count("21") && o.count("22"));
  }
}

// WRC: x = 1 || r1 = x; y = 1 || r2 = y; r3 = x. With release/acquire on both hops the
// outcome 110 is forbidden (causality); with relaxed hops it is allowed.
namespace {
std::set<std::string> wrc(mo st, mo ld) {
  return outcomes("WRC", [&](std::string& out) { lockstep_test::litmus::wrc(out, st, ld); });
}
}  // namespace
LOCKSTEP_UNIT_TEST(litmus_wrc_release_acquire_forbids_110) {
  LOCKSTEP_ASSERT(!wrc(rel, acq).count("110"));
}
LOCKSTEP_UNIT_TEST(litmus_wrc_relaxed_allows_110) { LOCKSTEP_ASSERT(wrc(rlx, rlx).count("110")); }

// RMW atomicity: x = 1 || r = x.exchange(2). The exchange reads the store right before its
// own in modification order, so r = 0 means x = 1 came after it: final x is 1, never 2
// (a store placed between the exchange and the store it read).
LOCKSTEP_UNIT_TEST(litmus_rmw_atomicity_forbids_store_between_rmw_and_its_read) {
  for (mo m : {rlx, sc}) {
    auto o = outcomes("RMW-atomicity", [&](std::string& out) {
      P::atomic<int> x{0};
      int r = -1;
      P::thread t([&] { x.store(1, m); });
      r = x.exchange(2, m);
      t.join();
      out = std::to_string(r) + std::to_string(x.load(rlx));
    });
    LOCKSTEP_ASSERT(!o.count("02")) << "memory order " << int(m);
    LOCKSTEP_ASSERT(o.count("01") && o.count("12"));
  }
}
