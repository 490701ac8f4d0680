// lockstep/model_new.hpp — opt-in: route a model-test executable's global operator new and
// delete through the model heap (lockstep/rt/model_heap.hpp), so that plain `new` / `delete`
// in the code under test gets what P::new_object / P::delete_object get: double free, leaks
// at the end of an execution (reported at the allocating line), use after free through model
// objects in freed memory, and LIFO reuse of freed blocks per thread (ABA on recycled nodes).
//
// Usage: include this header in exactly ONE source file of a model-test executable (it
// defines the replaceable global allocation functions; a second definition is a link error).
// It changes nothing outside executions and nothing in the checker: an allocation is the
// model heap's only when it is made by code running on a simulated thread's stack and not
// inside the checker's own entry points; everything else goes to malloc/free.
//
// Pitfalls:
//   * Every allocation of the test's simulated threads counts, the standard library's
//     included (std::string, std::vector, std::function, exceptions' own buffers do not:
//     they use malloc). Whatever a thread allocates must be freed before the execution ends,
//     or it is reported as a leak: no caches in namespace-scope objects filled inside a test,
//     and no lincheck recorders (their histories outlive the execution).
//   * Static model objects under memory_model::c11 and P::atomic_ref keep per-execution
//     state that outlives the execution: do not combine them with this header.
//   * A pointer freed that the model heap does not know (allocated before the execution, or
//     by the checker) goes to free(), so only P::delete_object reports "not allocated here".
//   * Not for the std_platform or TSan builds: it is for executables linking lockstep::checker.
#pragma once

#include <cstdlib>
#include <new>

#include "lockstep/model_platform.hpp"

namespace lockstep::model_new_detail {
inline void* allocate(std::size_t n, std::size_t align) {
  if (rt::heap_hook_active()) return rt::heap_allocate(n, align, rt::heap_api::operator_new);
  if (n == 0) n = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(n)
                : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  return p;
}
inline void* allocate_nothrow(std::size_t n, std::size_t align) noexcept {
  try {
    return allocate(n, align);
  } catch (...) {
    return nullptr;
  }
}
inline void release(void* p, std::size_t size) noexcept {
  if (!rt::heap_free(p, size, rt::heap_api::operator_new)) std::free(p);
}
constexpr std::size_t kDefault = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
}  // namespace lockstep::model_new_detail

// The replaceable global allocation and deallocation functions ([new.delete]).
void* operator new(std::size_t n) {
  return lockstep::model_new_detail::allocate(n, lockstep::model_new_detail::kDefault);
}
void* operator new[](std::size_t n) {
  return lockstep::model_new_detail::allocate(n, lockstep::model_new_detail::kDefault);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return lockstep::model_new_detail::allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return lockstep::model_new_detail::allocate(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return lockstep::model_new_detail::allocate_nothrow(n, lockstep::model_new_detail::kDefault);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return lockstep::model_new_detail::allocate_nothrow(n, lockstep::model_new_detail::kDefault);
}
void operator delete(void* p) noexcept { lockstep::model_new_detail::release(p, 0); }
void operator delete[](void* p) noexcept { lockstep::model_new_detail::release(p, 0); }
void operator delete(void* p, std::size_t n) noexcept { lockstep::model_new_detail::release(p, n); }
void operator delete[](void* p, std::size_t) noexcept { lockstep::model_new_detail::release(p, 0); }
void operator delete(void* p, std::align_val_t) noexcept {
  lockstep::model_new_detail::release(p, 0);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  lockstep::model_new_detail::release(p, 0);
}
void operator delete(void* p, std::size_t n, std::align_val_t) noexcept {
  lockstep::model_new_detail::release(p, n);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  lockstep::model_new_detail::release(p, 0);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  lockstep::model_new_detail::release(p, 0);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  lockstep::model_new_detail::release(p, 0);
}
