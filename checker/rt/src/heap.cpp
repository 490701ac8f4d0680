// The model heap (lockstep/rt/model_heap.hpp): blocks allocated inside an execution, with
// their allocation and free stacks, per-thread LIFO caches of freed blocks (the freeing
// thread reuses a block of the same size and alignment first, as malloc's thread caches do:
// that is what makes ABA on recycled nodes reachable, and it keeps reuse a function of each
// thread's own program order, so replays and the graph engine's re-executions agree), and
// the verdicts: double free, freeing what the model heap did not allocate, a size that does
// not match the block, leaks at the end of an execution.
//
// Freed blocks stay mapped (pooled, see heap_state::pool), so a stale pointer reads memory
// that is still there; what it reaches through a model object is caught by the object's
// lifetime check (its destructor ran when the block was freed).
#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "execution.hpp"
#include "heap.hpp"
#include "lockstep/model_platform.hpp"
#include "user_frame.hpp"

namespace lockstep::rt {

namespace {

// The tables' own memory comes from malloc, never from operator new: with the global hook
// linked (lockstep/model_new.hpp) a table must not allocate or free through the hook while
// it is being changed.
template <class T>
struct raw_allocator {
  using value_type = T;
  raw_allocator() noexcept = default;
  template <class U>
  raw_allocator(const raw_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (void* p = std::malloc(n * sizeof(T))) return static_cast<T*>(p);
    throw std::bad_alloc();
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  friend bool operator==(const raw_allocator&, const raw_allocator&) noexcept { return true; }
};
template <class T>
using raw_vector = std::vector<T, raw_allocator<T>>;
template <class K, class V>
using raw_map =
    std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, raw_allocator<std::pair<const K, V>>>;

const char* api_name(heap_api a) {
  switch (a) {
    case heap_api::new_object:
      return "new_object";
    case heap_api::allocator:
      return "allocator";
    case heap_api::operator_new:
      return "operator new";
  }
  return "?";
}

struct block {
  std::size_t size = 0;
  std::size_t align = 0;
  std::uint64_t seq = 0;  // allocation order in the execution (leak reports name the first)
  int tid = -1;
  int freed_by = -1;
  heap_api api = heap_api::new_object;
  bool live = false;
  captured_stack alloc_at;
  captured_stack freed_at;
};

struct heap_state {
  std::uint32_t serial = 0;
  std::uint64_t seq = 0;
  raw_map<const void*, block> blocks;  // this execution's
  // Per thread: (size, alignment) -> blocks freed in this execution, the last freed at the back.
  raw_vector<raw_map<std::uint64_t, raw_vector<void*>>> caches;
  // Every block handed out by an execution, per (size, alignment), in first-use order; an
  // execution's n-th fresh allocation of a size gets the n-th block. The same allocations
  // then get the same addresses in every execution, which the graph engine needs: it keeps
  // the values of writes (pointers too) from the execution that added them.
  raw_map<std::uint64_t, raw_vector<void*>> pool;
  raw_map<const void*, std::uint64_t> pooled;  // block -> its pool
  raw_map<std::uint64_t, std::size_t> next;    // this execution: pool blocks used
  // Blocks allocated outside any execution (a model container at namespace scope).
  std::unordered_set<const void*, std::hash<const void*>, std::equal_to<const void*>,
                     raw_allocator<const void*>>
      outside;

  // A new execution starts: every block goes back to the pool, also those a failed or cut
  // execution left allocated (its threads are abandoned and never run again).
  void sync(const execution& e) {
    if (serial == e.serial()) return;
    serial = e.serial();
    caches.clear();
    blocks.clear();
    next.clear();
    seq = 0;
  }
  // A block leaves the pool when something frees it with free() (the hook, outside an
  // execution, or a block of an earlier execution).
  bool unpool(void* p) {
    const auto it = pooled.find(p);
    if (it == pooled.end()) return false;
    auto& list = pool[it->second];
    list.erase(std::find(list.begin(), list.end(), p));
    pooled.erase(it);
    std::free(p);
    return true;
  }
};
// Never destroyed: with lockstep/model_new.hpp linked, static objects of other translation
// units free their memory through the hook after this one's static destructors would have run.
heap_state& heap() {
  alignas(heap_state) static unsigned char storage[sizeof(heap_state)];
  static heap_state* const h = ::new (storage) heap_state();
  return *h;
}

execution* running() noexcept {
  execution* e = execution::active();
  return e && e->current_id() >= 0 ? e : nullptr;
}

void* raw_allocate(std::size_t size, std::size_t align) {
  if (size == 0) size = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  return p;
}

std::uint64_t cache_key(std::size_t size, std::size_t align) {
  return static_cast<std::uint64_t>(size) ^ (static_cast<std::uint64_t>(align) << 48);
}

std::string line(source_loc l) { return l.file ? to_string(l) : std::string("an unknown line"); }
source_loc frame(const captured_stack& s) { return user_frame(s, source_loc{nullptr, 0}); }
source_loc here() {
  captured_stack st;
  capture_stack(st);
  return frame(st);
}

std::string describe(const block& b) {
  return std::to_string(b.size) + " bytes (" + api_name(b.api) + ") allocated at " +
         line(frame(b.alloc_at)) + " by thread " + std::to_string(b.tid);
}

[[noreturn]] void fail(execution& e, const std::string& msg) {
  const source_loc at = here();
  e.fail(failure_kind::misuse,
         msg + ", at " + line(at) + " by thread " + std::to_string(e.current_id()), at);
}

}  // namespace

void* heap_allocate(std::size_t size, std::size_t align, heap_api api) {
  execution* e = running();
  if (!e) {
    void* p = raw_allocate(size, align);
    heap().outside.insert(p);
    return p;
  }
  runtime_scope own;  // the tables' own allocations are not the model heap's
  heap().sync(*e);
  const int tid = e->current_id();
  if (heap().caches.size() <= static_cast<std::size_t>(tid)) heap().caches.resize(tid + 1);
  const std::uint64_t key = cache_key(size, align);
  auto& cached = heap().caches[tid][key];
  void* p;
  if (!cached.empty()) {
    p = cached.back();
    cached.pop_back();
  } else {
    auto& list = heap().pool[key];
    std::size_t& n = heap().next[key];
    if (n < list.size()) {
      p = list[n];
    } else {
      p = raw_allocate(size, align);
      list.push_back(p);
      heap().pooled.emplace(p, key);
    }
    ++n;
  }
  block& b = heap().blocks[p];
  b.size = size;
  b.align = align;
  b.seq = ++heap().seq;
  b.tid = tid;
  b.freed_by = -1;
  b.api = api;
  b.live = true;
  capture_stack(b.alloc_at);
  return p;
}

bool heap_free(void* p, std::size_t size, heap_api api) {
  if (!p) return true;
  execution* e = running();
  if (!e) {
    if (heap().unpool(p)) return true;
    if (heap().outside.erase(p) || api != heap_api::operator_new) {
      std::free(p);
      return true;
    }
    return false;
  }
  runtime_scope own;
  heap().sync(*e);
  const auto it = heap().blocks.find(p);
  if (it == heap().blocks.end()) {
    if (heap().outside.erase(p)) {
      std::free(p);
      return true;
    }
    if (api == heap_api::operator_new) {  // the checker's, or from an earlier execution
      if (heap().unpool(p)) return true;
      return false;
    }
    fail(*e, std::string("free (") + api_name(api) +
                 ") of a pointer the model heap did not allocate (or that was allocated in "
                 "another execution)");
  }
  block& b = it->second;
  if (!b.live)
    fail(*e, "double free of a block of " + describe(b) + ", first freed at " +
                 line(frame(b.freed_at)) + " by thread " + std::to_string(b.freed_by) +
                 ", freed again");
  if (size != 0 && size != b.size)
    fail(*e, "free (" + std::string(api_name(api)) + ") of " + std::to_string(size) +
                 " bytes, but the block has " + describe(b));
  b.live = false;
  b.freed_by = e->current_id();
  capture_stack(b.freed_at);
  const int tid = e->current_id();
  if (heap().caches.size() <= static_cast<std::size_t>(tid)) heap().caches.resize(tid + 1);
  heap().caches[tid][cache_key(b.size, b.align)].push_back(p);
  return true;
}

bool heap_hook_active() noexcept {
  if (runtime_scope::depth > 0) return false;
  execution* e = running();
  if (!e) return false;
  // Only code running on the simulated thread's own stack (the scheduler, which runs on the
  // OS thread's stack between steps, allocates for itself).
  const thread_rec& th = e->current();
  const char* sp = static_cast<const char*>(__builtin_frame_address(0));
  return th.stk.base && sp >= th.stk.base && sp < static_cast<const char*>(th.stk.top());
}

namespace {
// The block of the running execution's heap that addr lies in, or nullptr.
const block* block_of(const void* addr) {
  execution* e = running();
  if (!e || heap().serial != e->serial()) return nullptr;
  const char* a = static_cast<const char*>(addr);
  for (const auto& [p, b] : heap().blocks) {
    const char* base = static_cast<const char*>(p);
    if (a >= base && a < base + b.size) return &b;
  }
  return nullptr;
}
}  // namespace

bool in_heap_block(const void* addr) { return block_of(addr) != nullptr; }

std::string heap_block_note(const void* addr) {
  const block* b = block_of(addr);
  if (!b) return {};
  std::string s = " (in a block of " + describe(*b);
  if (!b->live)
    s += ", freed at " + line(frame(b->freed_at)) + " by thread " + std::to_string(b->freed_by);
  return s + ")";
}

bool heap_leak(std::string& message, source_loc& where) {
  execution* e = execution::active();
  if (!e || heap().serial != e->serial()) return false;
  const block* first = nullptr;
  std::size_t n = 0;
  for (const auto& [p, b] : heap().blocks)
    if (b.live) {
      ++n;
      if (!first || b.seq < first->seq) first = &b;
    }
  if (!first) return false;
  where = frame(first->alloc_at);
  message = "memory leak: " + std::to_string(n) +
            " block(s) of the model heap not freed at the end of the execution; the first: " +
            describe(*first);
  return true;
}

}  // namespace lockstep::rt
