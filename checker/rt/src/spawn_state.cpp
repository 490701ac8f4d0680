// The storage of P::thread's callable and arguments (model_platform::thread): blocks reused
// from one spawn to the next instead of a malloc and a free per simulated thread.
#include <cstddef>
#include <new>

#include "heap.hpp"
#include "lockstep/rt/runtime.hpp"

namespace lockstep::rt {

namespace {
// Free lists per 16-byte size class up to kMaxPooled; a freed block holds the next pointer.
// Only the scheduler thread runs model code, so the lists are per OS thread and unlocked.
constexpr std::size_t kClass = 16;
constexpr std::size_t kMaxPooled = 256;
struct free_block {
  free_block* next;
};
thread_local free_block* t_free[kMaxPooled / kClass];

std::size_t class_of(std::size_t size) noexcept { return (size + kClass - 1) / kClass - 1; }
}  // namespace

void* thread_state_allocate(std::size_t size) {
  if (size == 0) size = 1;
  if (size <= kMaxPooled) {
    free_block*& head = t_free[class_of(size)];
    if (free_block* b = head) {
      head = b->next;
      return b;
    }
    size = (class_of(size) + 1) * kClass;
  }
  runtime_scope own;  // the checker's memory, also with lockstep/model_new.hpp linked
  return ::operator new(size);
}

void thread_state_free(void* p, std::size_t size) noexcept {
  if (size == 0) size = 1;
  if (size <= kMaxPooled) {
    free_block*& head = t_free[class_of(size)];
    head = ::new (p) free_block{head};
    return;
  }
  runtime_scope own;
  ::operator delete(p);
}

}  // namespace lockstep::rt
