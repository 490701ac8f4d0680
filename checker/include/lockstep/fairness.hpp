// lockstep/fairness.hpp — stating fairness properties of locks in model tests.
//
// A lock is fair in the bounded-bypass sense if no waiting thread is overtaken more than k
// times: once a thread has passed the lock's doorway (taken its ticket, enqueued itself,
// announced itself), at most k threads that arrived after it acquire the lock before it
// does. k = 0 is FIFO (first come, first served).
//
// BypassMonitor records the two events and reports
// lockstep::report_failure(failure_kind::fairness, ...) the moment a thread is overtaken
// more than k times:
//   * arrive(id) — right after the doorway, i.e. after the visible operation that fixes the
//     thread's place (a ticket fetch_add, the enqueue under the lock's internal mutex).
//     Under the model checker there is no scheduling point between that operation and the
//     next plain C++ statement, so arrive() is atomic with the doorway.
//   * enter(id)  — right after lock() has acquired (inside the critical section).
//   * leave(id)  — optional; only counts completions.
// Every thread that arrived earlier than `id` and is still waiting when `id` enters counts
// as overtaken once. A thread that calls enter() without arrive() (e.g. a try_lock success)
// arrives at that moment.
//
// Eventual acquisition (starvation freedom): the checker only explores fair schedules (a
// thread that spins or yields lets every other enabled thread run first), and every
// execution has a step bound (model_test_options::max_steps). A thread that starves
// therefore shows up as failure_kind::livelock (it spins past the step bound) or
// failure_kind::deadlock (it blocks and nobody wakes it). Call expect_all_served(n) after
// joining: it checks that each of the n arrivals entered exactly once (nobody was lost,
// nobody entered twice), reporting failure_kind::fairness otherwise.
//
// Usage (inside a LOCKSTEP_TEST; ids are small ints chosen by the test, 0..kMaxIds-1)
//   lockstep::BypassMonitor<P> fifo(/*max_bypass=*/0);
//   auto body = [&](int id) {
//     lock.lock([&] { fifo.arrive(id); });      // doorway hook, or arrive() after a ticket
//     fifo.enter(id);
//     ...
//     lock.unlock();
//   };
//   ... spawn, join ...
//   fifo.expect_all_served(3);
//
// The monitor's bookkeeping is plain memory, not P::var: it is an observer and must not add
// scheduling points or races of its own. With P = model_platform all simulated threads run
// on one OS thread, so that is safe; with a real-thread platform it takes an internal
// std::mutex (and is then only approximate: arrive() is not atomic with the doorway).
// Under the graph engine, which runs one schedule per execution graph, each arrive() and
// enter() is also an event of the graph inside the caller's current step (rt::observe), so
// that every order of arrivals and entries is explored, as the interleaving engines do.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>

#include "lockstep/rt/runtime.hpp"

namespace lockstep {

template <class P>
class BypassMonitor {
 public:
  static constexpr int kMaxIds = 64;

  // max_bypass: how many later arrivals may overtake a waiting thread (0 = FIFO).
  explicit BypassMonitor(int max_bypass) : max_bypass_(max_bypass) {
    if constexpr (P::is_model) key_ = rt::observer_key();
  }
  BypassMonitor(const BypassMonitor&) = delete;
  BypassMonitor& operator=(const BypassMonitor&) = delete;

  void arrive(int id, source_loc loc = source_loc::current()) {
    if constexpr (P::is_model) rt::observe(key_, loc);
    guard g(*this);
    check_id(id, loc);
    if (slot_[id].waiting) {
      report_failure(
          failure_kind::misuse,
          "BypassMonitor: thread " + std::to_string(id) + " arrived twice without entering", loc);
    }
    slot_[id].waiting = true;
    slot_[id].arrival = next_arrival_++;
    slot_[id].overtaken = 0;
    ++arrivals_;
  }

  void enter(int id, source_loc loc = source_loc::current()) {
    if constexpr (P::is_model) rt::observe(key_, loc);
    {
      guard g(*this);
      check_id(id, loc);
      if (!slot_[id].waiting) {  // e.g. try_lock: it arrives and enters in one step
        slot_[id].waiting = true;
        slot_[id].arrival = next_arrival_++;
        slot_[id].overtaken = 0;
        ++arrivals_;
      }
      const std::uint64_t mine = slot_[id].arrival;
      for (int w = 0; w < kMaxIds; ++w) {
        if (w == id || !slot_[w].waiting || slot_[w].arrival > mine) continue;
        if (++slot_[w].overtaken > max_bypass_) {
          violation_ = "thread " + std::to_string(w) + " (arrival #" +
                       std::to_string(slot_[w].arrival) + ") overtaken " +
                       std::to_string(slot_[w].overtaken) + " time(s) (allowed " +
                       std::to_string(max_bypass_) + "), last by thread " + std::to_string(id) +
                       " (arrival #" + std::to_string(mine) + ")";
        }
      }
      slot_[id].waiting = false;
      ++slot_[id].entries;
      ++entries_;
    }
    if (!violation_.empty()) report_failure(failure_kind::fairness, violation_, loc);
  }

  void leave(int id, source_loc loc = source_loc::current()) {
    guard g(*this);
    check_id(id, loc);
    ++leaves_;
  }

  // After all threads are joined: exactly `n` arrivals, each of which entered once.
  void expect_all_served(std::uint64_t n, source_loc loc = source_loc::current()) {
    guard g(*this);
    for (int w = 0; w < kMaxIds; ++w) {
      if (slot_[w].waiting) {
        report_failure(failure_kind::fairness,
                       "thread " + std::to_string(w) + " arrived but never acquired", loc);
      }
    }
    if (arrivals_ != n || entries_ != n) {
      report_failure(failure_kind::fairness,
                     "expected " + std::to_string(n) + " acquisitions, saw " +
                         std::to_string(arrivals_) + " arrivals and " + std::to_string(entries_) +
                         " entries",
                     loc);
    }
  }

  std::uint64_t entries() const { return entries_; }
  std::uint64_t entries_of(int id) const { return slot_[id].entries; }
  // Largest number of times any thread has been overtaken so far.
  int max_observed_bypass() const {
    int m = 0;
    for (const auto& s : slot_) m = s.overtaken > m ? s.overtaken : m;
    return m;
  }

 private:
  struct slot {
    bool waiting = false;
    std::uint64_t arrival = 0;
    int overtaken = 0;
    std::uint64_t entries = 0;
  };
  // A no-op under the model (one OS thread runs every fiber, and the bookkeeping has no
  // scheduling points); a real lock on real threads.
  struct guard {
    explicit guard(BypassMonitor& m) : m_(m) {
      if constexpr (!P::is_model) m_.mu_.lock();
    }
    ~guard() {
      if constexpr (!P::is_model) m_.mu_.unlock();
    }
    BypassMonitor& m_;
  };

  static void check_id(int id, source_loc loc) {
    if (id < 0 || id >= kMaxIds) {
      report_failure(failure_kind::misuse,
                     "BypassMonitor: id " + std::to_string(id) + " out of range", loc);
    }
  }

  const int max_bypass_;
  std::uint32_t key_ = 0;  // the graph engine's location of the observations (model only)
  std::array<slot, kMaxIds> slot_{};
  std::uint64_t next_arrival_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t entries_ = 0;
  std::uint64_t leaves_ = 0;
  std::string violation_;
  std::mutex mu_;
};

}  // namespace lockstep
