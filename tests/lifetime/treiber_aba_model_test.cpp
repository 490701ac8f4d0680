// ABA on a Treiber stack whose nodes are reused, and reclamation without a safe scheme.
//
// treiber_untagged_node_reuse_is_caught: a popper reads top = A and A->next = B; meanwhile
// another thread pops A and B and pushes A back; the popper's CAS(top: A -> B) succeeds and
// B, which the other thread owns, is on the stack again. The tagged stack (a version counter
// in the top word's high 16 bits, next to the 48-bit pointer) fails that CAS and passes.
// treiber_delete_on_pop_is_caught: a node freed right after its pop is still read by a
// racing popper (its `next`): a use after free through a model atomic in a freed block.
// treiber_free_and_reuse_untagged_is_caught: the same ABA, made by the model heap: pop frees
// nodes safely (a reader count keeps a node alive while a popper dereferences it), but a
// freed node's block is reused by the freeing thread's next allocation (LIFO), so a popper's
// CAS against the old top succeeds on the new node. The tagged stack passes.
// Nodes come from the model heap (P::new_object) and are all freed: no leak.
#include <lockstep/check.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "both_engines.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

struct node {
  P::atomic<node*> next{nullptr};
};

// The top word of both stacks: a 48-bit pointer, and with Tagged a version counter in the
// high 16 bits, bumped by every successful CAS.
template <bool Tagged>
struct top_word {
  static constexpr std::uint64_t kPtr = (std::uint64_t{1} << 48) - 1;
  static node* ptr(std::uint64_t w) { return reinterpret_cast<node*>(w & kPtr); }
  static std::uint64_t pack(node* n, std::uint64_t old) {
    const auto p = reinterpret_cast<std::uint64_t>(n);
    return Tagged ? p | ((old >> 48) + 1) << 48 : p;
  }
};

template <bool Tagged>
class stack : top_word<Tagged> {
  using top_word<Tagged>::ptr;
  using top_word<Tagged>::pack;

 public:
  void push(node* n) {
    std::uint64_t old = top_.load();
    do {
      n->next.store(ptr(old));
    } while (!top_.compare_exchange_weak(old, pack(n, old)));
  }
  node* pop() {
    std::uint64_t old = top_.load();
    for (;;) {
      node* t = ptr(old);
      if (!t) return nullptr;
      node* n = t->next.load();
      if (top_.compare_exchange_weak(old, pack(n, old))) return t;
    }
  }

 private:
  P::atomic<std::uint64_t> top_{0};
};

template <bool Tagged>
void pop_pop_push_back() {
  node* a = P::new_object<node>();
  node* b = P::new_object<node>();
  stack<Tagged> s;
  s.push(b);
  s.push(a);
  node* got1 = nullptr;
  node* kept[2] = {nullptr, nullptr};
  P::thread t1([&] { got1 = s.pop(); });
  P::thread t2([&] {
    kept[0] = s.pop();
    kept[1] = s.pop();
    if (kept[0]) s.push(std::exchange(kept[0], nullptr));  // node reuse: A goes back
  });
  t1.join();
  t2.join();
  // Every node is in exactly one place: popped by t1, kept by t2, or still on the stack.
  std::vector<node*> seen;
  for (node* n : {got1, kept[0], kept[1]})
    if (n) seen.push_back(n);
  while (node* n = s.pop()) seen.push_back(n);
  std::sort(seen.begin(), seen.end());
  const bool unique = std::adjacent_find(seen.begin(), seen.end()) == seen.end();
  LOCKSTEP_ASSERT(unique && seen.size() == 2) << "a node is in two places at once (ABA)";
  P::delete_object(a);
  P::delete_object(b);
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(treiber_untagged_node_reuse_is_caught,
                           {.expect = failure_kind::assertion}) {
  pop_pop_push_back<false>();
}
LOCKSTEP_TEST_BOTH_ENGINES(treiber_tagged_node_reuse_passes) { pop_pop_push_back<true>(); }

namespace {
template <bool Tagged>
void pop_and_delete() {
  stack<Tagged> s;
  s.push(P::new_object<node>());
  s.push(P::new_object<node>());
  auto body = [&] { P::delete_object(s.pop()); };
  P::thread t1(body), t2(body);
  t1.join();
  t2.join();
}
}  // namespace

// Tagging does not help here: the racing popper reads the freed node's `next`.
LOCKSTEP_TEST_BOTH_ENGINES(treiber_delete_on_pop_is_caught, {.expect = failure_kind::misuse}) {
  pop_and_delete<true>();
}

namespace {

// Treiber with safe reclamation of popped nodes: a popper counts itself as a reader while it
// reads top and top->next; retire() frees a popped node once no reader is inside, so no node
// is dereferenced after its free. The CAS comes after the reading: that window is the ABA.
template <bool Tagged>
class reclaiming_stack : top_word<Tagged> {
  using top_word<Tagged>::ptr;
  using top_word<Tagged>::pack;

 public:
  void push(node* n) {
    std::uint64_t old = top_.load();
    do {
      n->next.store(ptr(old));
    } while (!top_.compare_exchange_strong(old, pack(n, old)));
  }
  node* pop() {
    for (;;) {
      readers_.fetch_add(1);
      std::uint64_t old = top_.load();
      node* t = ptr(old);
      if (!t) {
        readers_.fetch_sub(1);
        return nullptr;
      }
      node* n = t->next.load();
      readers_.fetch_sub(1);
      if (top_.compare_exchange_strong(old, pack(n, old))) return t;
    }
  }
  void retire(node* t) {
    while (readers_.load() != 0) P::this_thread::yield();
    P::delete_object(t);
  }

 private:
  P::atomic<std::uint64_t> top_{0};
  P::atomic<int> readers_{0};
};

template <bool Tagged>
void free_and_reuse() {
  reclaiming_stack<Tagged> s;
  node* b = P::new_object<node>();
  node* a = P::new_object<node>();
  s.push(b);
  s.push(a);
  node* got1 = nullptr;
  node* first = nullptr;
  node* kept = nullptr;
  node* x = nullptr;
  P::thread t1([&] { got1 = s.pop(); });
  P::thread t2([&] {
    first = s.pop();
    kept = s.pop();
    if (first) s.retire(first);  // freed: its block goes to this thread's cache ...
    x = P::new_object<node>();   // ... and comes back here (LIFO reuse)
    s.push(x);
  });
  t1.join();
  t2.join();
  // The live nodes (x, and a and b except the one freed) are each in exactly one place.
  std::vector<node*> live{x};
  for (node* n : {a, b})
    if (n != first) live.push_back(n);
  std::vector<node*> seen;
  for (node* n : {got1, kept})
    if (n) seen.push_back(n);
  while (node* n = s.pop()) seen.push_back(n);
  std::sort(live.begin(), live.end());
  std::sort(seen.begin(), seen.end());
  LOCKSTEP_ASSERT(seen == live)
      << "a node is lost or in two places at once (ABA on a reused block)";
  for (node* n : live) P::delete_object(n);
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(treiber_free_and_reuse_untagged_is_caught,
                           {.expect = failure_kind::assertion}) {
  free_and_reuse<false>();
}
LOCKSTEP_TEST_BOTH_ENGINES(treiber_free_and_reuse_tagged_passes) { free_and_reuse<true>(); }
