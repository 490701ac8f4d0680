// Contract tests of CowList (cow_list.hpp): a reader's snapshot stays alive and whole while
// writes retire it (C11 mode: the reader counter's argument needs seq_cst — a reader that
// counts itself and then loads the head, against a writer that stores the head and then
// loads the count, is store buffering); a write that finds no reader in progress frees every
// retired snapshot (retired_count() == 0), also read concurrently with readers; concurrent
// writers lose nothing; remove() and size() at their boundaries. Broken twins: a copy of
// CowList whose reader counter and head use release/acquire instead of seq_cst, and one whose
// reader leaves with a relaxed decrement (its reads then race with the writer's free of the
// snapshot). Plain new and delete go through the model heap here (lockstep/model_new.hpp).
#include <lockstep/check.hpp>
#include <lockstep/cow_list.hpp>
// CowList allocates its snapshots with plain new/delete: through the model heap, a snapshot
// freed under a reader is a misuse verdict with a replay token, not a crash of the process.
#include <lockstep/model_new.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using lockstep::memory_model;

namespace {

// The memory orders of CowList's reader count and head (cow_list.hpp: all seq_cst); a twin
// below weakens some of them.
struct cow_orders {
  std::memory_order enter, leave, head_load, head_store, count_load;
};
constexpr cow_orders kAcqRel{std::memory_order_acq_rel, std::memory_order_release,
                             std::memory_order_acquire, std::memory_order_release,
                             std::memory_order_acquire};
constexpr cow_orders kRelaxedLeave{std::memory_order_seq_cst, std::memory_order_relaxed,
                                   std::memory_order_seq_cst, std::memory_order_seq_cst,
                                   std::memory_order_seq_cst};

// CowList<int, P> (cow_list.hpp) with the orders `O`. Its nodes live on the model heap
// (P::new_object), so a use after free is a misuse verdict rather than a crash of the test
// process, and a free a write to the node's var for the race detector.
//   kAcqRel: acquire/release where CowList has seq_cst: store buffering lets the writer see no
//     reader while the reader holds the head it is about to retire.
//   kRelaxedLeave: the reader leaves with a relaxed decrement (the mutant of cow_list.hpp:61
//     that survived before a free counted as a write): a writer that reads the decremented
//     count synchronises only with the reader's increment, so the reader's reads of the
//     snapshot do not happen-before the writer's delete of it — a data race at its destruction.
template <const cow_orders& O>
class TwinCowList {
 public:
  TwinCowList() {
    Node* n = P::new_object<Node>();
    n->items.set({});
    head_.store(n, std::memory_order_release);
  }
  ~TwinCowList() {
    P::delete_object(head_.load(std::memory_order_relaxed));
    for (Node* n : retired_.cref()) P::delete_object(n);
  }
  template <class F>
  decltype(auto) read(F&& f) const {
    struct Guard {
      const TwinCowList* self;
      ~Guard() { self->readers_.fetch_sub(1, O.leave); }  // BUG (kRelaxedLeave): seq_cst
    };
    readers_.fetch_add(1, O.enter);  // BUG (kAcqRel): seq_cst needed
    Guard g{this};
    const Node* n = head_.load(O.head_load);  // BUG (kAcqRel): seq_cst needed
    return f(n->items.cref());
  }
  std::size_t size() const {
    return read([](const std::vector<int>& v) { return v.size(); });
  }
  void push_back(int value) {
    std::lock_guard<P::mutex> g(write_mu_);
    Node* old = head_.load(std::memory_order_relaxed);
    std::vector<int> copy = old->items.cref();
    copy.push_back(value);
    Node* fresh = P::new_object<Node>();
    fresh->items.set(std::move(copy));
    head_.store(fresh, O.head_store);  // BUG (kAcqRel): seq_cst needed
    retired_.ref().push_back(old);
    if (readers_.load(O.count_load) == 0) {  // BUG (kAcqRel): seq_cst needed
      for (Node* n : retired_.cref()) P::delete_object(n);
      retired_.ref().clear();
    }
  }
  std::size_t retired_count() const {
    std::lock_guard<P::mutex> g(write_mu_);
    return retired_.cref().size();
  }

 private:
  struct Node {
    P::var<std::vector<int>> items;
  };
  mutable P::mutex write_mu_;
  P::atomic<Node*> head_{nullptr};
  mutable P::atomic<int> readers_{0};
  P::var<std::vector<Node*>> retired_;
};
using AcqRelCowList = TwinCowList<kAcqRel>;
using RelaxedLeaveCowList = TwinCowList<kRelaxedLeave>;

// A writer pushes 1 and 2 (retiring two snapshots) while a reader reads a snapshot element
// by element; after both, one more write with no reader in progress frees every retired
// snapshot.
template <class L>
void snapshot_survives_writes() {
  L list;
  P::thread writer([&] {
    list.push_back(1);
    list.push_back(2);
  });
  const std::size_t n = list.read([](const std::vector<int>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
      LOCKSTEP_ASSERT(v[i] == static_cast<int>(i) + 1) << "not a prefix of the writes";
    return v.size();
  });
  LOCKSTEP_ASSERT(n <= 2);
  writer.join();
  list.push_back(3);
  LOCKSTEP_ASSERT(list.retired_count() == 0) << "a quiescent write left snapshots retired";
  LOCKSTEP_ASSERT(list.size() == 3);
}

}  // namespace

LOCKSTEP_TEST(cow_list_snapshot_survives_writes) {
  snapshot_survives_writes<lockstep::CowList<int, P>>();
}
LOCKSTEP_TEST(cow_list_snapshot_survives_writes_c11, {.memory = memory_model::c11}) {
  snapshot_survives_writes<lockstep::CowList<int, P>>();
}
LOCKSTEP_TEST(cow_list_snapshot_survives_writes_c11_dpor,
              {.engine = lockstep::engine::dpor, .memory = memory_model::c11}) {
  snapshot_survives_writes<lockstep::CowList<int, P>>();
}
// The reader's count and the writer's head store race past each other: the writer frees the
// snapshot the reader is reading (a destruction not ordered after the read: a data race).
// (Under the graph engine the minimiser used to crash the test process here: its lenient
// replays let a read return the initial null head after the thread's own store.)
LOCKSTEP_TEST(cow_list_broken_acq_rel_reader_count_is_caught,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  snapshot_survives_writes<AcqRelCowList>();
}

// The relaxed leave, under both engines (SC and C11: the decrement releases nothing in
// either).
LOCKSTEP_TEST(cow_list_broken_relaxed_reader_leave_is_caught,
              {.expect = failure_kind::data_race, .engine = lockstep::engine::dpor}) {
  snapshot_survives_writes<RelaxedLeaveCowList>();
}
LOCKSTEP_TEST(cow_list_broken_relaxed_reader_leave_is_caught_graph,
              {.expect = failure_kind::data_race}) {
  snapshot_survives_writes<RelaxedLeaveCowList>();
}
LOCKSTEP_TEST(cow_list_broken_relaxed_reader_leave_is_caught_c11,
              {.expect = failure_kind::data_race, .memory = memory_model::c11}) {
  snapshot_survives_writes<RelaxedLeaveCowList>();
}

// Two writers push distinct values: both land, once each (writers serialise).
LOCKSTEP_TEST(cow_list_concurrent_writers_lose_nothing) {
  lockstep::CowList<int, P> list;
  P::thread a([&] { list.push_back(1); });
  list.push_back(2);
  a.join();
  auto v = list.snapshot();
  std::sort(v.begin(), v.end());
  LOCKSTEP_ASSERT(v == std::vector<int>({1, 2})) << "size " << v.size();
  LOCKSTEP_ASSERT(list.retired_count() == 0) << "no reader ever ran";
}

// retired_count() read by a reader thread while a writer retires: at most the writes so far,
// and 0 once a write runs with no reader in progress.
LOCKSTEP_TEST(cow_list_retired_count_read_concurrently) {
  lockstep::CowList<int, P> list;
  P::thread writer([&] {
    list.push_back(1);
    list.push_back(2);
  });
  const std::size_t during =
      list.read([&](const std::vector<int>&) { return list.retired_count(); });
  LOCKSTEP_ASSERT(during <= 2) << during << " retired after 2 writes";
  writer.join();
  list.remove(7);  // a write with no reader in progress
  LOCKSTEP_ASSERT(list.retired_count() == 0);
}

// remove() returns how many it removed (0 for an absent value, every duplicate at once);
// size() follows.
LOCKSTEP_TEST(cow_list_remove_and_size_boundaries) {
  lockstep::CowList<int, P> list;
  LOCKSTEP_ASSERT(list.size() == 0 && list.snapshot().empty());
  LOCKSTEP_ASSERT(list.remove(1) == 0) << "removed from an empty list";
  list.push_back(1);
  list.push_back(2);
  list.push_back(1);
  LOCKSTEP_ASSERT(list.size() == 3);
  LOCKSTEP_ASSERT(list.remove(3) == 0);
  LOCKSTEP_ASSERT(list.remove(1) == 2) << "every duplicate at once";
  LOCKSTEP_ASSERT(list.snapshot() == std::vector<int>({2}));
  LOCKSTEP_ASSERT(list.remove(2) == 1);
  LOCKSTEP_ASSERT(list.size() == 0);
  LOCKSTEP_ASSERT(list.retired_count() == 0);
}
