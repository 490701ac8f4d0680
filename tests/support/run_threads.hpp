// Real-thread stress helper: runs f(thread_index) on n std::threads and joins them all.
#pragma once

#include <cstddef>
#include <thread>
#include <vector>

namespace lockstep_test {

template <class F>
void run_threads(int n, F f) {
  std::vector<std::thread> ts;
  ts.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ts.emplace_back(f, i);
  for (auto& t : ts) t.join();
}

}  // namespace lockstep_test
