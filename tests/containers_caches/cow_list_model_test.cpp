// Model tests of CowList under the checker: snapshots are whole, ordered prefixes of the
// writes, no write is lost, retired snapshots are never freed under a reader (a use after
// free would show up under ASan; the checker sees the data race on the recycled node); the
// relaxed-publish and mutate-in-place twins are caught as data races.
#include <lockstep/check.hpp>
#include <lockstep/cow_list.hpp>

#include <algorithm>
#include <mutex>
#include <vector>

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

// A snapshot seen by a reader while writers push 1 and 2 must be a set of distinct values
// from {1, 2}, in push order if both are present in the order some writer pushed them.
void check_snapshot(const std::vector<int>& v) {
  LOCKSTEP_ASSERT(v.size() <= 2) << "snapshot too large: " << v.size();
  for (int x : v) LOCKSTEP_ASSERT(x == 1 || x == 2) << "invented element " << x;
  if (v.size() == 2) LOCKSTEP_ASSERT(v[0] != v[1]) << "duplicated element";
}

// Broken twin: a copy-on-write list whose publishing store is relaxed (and whose reader load
// is relaxed too), so nothing orders the writer's construction of the snapshot before the
// reader's use of it.
struct RelaxedPublishList {
  struct Node {
    P::var<std::vector<int>> items;
  };
  P::mutex mu;
  P::atomic<Node*> head{nullptr};
  std::vector<Node*> all;  // freed at the end: this twin is about ordering, not reclamation
  RelaxedPublishList() {
    auto* n = new Node;
    n->items.set({});
    all.push_back(n);
    head.store(n, std::memory_order_seq_cst);
  }
  ~RelaxedPublishList() {
    for (Node* n : all) delete n;
  }
  void push_back(int x) {
    std::lock_guard<P::mutex> g(mu);
    auto copy = head.load(std::memory_order_relaxed)->items.cref();
    copy.push_back(x);
    auto* n = new Node;
    n->items.set(std::move(copy));
    all.push_back(n);
    head.store(n, std::memory_order_relaxed);  // BUG: must be release
  }
  std::vector<int> snapshot() { return head.load(std::memory_order_relaxed)->items.get(); }
};

// Broken twin: the writer appends to the published vector in place (under its own lock)
// instead of copying, so a lock-free reader races with it.
struct InPlaceList {
  P::mutex mu;
  P::var<std::vector<int>> items;
  void push_back(int x) {
    std::lock_guard<P::mutex> g(mu);
    items.ref().push_back(x);  // BUG: mutates the snapshot readers are reading
  }
  std::vector<int> snapshot() { return items.get(); }
};

}  // namespace

LOCKSTEP_TEST(cow_list_snapshots_are_whole) {
  lockstep::CowList<int, P> list;
  P::thread w1([&] { list.push_back(1); });
  P::thread w2([&] { list.push_back(2); });
  P::thread r([&] {
    auto s1 = list.snapshot();
    check_snapshot(s1);
    auto s2 = list.snapshot();
    check_snapshot(s2);
    // Snapshots only grow here (no removals): a later read sees at least the earlier one.
    LOCKSTEP_ASSERT(s2.size() >= s1.size()) << "snapshot went backwards";
    LOCKSTEP_ASSERT(std::equal(s1.begin(), s1.end(), s2.begin())) << "history rewritten";
  });
  w1.join();
  w2.join();
  r.join();
  auto last = list.snapshot();
  LOCKSTEP_ASSERT(last.size() == 2) << "lost write: size " << last.size();
  check_snapshot(last);
}

LOCKSTEP_TEST(cow_list_reclaims_when_quiescent, {.preemption_bound = 3}) {
  lockstep::CowList<int, P> list;
  list.push_back(7);
  P::thread w([&] {
    list.push_back(8);
    list.remove(7);
  });
  P::thread r([&] {
    int sum = list.read([](const std::vector<int>& v) {
      int s = 0;
      for (int x : v) s += x;
      return s;
    });
    LOCKSTEP_ASSERT(sum == 7 || sum == 15 || sum == 8) << "impossible snapshot sum " << sum;
  });
  w.join();
  r.join();
  LOCKSTEP_ASSERT(list.snapshot() == std::vector<int>{8});
  // With no reader in progress, the next write frees every retired snapshot.
  list.push_back(9);
  LOCKSTEP_ASSERT(list.retired_count() == 0) << list.retired_count() << " snapshots leaked";
}

LOCKSTEP_TEST(broken_cow_list_relaxed_publish_is_a_race, {.expect = failure_kind::data_race}) {
  RelaxedPublishList list;
  P::thread w([&] { list.push_back(1); });
  P::thread r([&] { check_snapshot(list.snapshot()); });
  w.join();
  r.join();
}

LOCKSTEP_TEST(broken_cow_list_in_place_mutation_is_a_race, {.expect = failure_kind::data_race}) {
  InPlaceList list;
  P::thread w([&] { list.push_back(1); });
  P::thread r([&] { check_snapshot(list.snapshot()); });
  w.join();
  r.join();
}
