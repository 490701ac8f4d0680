// lockstep/rt/model_once.hpp — model_platform::once_flag and model_platform::call_once:
// std::once_flag / std::call_once under the checker (included by lockstep/model_platform.hpp).
//
// Guarantees (as std::call_once): of all the calls on one flag, exactly one *returning*
// call runs its callable, and its completion happens-before the return of every call on
// the flag; a call whose callable throws is an *exceptional* call: it leaves the flag unset
// and rethrows, and another call (a waiting or a later one) then runs its own callable.
// Callers that find a call running wait for it to finish.
// Explored: the flag is an atomic state (unset, running, done) with the modelled futex:
// claiming it is a CAS step, waiters sleep until the running call finishes or fails, and
// spurious returns of that sleep are explored (the call re-checks). Works under both
// engines and under memory_model::c11 (acquire on every read of the state, release when
// the call ends).
#pragma once

#include <exception>
#include <functional>
#include <utility>

namespace lockstep {

class model_platform::once_flag {
 public:
  constexpr once_flag(source_loc loc = source_loc::current()) noexcept
      : state_(kUnset, atomic<int>::object_kind{"once_flag"}, loc) {}
  once_flag(const once_flag&) = delete;
  once_flag& operator=(const once_flag&) = delete;

  // lockstep::name (lockstep/name.hpp)
  void set_name(const char* label) noexcept { state_.set_name(label); }

 private:
  friend struct model_platform;
  static constexpr int kUnset = 0, kRunning = 1, kDone = 2;
  atomic<int> state_;
};

template <class Callable, class... Args>
void model_platform::call_once(once_flag& flag, Callable&& f, Args&&... args) {
  auto& s = flag.state_;
  for (;;) {
    int seen = s.load(std::memory_order_acquire);
    if (seen == once_flag::kDone) return;
    if (seen == once_flag::kRunning) {
      s.wait(once_flag::kRunning, std::memory_order_acquire);
      continue;
    }
    if (!s.compare_exchange_strong(seen, once_flag::kRunning, std::memory_order_acquire)) {
      spin_pause();  // another call claimed it first: look again (and see its latest state)
      continue;
    }
    try {
      std::invoke(std::forward<Callable>(f), std::forward<Args>(args)...);
    } catch (...) {
      s.store(once_flag::kUnset, std::memory_order_release);
      s.notify_all();
      throw;
    }
    s.store(once_flag::kDone, std::memory_order_release);
    s.notify_all();
    return;
  }
}

}  // namespace lockstep
