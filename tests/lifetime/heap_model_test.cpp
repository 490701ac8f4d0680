// The model heap (lockstep/rt/model_heap.hpp): double free, freeing what it did not allocate,
// leaks (at the allocating line), use after free through model objects in a freed block, and
// LIFO reuse of freed blocks per thread. Broken twins and correct versions, both engines.
#include <lockstep/check.hpp>

#include <string>
#include <vector>

#include "both_engines.hpp"

#include "../support/line_info.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

LOCKSTEP_TEST_BOTH_ENGINES(double_free_is_caught, {.expect = failure_kind::misuse}) {
  int* p = P::new_object<int>(1);
  P::delete_object(p);
  P::delete_object(p);
}
LOCKSTEP_TEST_BOTH_ENGINES(single_free_passes) {
  int* p = P::new_object<int>(1);
  LOCKSTEP_ASSERT(*p == 1);
  P::delete_object(p);
}

// Two threads race to free a shared block: the exchange makes exactly one of them free it.
namespace {
void race_to_free(bool exchange) {
  P::atomic<int*> shared{P::new_object<int>(7)};
  auto body = [&] {
    int* mine = exchange ? shared.exchange(nullptr) : shared.load();
    P::delete_object(mine);
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
}
}  // namespace
LOCKSTEP_TEST_BOTH_ENGINES(racing_double_free_is_caught, {.expect = failure_kind::misuse}) {
  race_to_free(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(exchange_then_free_passes) { race_to_free(true); }

LOCKSTEP_TEST_BOTH_ENGINES(freeing_a_pointer_not_allocated_is_caught,
                           {.expect = failure_kind::misuse}) {
  static int not_heap = 0;
  P::delete_object(&not_heap);
}

LOCKSTEP_TEST_BOTH_ENGINES(leak_is_caught, {.expect = failure_kind::misuse}) {
  int* p = P::new_object<int>(1);
  P::thread t([p] { LOCKSTEP_ASSERT(*p == 1); });
  t.join();
}
LOCKSTEP_TEST_BOTH_ENGINES(unique_ptr_does_not_leak) {
  P::unique_ptr<int> p = P::make_unique<int>(1);
  P::thread t([q = p.get()] { LOCKSTEP_ASSERT(*q == 1); });
  t.join();
}

// std containers on P::allocator<T>: growth frees the old buffers; a buffer kept past the
// end of the execution is a leak.
LOCKSTEP_TEST_BOTH_ENGINES(container_on_model_allocator_passes) {
  std::vector<int, P::allocator<int>> v;
  for (int i = 0; i < 20; ++i) v.push_back(i);
  std::basic_string<char, std::char_traits<char>, P::allocator<char>> s(100, 'x');
  LOCKSTEP_ASSERT(v.size() == 20 && s.size() == 100);
}
LOCKSTEP_TEST_BOTH_ENGINES(allocator_block_not_deallocated_is_caught,
                           {.expect = failure_kind::misuse}) {
  P::allocator<long> a;
  long* p = a.allocate(4);
  p[0] = 1;
}
LOCKSTEP_TEST_BOTH_ENGINES(deallocate_with_wrong_size_is_caught, {.expect = failure_kind::misuse}) {
  P::allocator<long> a;
  long* p = a.allocate(4);
  a.deallocate(p, 2);
}

// An atomic in a freed block, read through a stale pointer by another thread.
namespace {
struct node {
  P::atomic<int> value{0};
};
void read_racing_free(bool join_first) {
  node* n = P::new_object<node>();
  P::thread t([n] { (void)n->value.load(); });
  if (join_first) t.join();
  P::delete_object(n);
  if (!join_first) t.join();
}
}  // namespace
LOCKSTEP_TEST_BOTH_ENGINES(atomic_in_freed_block_is_caught, {.expect = failure_kind::misuse}) {
  read_racing_free(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(atomic_read_before_free_passes) { read_racing_free(true); }

// Reuse: a thread's next allocation of the same size gets the block it freed last (LIFO);
// another size, or another thread, gets a block of its own.
LOCKSTEP_TEST_BOTH_ENGINES(freed_blocks_are_reused_lifo_per_thread) {
  node* a = P::new_object<node>();
  node* b = P::new_object<node>();
  const void* old_a = a;
  const void* old_b = b;
  P::delete_object(a);
  P::delete_object(b);
  node* c = P::new_object<node>();  // the last freed: b's block
  node* d = P::new_object<node>();  // then a's
  LOCKSTEP_ASSERT(static_cast<const void*>(c) == old_b);
  LOCKSTEP_ASSERT(static_cast<const void*>(d) == old_a);
  LOCKSTEP_ASSERT(c->value.load() == 0);  // a new object: alive
  P::delete_object(c);
  node* other = nullptr;
  P::thread t([&] { other = P::new_object<node>(); });
  t.join();
  LOCKSTEP_ASSERT(static_cast<const void*>(other) != old_b);  // not the main thread's block
  P::delete_object(other);
  P::delete_object(d);
}

// Messages name the lines: the leak its allocation, the double free both frees.
namespace {
int alloc_line = 0, first_free_line = 0, second_free_line = 0;
// Each statement shares its line with the __LINE__ that records it:
// clang-format off
void leak_one() {
  alloc_line = __LINE__; int* p = P::new_object<int>(3);
  (void)p;
}
void free_twice() {
  alloc_line = __LINE__; int* p = P::new_object<int>(3);
  first_free_line = __LINE__; P::delete_object(p);
  second_free_line = __LINE__; P::delete_object(p);
}
// clang-format on
bool has(const std::string& report, const std::string& what) {
  return report.find(what) != std::string::npos;
}
std::string at(int line) { return "tests/lifetime/heap_model_test.cpp:" + std::to_string(line); }
}  // namespace

LOCKSTEP_UNIT_TEST(heap_verdicts_name_the_lines) {
  lockstep_test::need_line_info();
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    lockstep::model_test_options o;
    o.engine = eng;
    auto x = lockstep::explore("leak_one", leak_one, o);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: misuse") << x.verdict;
    LOCKSTEP_ASSERT(has(x.report, "memory leak: 1 block(s)")) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "allocated at " + at(alloc_line))) << x.report;
    x = lockstep::explore("free_twice", free_twice, o);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: misuse") << x.verdict;
    LOCKSTEP_ASSERT(has(x.report, "double free")) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "allocated at " + at(alloc_line))) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "first freed at " + at(first_free_line))) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "at " + at(second_free_line))) << x.report;
  }
}
