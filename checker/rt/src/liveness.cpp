#include "liveness.hpp"

#include "strategies.hpp"

namespace lockstep::rt {

bool cycle_has_way_out(const std::function<failure_kind(std::uint64_t seed)>& run_tail,
                       std::uint64_t seed) {
  random_chooser seeds(seed);
  for (int i = 0; i < kEscapeTries; ++i)
    if (run_tail(seeds.next()) == failure_kind::none) return true;
  return false;
}

}  // namespace lockstep::rt
