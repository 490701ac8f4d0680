// lockstep/rt/model_heap.hpp — model_platform's heap: P::allocator<T>, P::new_object,
// P::delete_object, P::make_unique and P::unique_ptr<T>. Included by model_platform.hpp.
//
// Guarantees (under the checker; on std_platform these are std::allocator, new, delete and
// std::make_unique, at zero cost):
//   * Every block allocated inside an execution is tracked with the stack that allocated it.
//     Freeing it twice, freeing a pointer the model heap did not allocate (or with a size
//     other than the block's: a delete through the wrong type), and a block still allocated
//     when the execution ends (a leak, reported at its allocation line) are misuse verdicts.
//   * A model object (atomic, var, mutex, ...) living in a freed block was destroyed by
//     delete_object / the container, so any later use of it through a stale pointer is a
//     misuse verdict naming the object, its creation and destruction, and the block.
//   * Freed blocks are reused: the freeing thread's next allocation of the same size and
//     alignment gets the block it freed last (LIFO, like malloc's thread caches). A stale
//     pointer then compares equal to the new object's: ABA bugs on recycled nodes are
//     reachable. Reuse depends only on each thread's own order of operations, so replays
//     agree; a block freed by one thread is not handed to another.
//   * Blocks allocated outside an execution (a model container at namespace scope) are
//     plain memory. A block allocated in an execution must be freed in it.
//
// Usage: allocate nodes with `P::new_object<node>(args...)` and free them with
// `P::delete_object(p)`; own them with `P::unique_ptr<T>` / `P::make_unique<T>(args...)`;
// give std containers `P::allocator<T>`. lockstep/model_new.hpp also routes a test
// executable's plain new/delete through this heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace lockstep {

namespace rt {
enum class heap_api : std::uint8_t { new_object, allocator, operator_new };
// Never null (throws std::bad_alloc).
void* heap_allocate(std::size_t size, std::size_t align, heap_api api);
// size 0: unknown. Returns false only for heap_api::operator_new and a pointer the model heap
// does not know (the checker's own, or allocated before the hook was active): the caller
// frees it with std::free. Otherwise reports misuse for a bad free.
bool heap_free(void* p, std::size_t size, heap_api api);
// The global operator new hook (lockstep/model_new.hpp): true when the allocating code is a
// simulated thread's, outside the checker's own code.
bool heap_hook_active() noexcept;
}  // namespace rt

// A std-conforming allocator on the model heap (stateless: all instances compare equal).
template <class T>
class model_platform::allocator {
 public:
  using value_type = T;
  allocator() noexcept = default;
  template <class U>
  allocator(const allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(rt::heap_allocate(n * sizeof(T), alignof(T), rt::heap_api::allocator));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    rt::heap_free(p, n * sizeof(T), rt::heap_api::allocator);
  }
  friend bool operator==(const allocator&, const allocator&) noexcept { return true; }
};

template <class T, class... A>
T* model_platform::new_object(A&&... a) {
  void* p = rt::heap_allocate(sizeof(T), alignof(T), rt::heap_api::new_object);
  try {
    return ::new (p) T(std::forward<A>(a)...);
  } catch (...) {
    rt::heap_free(p, sizeof(T), rt::heap_api::new_object);
    throw;
  }
}

template <class T>
void model_platform::delete_object(T* p) noexcept {
  if (!p) return;
  if constexpr (std::is_polymorphic_v<T>) {
    void* base = dynamic_cast<void*>(p);  // the most derived object's block
    p->~T();
    rt::heap_free(base, 0, rt::heap_api::new_object);
  } else {
    // Free first (a double free is reported before the destructor runs on a dead object);
    // the block is only reused by a later allocation.
    rt::heap_free(p, sizeof(T), rt::heap_api::new_object);
    p->~T();
  }
}

template <class T>
void model_platform::deleter<T>::operator()(T* p) const noexcept {
  model_platform::delete_object(p);
}

template <class T, class... A>
model_platform::unique_ptr<T> model_platform::make_unique(A&&... a) {
  return unique_ptr<T>(new_object<T>(std::forward<A>(a)...));
}

}  // namespace lockstep
