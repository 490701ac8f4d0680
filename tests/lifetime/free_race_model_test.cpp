// A free races with earlier reads: destroying a var (here: deleting the heap object that holds
// it) is a write to its storage for the race detector, as ThreadSanitizer treats free(), so a
// read by another thread that does not happen-before the destruction is a data_race verdict
// naming the read and the destruction — also when the read comes first in the interleaving
// (before, only a use after the destruction was caught, as misuse). The correct twin orders
// the read before the free with a release/acquire handshake. Every body under both engines,
// SC and C11.
#include <lockstep/check.hpp>

#include <atomic>
#include <string>

#include "both_engines.hpp"

#include "../support/line_info.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

struct cell {
  P::var<int> x{1};
};

int read_line = 0, free_line = 0;

// The reader reads the cell's var and then says so; the owner waits for that and frees the
// cell. With `mo` relaxed the signal orders nothing: the read precedes the free in every
// interleaving, but does not happen-before it.
// clang-format off
void read_then_free(std::memory_order store_mo, std::memory_order load_mo) {
  cell* c = P::new_object<cell>();
  P::atomic<int> done{0};
  P::thread reader([&] {
    read_line = __LINE__; LOCKSTEP_ASSERT(c->x.get() == 1);
    done.store(1, store_mo);
    done.notify_one();
  });
  while (done.load(load_mo) == 0) done.wait(0, load_mo);
  free_line = __LINE__; P::delete_object(c);
  reader.join();
}
// clang-format on

void unordered() { read_then_free(std::memory_order_relaxed, std::memory_order_relaxed); }
void handshake() { read_then_free(std::memory_order_release, std::memory_order_acquire); }

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(free_after_unordered_read_is_caught,
                           {.expect = failure_kind::data_race}) {
  unordered();
}
LOCKSTEP_TEST_BOTH_ENGINES(free_after_unordered_read_is_caught_c11,
                           {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  unordered();
}
LOCKSTEP_TEST_BOTH_ENGINES(free_after_release_acquire_handshake_passes) { handshake(); }
LOCKSTEP_TEST_BOTH_ENGINES(free_after_release_acquire_handshake_passes_c11,
                           {.memory = memory_model::c11}) {
  handshake();
}

namespace {
bool has(const std::string& report, const std::string& what) {
  return report.find(what) != std::string::npos;
}
std::string at(int line) {
  return "tests/lifetime/free_race_model_test.cpp:" + std::to_string(line);
}
}  // namespace

// The verdict names both accesses: the read (thread 1, its line) and the destruction (thread
// 0, the delete's line), and the heap block the var lives in.
LOCKSTEP_UNIT_TEST(free_race_names_the_read_and_the_free) {
  lockstep_test::need_line_info();
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    lockstep::model_test_options o;
    o.engine = eng;
    const auto x = lockstep::explore("free_after_unordered_read", unordered, o);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: data race") << x.verdict;
    LOCKSTEP_ASSERT(has(x.report, "a read by thread 1 at " + at(read_line))) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "its destruction by thread 0 at " + at(free_line))) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "in a block of")) << x.report;
    LOCKSTEP_ASSERT(!x.token.empty()) << "no replay token";
  }
}
