// Internal: --jobs=N — worker processes that explore one search together.
//
// The runtime keeps process-global state (the active execution, static objects' keys, the
// stack pool, the overflow handler), so workers are processes, not threads. The search starts
// in the test process (worker 0) under a partition whose subtrees are claimed first come,
// first served through a counter in shared memory; when it has run kForkAfter executions and
// is not done, it forks workers 1..N-1, which inherit its exact state, give up the subtree it
// is in, and go on along the same DFS order claiming the subtrees nobody has claimed yet. So a
// small search never forks, and no worker idles while unclaimed subtrees remain.
//
// Determinism: every subtree is explored by exactly one worker and the shared prefix is
// counted by worker 0 only, so totals are those of one process. Failures are ordered by their
// unit key (2k + 1 inside subtree k, 2k in the prefix after k subtrees began: the order of a
// single run), and a worker stops once its key passes the smallest failing key found; the
// merged report is the one of the smallest key with the totals of the units up to it — the
// single run's failure and counts, whatever the timing.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "execution.hpp"
#include "partition.hpp"

namespace lockstep::rt {

class worker_pool {
 public:
  static constexpr std::uint64_t kForkAfter = 1000;  // executions before the workers start
  static constexpr std::uint64_t kNoStop = ~std::uint64_t{0};

  // jobs workers (this process is worker 0) of shard shard_index of shard_count (count 0:
  // not sharded). Throws std::runtime_error when the shared memory cannot be mapped.
  worker_pool(int jobs, std::uint32_t shard_index, std::uint32_t shard_count);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  // The partition of this process (worker 0 until fork_workers()).
  const partition& part() const noexcept { return part_; }
  int worker() const noexcept { return worker_; }
  bool forked() const noexcept { return forked_; }
  // Starts workers 1..jobs-1 (each gets its own partition); returns this process's index.
  // stdout/stderr are flushed first. A worker dies with its parent (PR_SET_PDEATHSIG).
  int fork_workers();
  // The smallest failing unit key found by any worker (kNoStop: none), and reporting one.
  std::uint64_t stop_key() const noexcept { return shared_->stop.load(); }
  void found_failure(std::uint64_t key) noexcept;
  // Counted executions of all workers, as far as they have told (the test's max_executions is
  // a cap on their sum). Each worker adds its own in batches of kBatch: a shared counter
  // written per execution would bounce between the cores.
  static constexpr std::uint64_t kBatch = 64;
  std::uint64_t add_execution() noexcept {
    if (++unflushed_ < kBatch) return seen_total_ + unflushed_;
    seen_total_ = shared_->total.fetch_add(unflushed_) + unflushed_;
    unflushed_ = 0;
    return seen_total_;
  }
  // Worker >= 1: hands its result to worker 0 and ends the process.
  [[noreturn]] void finish_worker(const std::string& result);
  // Worker 0: the results of workers 1..jobs-1 in worker order. A worker that ended without
  // a result (crashed, or exited with a stack overflow report): error says which, with its
  // exit status in *status.
  std::vector<std::string> collect(std::string& error, int* status);

 private:
  // One cache line each: `next` is written by every claim, `stop` read by every execution.
  struct shared_block {
    alignas(64) std::atomic<std::uint64_t> next{0};  // subtrees (of this shard) claimed so far
    alignas(64) std::atomic<std::uint64_t> stop{kNoStop};
    alignas(64) std::atomic<std::uint64_t> total{0};
  };
  static bool claim(void* ctx, std::uint64_t k);
  void set_worker(int w);

  int jobs_;
  std::uint32_t shard_index_, shard_count_;
  shared_block* shared_ = nullptr;
  partition part_;
  int worker_ = 0;
  bool forked_ = false;
  std::vector<int> pids_, fds_;                   // workers 1..jobs-1: process ids and result pipes
  int out_fd_ = -1;                               // worker >= 1: its result pipe
  std::uint64_t unflushed_ = 0, seen_total_ = 0;  // add_execution()
};

// What one worker explored, per unit (see above), and its first failure: handed to worker 0
// as text, merged there in unit order.
struct unit_stats {
  std::uint64_t n = 0, blocked = 0, moot = 0, redundant = 0, adversarial = 0;
  double estimate = 0;
  std::string adversarial_token;  // the unit's first execution cut by the probability-1 rule
  // Adds another part's counts; the first token (in unit order) is kept.
  unit_stats& operator+=(const unit_stats& o) {
    n += o.n;
    blocked += o.blocked;
    moot += o.moot;
    redundant += o.redundant;
    adversarial += o.adversarial;
    estimate += o.estimate;
    if (adversarial_token.empty()) adversarial_token = o.adversarial_token;
    return *this;
  }
};
struct worker_result {
  std::map<std::uint64_t, unit_stats> units;
  bool failed = false;
  std::uint64_t fail_key = 0;
  failure fail;
  std::vector<std::uint16_t> choices;  // of the failing execution
  bool incomplete = false;             // stopped at the test's max_executions
  std::string locks;                   // lock_graph::save()
  std::string save() const;
  bool load(const std::string& text);
  // Folds `o` in (units are disjoint between workers; the smaller failing key wins).
  void merge(worker_result&& o);
  // The totals of the units up to last_unit (the failure's, or all).
  unit_stats totals(std::uint64_t last_unit) const;
};

// The number of cores (the default of --jobs), at least 1.
int hardware_jobs();

}  // namespace lockstep::rt
