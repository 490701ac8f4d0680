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

// One edge per line, fields separated by tabs (sites, names and tokens hold none).
std::string lock_graph::save() const {
  std::string s;
  for (const auto& [a, out] : edges_)
    for (const auto& [b, info] : out)
      s += a.site + '\t' + std::to_string(a.id) + '\t' + a.name + '\t' + b.site + '\t' +
           std::to_string(b.id) + '\t' + b.name + '\t' + info.held_at + '\t' + info.acquire_at +
           '\t' + std::to_string(info.tid) + '\t' + info.token + '\n';
  return s;
}

bool lock_graph::merge(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = text.find('\n', i);
    if (end == std::string::npos) return false;
    std::vector<std::string> f;
    std::size_t j = i;
    for (;;) {
      const std::size_t tab = text.find('\t', j);
      if (tab == std::string::npos || tab > end) {
        f.push_back(text.substr(j, end - j));
        break;
      }
      f.push_back(text.substr(j, tab - j));
      j = tab + 1;
    }
    if (f.size() != 10) return false;
    lock_key a{f[0], static_cast<std::uint32_t>(std::stoul(f[1])), f[2]};
    lock_key b{f[3], static_cast<std::uint32_t>(std::stoul(f[4])), f[5]};
    auto& m = edges_[a];
    if (!m.count(b)) m.emplace(b, edge_info{f[6], f[7], std::stoi(f[8]), f[9]});
    i = end + 1;
  }
  return true;
}

}  // namespace lockstep::rt
