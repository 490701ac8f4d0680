// A recorded history of LRU cache operations and a linearizability check against the
// sequential LRU model (shared by the model tests and the real-thread stress tests).
//
// Each operation carries the time of its call and of its return (from a counter that the
// caller advances atomically with respect to other threads); an operation that returned
// before another was called must be ordered first. check() searches all orders that respect
// program order and real-time order for one the sequential model accepts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace lru_history {

enum class op_kind { get, put };

struct op {
  op_kind kind;
  int key;
  int value;    // put: the value stored; get: the value returned (if hit)
  bool result;  // get: hit; put: evicted
  std::int64_t call;
  std::int64_t ret;
};

// The sequential LRU model: most recently used at the front.
class model {
 public:
  explicit model(std::size_t capacity) : capacity_(capacity) {}
  // Applies `o`; returns whether the recorded result matches the model's.
  bool apply(const op& o) {
    auto it = std::find_if(order_.begin(), order_.end(), [&](auto& e) { return e.first == o.key; });
    if (o.kind == op_kind::get) {
      if (it == order_.end()) return !o.result;
      if (!o.result || it->second != o.value) return false;
      order_.splice(order_.begin(), order_, it);
      return true;
    }
    bool evicted = false;
    if (it != order_.end()) {
      it->second = o.value;
      order_.splice(order_.begin(), order_, it);
    } else {
      order_.emplace_front(o.key, o.value);
      if (order_.size() > capacity_) {
        order_.pop_back();
        evicted = true;
      }
    }
    return evicted == o.result;
  }

 private:
  std::size_t capacity_;
  std::list<std::pair<int, int>> order_;
};

inline std::string describe(const op& o) {
  std::ostringstream s;
  if (o.kind == op_kind::get) {
    s << "get(" << o.key << ")=" << (o.result ? std::to_string(o.value) : "miss");
  } else {
    s << "put(" << o.key << "," << o.value << ")" << (o.result ? " evicted" : "");
  }
  s << " [" << o.call << "," << o.ret << "]";
  return s.str();
}

namespace detail {
inline bool search(const std::vector<std::vector<op>>& threads, std::vector<std::size_t>& next,
                   const model& m) {
  bool done = true;
  for (std::size_t t = 0; t < threads.size(); ++t) {
    if (next[t] == threads[t].size()) continue;
    done = false;
    const op& cand = threads[t][next[t]];
    // Real-time order: no pending operation of another thread may have returned before
    // `cand` was called.
    bool minimal = true;
    for (std::size_t u = 0; u < threads.size() && minimal; ++u) {
      if (u != t && next[u] < threads[u].size() && threads[u][next[u]].ret < cand.call) {
        minimal = false;
      }
    }
    if (!minimal) continue;
    model m2 = m;
    if (!m2.apply(cand)) continue;
    ++next[t];
    bool ok = search(threads, next, m2);
    --next[t];
    if (ok) return true;
  }
  return done;
}
}  // namespace detail

// Whether the per-thread histories (each in program order) are linearizable, starting from
// `initial`.
inline bool linearizable(const std::vector<std::vector<op>>& threads, const model& initial) {
  std::vector<std::size_t> next(threads.size(), 0);
  return detail::search(threads, next, initial);
}

inline std::string describe(const std::vector<std::vector<op>>& threads) {
  std::ostringstream s;
  for (std::size_t t = 0; t < threads.size(); ++t) {
    s << "thread " << t << ":";
    for (const op& o : threads[t]) s << " " << describe(o);
    s << "\n";
  }
  return s.str();
}

}  // namespace lru_history
