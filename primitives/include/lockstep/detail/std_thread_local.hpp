// std_platform::thread_local_var<T>: per-object thread-local storage for production.
//
// C++ `thread_local` only exists for variables with static storage duration; primitives
// (e.g. a per-thread token bucket) need one value per (object, thread).
//
// Guarantees
//   * get() returns the calling thread's value for this object, value-initialised on the
//     thread's first use. Values of different objects or threads are never confused: each
//     object has a serial number that is never reused (a new object at a destroyed one's
//     address starts fresh).
//   * A value is destroyed when its thread exits or when its object is destroyed, whichever
//     comes first (in the second case by the destroying thread, like folly::ThreadLocal), so a
//     long-lived thread does not accumulate the values of objects that are gone.
//   * The object must outlive every get() on it, and a value must not be used after its object
//     is destroyed (as for any member).
//
// How
//   Each thread owns a table (serial -> value) guarded by its own mutex, registered in a
//   process-wide list. get() first compares the thread's last lookup (serial, value): a thread
//   that keeps using one object pays one thread-local compare, no lock. A miss takes the
//   thread's own mutex (uncontended unless an object is being destroyed right then). An
//   object's destructor walks the list under the list's mutex and erases its serial from
//   every table; a thread's exit unregisters its table first, then destroys its values.
//   The list is never destroyed, so objects with static storage duration may outlive main.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lockstep {
namespace std_tls_detail {

struct slot_base {
  virtual ~slot_base() = default;
};
template <class T>
struct slot final : slot_base {
  T value{};
};

struct thread_table;

// Every live thread's table. Leaked on purpose (see the header comment).
struct registry {
  std::mutex m;
  std::unordered_set<thread_table*> tables;
  static registry& get() {
    static registry* r = new registry;
    return *r;
  }
};

struct thread_table {
  std::mutex m;  // guards `values`: its thread, and destructors of objects on other threads
  std::unordered_map<std::uint64_t, std::unique_ptr<slot_base>> values;

  thread_table() {
    registry& r = registry::get();
    std::lock_guard<std::mutex> g(r.m);
    r.tables.insert(this);
  }
  ~thread_table() {
    {
      registry& r = registry::get();
      std::lock_guard<std::mutex> g(r.m);
      r.tables.erase(this);
    }
    // No object destructor can reach `values` now; destroy them outside every lock.
  }
};

inline thread_table& table() {
  thread_local thread_table t;
  return t;
}

// The thread's most recent lookup (serial 0: none; serials start at 1). A separate,
// trivially constructible thread_local: reading it needs no initialisation guard (the table's
// constructor would put one on every access).
struct last_lookup {
  std::uint64_t serial;
  slot_base* slot;
};
inline last_lookup& last() {
  constinit thread_local last_lookup l{0, nullptr};
  return l;
}

inline std::uint64_t next_serial() {
  static std::atomic<std::uint64_t> n{1};
  return n.fetch_add(1, std::memory_order_relaxed);
}

// Destroys every thread's value of object `serial` (called by the object's destructor).
inline void erase_everywhere(std::uint64_t serial) {
  std::vector<std::unique_ptr<slot_base>> doomed;
  {
    registry& r = registry::get();
    std::lock_guard<std::mutex> g(r.m);
    for (thread_table* t : r.tables) {
      std::lock_guard<std::mutex> tg(t->m);
      auto it = t->values.find(serial);
      if (it == t->values.end()) continue;
      doomed.push_back(std::move(it->second));
      t->values.erase(it);
      // That thread's last() may still name `serial`: never matched again (not reused).
    }
  }
  // `doomed` destroys the values here, outside the locks (a value's destructor may itself
  // use thread-local storage).
}

}  // namespace std_tls_detail

template <class T>
class std_platform::thread_local_var {
 public:
  thread_local_var() : serial_(std_tls_detail::next_serial()) {}
  thread_local_var(const thread_local_var&) = delete;
  thread_local_var& operator=(const thread_local_var&) = delete;
  ~thread_local_var() { std_tls_detail::erase_everywhere(serial_); }

  // The calling thread's value, value-initialised on first use.
  T& get() {
    auto& last = std_tls_detail::last();
    if (last.serial != serial_) [[unlikely]]
      lookup(last);
    return static_cast<std_tls_detail::slot<T>*>(last.slot)->value;
  }

 private:
  // The slow path, out of line so that get() inlines: the table owns the value (a
  // unique_ptr, so its address is stable).
  [[gnu::noinline]] void lookup(std_tls_detail::last_lookup& last) {
    auto& t = std_tls_detail::table();
    std::lock_guard<std::mutex> g(t.m);
    auto it = t.values.find(serial_);
    if (it == t.values.end())
      it = t.values.emplace(serial_, std::make_unique<std_tls_detail::slot<T>>()).first;
    last = {serial_, it->second.get()};
  }

  std::uint64_t serial_;
};

}  // namespace lockstep
