// std_platform::thread_local_var<T>: per-object thread-local storage for production.
//
// C++ `thread_local` only exists for variables with static storage duration; primitives
// (e.g. a per-thread token bucket) need one value per (object, thread). Each thread keeps a
// small map from object serial number to its value; values are destroyed when their thread
// exits. An object's serial is never reused, so a value can never be confused with a value
// of a destroyed object; values of destroyed objects are reclaimed when their thread exits.
// Each thread also remembers the last (serial, value) it looked up, so a thread that keeps
// using one object (the common case: a per-thread bucket, a lock-rank stack) pays one
// thread-local compare instead of a hash lookup.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace lockstep {
namespace std_tls_detail {

struct slot_base {
  virtual ~slot_base() = default;
};
template <class T>
struct slot final : slot_base {
  T value{};
};

inline std::unordered_map<std::uint64_t, std::unique_ptr<slot_base>>& table() {
  thread_local std::unordered_map<std::uint64_t, std::unique_ptr<slot_base>> t;
  return t;
}

// The calling thread's most recent lookup (serial 0: none; serials start at 1).
struct last_lookup {
  std::uint64_t serial = 0;
  slot_base* slot = nullptr;
};
inline last_lookup& last() {
  thread_local last_lookup l;
  return l;
}

inline std::uint64_t next_serial() {
  static std::atomic<std::uint64_t> n{1};
  return n.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace std_tls_detail

template <class T>
class std_platform::thread_local_var {
 public:
  thread_local_var() : serial_(std_tls_detail::next_serial()) {}
  thread_local_var(const thread_local_var&) = delete;
  thread_local_var& operator=(const thread_local_var&) = delete;

  // The calling thread's value, default-constructed on first use.
  T& get() {
    auto& last = std_tls_detail::last();
    if (last.serial != serial_) {
      // Slow path: the table owns the value (a unique_ptr, so its address is stable).
      auto& t = std_tls_detail::table();
      auto it = t.find(serial_);
      if (it == t.end()) it = t.emplace(serial_, std::make_unique<std_tls_detail::slot<T>>()).first;
      last = {serial_, it->second.get()};
    }
    return static_cast<std_tls_detail::slot<T>*>(last.slot)->value;
  }

 private:
  std::uint64_t serial_;
};

}  // namespace lockstep
