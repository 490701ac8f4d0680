// Internal: the lock-order graph (lockdep-style potential-deadlock detection).
//
// Across all executions of a test, every blocking acquisition of mutex B by a thread that
// holds mutex A adds the edge A -> B. A cycle means two code paths take the same locks in
// opposite orders: a deadlock is possible under some schedule, even if no explored schedule
// deadlocked (random mode, a preemption bound, or orders taken in different executions).
// Mutexes are identified by creation site + creation index, which is stable across
// executions of the same test.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "lockstep/test.hpp"

namespace lockstep::rt {

struct lock_key {
  std::string site;  // "file:line" of the mutex's construction
  std::uint32_t id;
  std::string name;  // "mutex#3"
  bool operator<(const lock_key& o) const { return std::tie(site, id) < std::tie(o.site, o.id); }
  bool operator==(const lock_key& o) const { return site == o.site && id == o.id; }
};

class lock_graph {
 public:
  struct edge_info {
    std::string held_at;     // where the first lock was taken
    std::string acquire_at;  // where the second lock was taken while holding the first
    int tid = -1;
    std::string token;  // an execution showing this order
  };

  // Returns true when the edge is new.
  bool add(const lock_key& from, const lock_key& to, const edge_info& info) {
    auto& m = edges_[from];
    if (m.count(to)) return false;
    m.emplace(to, info);
    fresh_.push_back({from, to});
    return true;
  }
  bool has_fresh() const noexcept { return !fresh_.empty(); }
  // Edges added by the execution that just ended get its token.
  void stamp(const std::string& token) {
    for (auto& [a, b] : fresh_) edges_[a][b].token = token;
    fresh_.clear();
  }
  // A cycle as a readable report, or empty.
  std::string find_cycle() const;
  // The edges as text, and their union with another graph's (the workers of --jobs): an edge
  // both have keeps the info of this one.
  std::string save() const;
  bool merge(const std::string& text);

 private:
  std::map<lock_key, std::map<lock_key, edge_info>> edges_;
  std::vector<std::pair<lock_key, lock_key>> fresh_;
};

}  // namespace lockstep::rt
