// lockstep/rt/model_atomic_ref.hpp — model_platform::atomic_ref<T>: std::atomic_ref under the
// checker (included by lockstep/model_platform.hpp).
//
// Guarantees (as std's): every operation through an atomic_ref is an atomic operation on the
// referenced object, with the memory orders of P::atomic<T>; all atomic_refs to one object
// share its modification order. While any atomic_ref to an object exists, access it only
// through atomic_refs; after the last one is gone, plain reads see the latest value.
// Explored, by both engines: the referenced object has a shadow P::atomic<T> (named
// "atomic_ref#N"), created from the object's value by the first atomic_ref to its address in
// an execution and kept for the rest of it. Under the graph engine it is one location of the
// execution graph, keyed by the object's identity (rt::shadow_key: its thread and place on a
// simulated thread's stack, else its address), not by the thread that happened to make the
// first atomic_ref, so every execution names it alike. Each operation is the shadow's (same
// scheduling points, memory models, futex), and each modifying operation writes the value
// latest in modification order among the stores executed so far back to the object. An
// atomic_ref made while none is alive first stores the object's value into the shadow if a
// plain write changed it (one extra step). Misuse: a misaligned object, or one referred to
// with two different types at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

namespace lockstep {

template <class T>
class model_platform::atomic_ref {
  static_assert(std::is_trivially_copyable_v<T>, "atomic_ref<T> requires trivially copyable T");

 public:
  using value_type = T;
  static constexpr bool is_always_lock_free = std::atomic_ref<T>::is_always_lock_free;
  static constexpr std::size_t required_alignment = std::atomic_ref<T>::required_alignment;

  explicit atomic_ref(T& obj, source_loc loc = source_loc::current()) : p_(&obj) {
    if (reinterpret_cast<std::uintptr_t>(p_) % required_alignment != 0)
      report_failure(failure_kind::misuse,
                     "atomic_ref to an object not aligned to required_alignment (" +
                         std::to_string(required_alignment) + ")",
                     loc);
    rt::shadow& s = rt::shadow_at(p_);
    if (s.state && s.destroy != &destroy) {
      if (s.refs > 0)
        report_failure(failure_kind::misuse,
                       "atomic_ref to an object that atomic_refs of another type refer to", loc);
      s.destroy(s.state);  // another object of another type lived at this address
      s.state = nullptr;
    }
    if (!s.state) {
      s.state = new atomic<T>(obj, typename atomic<T>::object_kind{"atomic_ref"},
                              rt::object::given_key{rt::shadow_key(p_, &destroy)}, loc);
      s.destroy = &destroy;
    }
    a_ = static_cast<atomic<T>*>(s.state);
    const T latest = a_->latest();
    if (s.refs == 0 && std::memcmp(&latest, p_, sizeof(T)) != 0)
      a_->store(obj, std::memory_order_relaxed, loc);  // a plain write since the last ref
    ++s.refs;
  }
  atomic_ref(const atomic_ref& o) : p_(o.p_), a_(o.a_) { ++rt::shadow_at(p_).refs; }
  atomic_ref& operator=(const atomic_ref&) = delete;
  ~atomic_ref() { --rt::shadow_at(p_).refs; }

  bool is_lock_free() const noexcept { return is_always_lock_free; }

  T load(std::memory_order mo = std::memory_order_seq_cst,
         source_loc loc = source_loc::current()) const {
    return a_->load(mo, loc);
  }
  operator T() const { return load(); }
  void store(T v, std::memory_order mo = std::memory_order_seq_cst,
             source_loc loc = source_loc::current()) const {
    a_->store(v, mo, loc);
    write_back();
  }
  T operator=(T v) const {
    store(v);
    return v;
  }
  T exchange(T v, std::memory_order mo = std::memory_order_seq_cst,
             source_loc loc = source_loc::current()) const {
    return written(a_->exchange(v, mo, loc));
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure,
                               source_loc loc = source_loc::current()) const {
    return written(a_->cas(expected, desired, success, failure, loc, false));
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               source_loc loc = source_loc::current()) const {
    return compare_exchange_strong(expected, desired, mo, atomic<T>::failure_order(mo), loc);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure,
                             source_loc loc = source_loc::current()) const {
    return written(a_->cas(expected, desired, success, failure, loc, true));
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order_seq_cst,
                             source_loc loc = source_loc::current()) const {
    return compare_exchange_weak(expected, desired, mo, atomic<T>::failure_order(mo), loc);
  }

  T fetch_add(T d, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const
      requires(std::is_integral_v<T> || std::is_floating_point_v<T>) {
    return written(a_->fetch_add(d, mo, loc));
  }
  T fetch_sub(T d, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const
      requires(std::is_integral_v<T> || std::is_floating_point_v<T>) {
    return written(a_->fetch_sub(d, mo, loc));
  }
  T fetch_and(T d, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const requires std::is_integral_v<T> {
    return written(a_->fetch_and(d, mo, loc));
  }
  T fetch_or(T d, std::memory_order mo = std::memory_order_seq_cst,
             source_loc loc = source_loc::current()) const requires std::is_integral_v<T> {
    return written(a_->fetch_or(d, mo, loc));
  }
  T fetch_xor(T d, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) const requires std::is_integral_v<T> {
    return written(a_->fetch_xor(d, mo, loc));
  }
  T operator++() const requires std::is_integral_v<T> { return fetch_add(1) + 1; }
  T operator++(int) const requires std::is_integral_v<T> { return fetch_add(1); }
  T operator--() const requires std::is_integral_v<T> { return fetch_sub(1) - 1; }
  T operator--(int) const requires std::is_integral_v<T> { return fetch_sub(1); }
  T operator+=(T d) const requires(std::is_integral_v<T> || std::is_floating_point_v<T>) {
    return fetch_add(d) + d;
  }
  T operator-=(T d) const requires(std::is_integral_v<T> || std::is_floating_point_v<T>) {
    return fetch_sub(d) - d;
  }

  void wait(T old, std::memory_order mo = std::memory_order_seq_cst,
            source_loc loc = source_loc::current()) const {
    a_->wait(old, mo, loc);
  }
  void notify_one(source_loc loc = source_loc::current()) const { a_->notify_one(loc); }
  void notify_all(source_loc loc = source_loc::current()) const { a_->notify_all(loc); }

 private:
  static void destroy(void* a) { delete static_cast<atomic<T>*>(a); }
  void write_back() const { *p_ = a_->latest(); }
  template <class R>
  R written(R r) const {
    write_back();
    return r;
  }
  T* p_;
  atomic<T>* a_;  // the shadow
};

}  // namespace lockstep
