// The graph engine's thread-set values (checker/rt/src/graph/set_values.hpp): small states
// keep their packed 64-bit form; larger ones are interned by content — equal states get
// equal values, the sets come back whole, and a frontier's "sets" text restores them.
#include <lockstep/test.hpp>

#include <sstream>
#include <string>

#include "graph/set_values.hpp"

using lockstep::rt::thread_set;
namespace g = lockstep::rt::graph;

namespace {
volatile int g_base = 30;  // run-time ids (see thread_state_test.cpp)
}  // namespace

LOCKSTEP_UNIT_TEST(graph_set_values_pack_small_and_intern_large_states) {
  const int b = g_base;
  thread_set waiting, notified;
  waiting.insert(1);
  waiting.insert(b);
  notified.insert(b);
  const std::uint64_t packed = g::waiters_value(waiting, notified);
  LOCKSTEP_ASSERT(packed == ((std::uint64_t{1} << (32 + 30)) | (1u << 30) | 2u)) << packed;

  waiting.insert(b + 10);  // id 40: past the packed range
  notified.insert(b + 40);
  const std::uint64_t v = g::waiters_value(waiting, notified);
  LOCKSTEP_ASSERT(v >> 63 == 1) << v;
  thread_set w2, n2;
  w2.insert(b + 10);
  w2.insert(b);
  w2.insert(1);
  n2.insert(b + 40);
  n2.insert(b);
  LOCKSTEP_ASSERT(g::waiters_value(w2, n2) == v) << "the same state built in another order";
  thread_set back_w, back_n;
  g::waiters_of(v, back_w, back_n);
  LOCKSTEP_ASSERT(back_w == waiting && back_n == notified);
  LOCKSTEP_ASSERT(g::is_notified(v, b + 40) && g::is_notified(v, b) && !g::is_notified(v, 1));

  thread_set readers;
  readers.insert(b + 2);
  const std::uint64_t rw = g::rw_value(b + 300, readers);  // writer 330: past 8 bits
  LOCKSTEP_ASSERT(rw >> 63 == 1 && g::rw_writer(rw) == b + 300 && g::rw_has_reader(rw, b + 2) &&
                  !g::rw_has_reader(rw, b));
  LOCKSTEP_ASSERT(g::rw_writer(g::rw_value(-1, thread_set{})) == -1 &&
                  g::rw_value(-1, thread_set{}) == 0)
      << "a free shared mutex is 0";

  // The table as a frontier carries it, read back (an entry that is already there must agree).
  const std::string text = g::save_set_values();
  LOCKSTEP_ASSERT(text.rfind("sets ", 0) == 0) << text;
  std::istringstream is(text.substr(5));
  LOCKSTEP_ASSERT(g::load_set_values(is)) << text;
  std::istringstream bad("1\n" + std::to_string(v) + " 0 1 5 0\n");  // v with another content
  LOCKSTEP_ASSERT(!g::load_set_values(bad)) << "a key naming another state is refused";
}
