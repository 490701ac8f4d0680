// lockstep/dist/fenced_resource.hpp — a storage cell guarded by fencing tokens, and its
// unguarded twin.
//
// Guarantees
//   * fenced_resource::write(fence, v) is accepted only if fence >= the highest fence it has
//     accepted so far (equal: the same lease writing again). A lease holder that was paused
//     past its ttl carries a fence lower than the next owner's, so its late write is
//     rejected instead of overwriting the newer owner's data.
//   * This needs fences that never go backwards: redis_lock and redlock with an
//     epoch_source (epoch.hpp) give them also across Redis restarts that lose data, so after
//     a restart the new owner is accepted and the stale holder rejected. Without an epoch
//     source a restarted server hands out small fences again, which this resource rejects.
//   * unfenced_resource accepts every write: it shows what goes wrong without fencing.
//   * Both are thread-safe and keep the full history of accepted writes for checking.
//
// Usage
//   fenced_resource r;
//   if (auto l = lock.acquire(1s)) { bool ok = r.write(l->fence, "v"); ... }
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace lockstep::dist {

struct resource_write {
  std::uint64_t fence;
  std::string value;
};

class fenced_resource {
 public:
  // Returns false (and changes nothing) if fence is lower than the highest accepted fence.
  bool write(std::uint64_t fence, std::string value);
  std::string value() const;
  std::uint64_t highest_fence() const;
  std::vector<resource_write> history() const;
  std::uint64_t rejected() const;

 private:
  mutable std::mutex mu_;
  std::uint64_t highest_ = 0;
  std::uint64_t rejected_ = 0;
  std::vector<resource_write> history_;
};

class unfenced_resource {
 public:
  bool write(std::uint64_t fence, std::string value);  // always true
  std::string value() const;
  std::vector<resource_write> history() const;

 private:
  mutable std::mutex mu_;
  std::vector<resource_write> history_;
};

}  // namespace lockstep::dist
