// std_platform::thread_local_var on real threads: one value per (object, thread), values of
// different objects never mixed up — also when a thread alternates between objects (the
// one-entry lookup cache must follow) and when a new object reuses a destroyed one's address —
// and values destroyed with their object or their thread, whichever goes first.
#include <lockstep/std_platform.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>
#include <vector>

using tl_int = lockstep::std_platform::thread_local_var<int>;

LOCKSTEP_UNIT_TEST(std_thread_local_values_per_object_and_thread) {
  tl_int a, b;
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        // Alternate between the objects: every get() after the first misses the last lookup.
        a.get() += 1;
        b.get() += 2;
        if (a.get() != i + 1 || b.get() != 2 * (i + 1)) bad.fetch_add(1);
      }
      if (a.get() != 10'000 || b.get() != 20'000) bad.fetch_add(1);
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " mixed-up values";
  LOCKSTEP_ASSERT(a.get() == 0 && b.get() == 0) << "the main thread has values of its own";
}

namespace {

// Constructs objects in the same storage, one after another: the address repeats, the serial
// does not, so the cached lookup of the old object must not answer for the new one. Returns
// the first round whose fresh object saw an old value, or -1.
template <class TL>
int reused_address_round_seeing_old_value() {
  alignas(TL) unsigned char storage[sizeof(TL)];
  int bad_round = -1;
  for (int round = 0; round < 3; ++round) {
    auto* v = new (storage) TL();
    if (v->get() != 0 && bad_round < 0) bad_round = round;
    v->get() = 42 + round;
    v->~TL();
  }
  return bad_round;
}

// Broken twin: per-thread values keyed by the object's address (the obvious design without
// serials), so a new object at a destroyed one's address inherits its value.
class address_keyed_int {
 public:
  int& get() { return table()[this]; }

 private:
  static std::unordered_map<const void*, int>& table() {
    thread_local std::unordered_map<const void*, int> t;
    return t;
  }
};

}  // namespace

LOCKSTEP_UNIT_TEST(std_thread_local_new_object_at_reused_address_starts_fresh) {
  const int bad = reused_address_round_seeing_old_value<tl_int>();
  LOCKSTEP_ASSERT(bad < 0) << "round " << bad << " saw a destroyed object's value";
}

LOCKSTEP_UNIT_TEST(std_thread_local_address_keyed_twin_is_caught) {
  // The check above is not vacuous: address-keyed storage fails it from the second round on.
  LOCKSTEP_ASSERT(reused_address_round_seeing_old_value<address_keyed_int>() == 1);
  lockstep::note_twin_caught("stale value at a reused address");
}

namespace {
std::atomic<int> live_values{0};
struct counted {
  counted() { live_values.fetch_add(1); }
  ~counted() { live_values.fetch_sub(1); }
  int n = 0;
};
}  // namespace

LOCKSTEP_UNIT_TEST(std_thread_local_values_die_with_their_object_or_thread) {
  // Threads that stay alive while objects come and go do not keep the dead objects' values.
  std::mutex m;
  std::condition_variable cv;
  int phase = 0, ready = 0;
  auto wait_phase = [&](int p) {
    std::unique_lock<std::mutex> g(m);
    cv.wait(g, [&] { return phase >= p; });
  };
  auto arrive = [&] {
    std::lock_guard<std::mutex> g(m);
    ++ready;
    cv.notify_all();
  };
  auto next_phase = [&](int threads) {
    std::unique_lock<std::mutex> g(m);
    cv.wait(g, [&] { return ready == threads; });
    ready = 0;
    ++phase;
    cv.notify_all();
  };
  auto obj = std::make_unique<lockstep::std_platform::thread_local_var<counted>>();
  lockstep::std_platform::thread_local_var<counted> survivor;
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t) {
    ts.emplace_back([&] {
      obj->get().n += 1;
      survivor.get().n += 1;
      arrive();
      wait_phase(1);  // main destroys `obj` meanwhile
      survivor.get().n += 1;
      arrive();
      wait_phase(2);
    });
  }
  next_phase(3);
  // 3 values of obj + 3 of survivor; destroying obj destroys its 3 while the threads live.
  LOCKSTEP_ASSERT(live_values.load() == 6) << live_values.load();
  obj.reset();
  LOCKSTEP_ASSERT(live_values.load() == 3) << live_values.load();
  next_phase(3);
  for (auto& th : ts) th.join();
  // The threads exited: their values of the surviving object are gone too.
  LOCKSTEP_ASSERT(live_values.load() == 0) << live_values.load();
}
