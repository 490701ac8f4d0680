#include "lock_graph.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace lockstep::rt {

std::string lock_graph::find_cycle() const {
  // Iterative-deepening is unnecessary: graphs have a handful of nodes. Plain DFS with colours.
  std::map<lock_key, int> colour;  // 0 white, 1 on stack, 2 done
  std::vector<lock_key> stack;
  std::vector<lock_key> cycle;
  std::function<bool(const lock_key&)> dfs = [&](const lock_key& u) -> bool {
    colour[u] = 1;
    stack.push_back(u);
    auto it = edges_.find(u);
    if (it != edges_.end()) {
      for (const auto& [v, info] : it->second) {
        if (colour[v] == 1) {
          auto pos = std::find(stack.begin(), stack.end(), v);
          cycle.assign(pos, stack.end());
          return true;
        }
        if (colour[v] == 0 && dfs(v)) return true;
      }
    }
    stack.pop_back();
    colour[u] = 2;
    return false;
  };
  for (const auto& [u, out] : edges_)
    if (colour[u] == 0 && dfs(u)) break;
  if (cycle.empty()) return {};
  std::string r =
      "potential deadlock: the lock-order graph has a cycle (locks taken in opposite "
      "orders by different code paths)";
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const lock_key& a = cycle[i];
    const lock_key& b = cycle[(i + 1) % cycle.size()];
    const edge_info& e = edges_.at(a).at(b);
    r += "\n  thread " + std::to_string(e.tid) + " holds " + a.name + " (created at " + a.site +
         ", locked at " + e.held_at + ") and acquires " + b.name + " (created at " + b.site +
         ") at " + e.acquire_at;
    if (!e.token.empty()) r += "\n    seen in: --replay=" + e.token;
  }
  return r;
}

}  // namespace lockstep::rt
