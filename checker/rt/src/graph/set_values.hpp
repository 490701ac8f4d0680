// Internal: thread sets as the values of graph locations — a condition variable's or an
// atomic wait's (waiting, notified) threads, a shared mutex's (writer, readers).
//
// The graph engine keeps one 64-bit value per write. A state whose thread ids are small is
// packed into it (the common case: no table, the same values as always); any other state is
// interned in a process-wide table by content, and its value is a key into that table with
// the top bit set. Equal states have equal values, so the engine's comparisons of values
// stay comparisons of states; any number of threads can wait (limited only by memory).
// Keys are hashes of the content (not positions in the table), so they are the same in
// every process: a resumable frontier (frontier.cpp) carries the entries it refers to, and a
// --jobs worker's are its parent's.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "lockstep/rt/thread_set.hpp"

namespace lockstep::rt::graph {

struct set_state {
  std::uint64_t word = 0;  // a shared mutex's writer + 1 (0: none); unused by waiter sets
  thread_set a;            // waiting threads / readers
  thread_set b;            // notified threads (always within a)
  friend bool operator==(const set_state& x, const set_state& y) noexcept {
    return x.word == y.word && x.a == y.a && x.b == y.b;
  }
};

// Waiter sets: packed while every thread is below 31 (waiting in bits 0..30, notified in
// bits 32..62), as before.
std::uint64_t waiters_value(const thread_set& waiting, const thread_set& notified);
void waiters_of(std::uint64_t v, thread_set& waiting, thread_set& notified);
bool is_notified(std::uint64_t v, int tid) noexcept;  // (guards: no copy, no allocation)
// Shared mutexes: packed while the writer is below 255 and every reader below 31 (writer + 1
// in bits 0..7, readers in bits 32..62).
std::uint64_t rw_value(int writer, const thread_set& readers);
void rw_of(std::uint64_t v, int& writer, thread_set& readers);
int rw_writer(std::uint64_t v) noexcept;  // -1: none
bool rw_has_reader(std::uint64_t v, int tid) noexcept;

// The table's entries as text ("" when it is empty), and back (after the word "sets").
std::string save_set_values();
bool load_set_values(std::istream& is);

}  // namespace lockstep::rt::graph
