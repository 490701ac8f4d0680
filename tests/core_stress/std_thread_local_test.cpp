// std_platform::thread_local_var on real threads: one value per (object, thread), values of
// different objects never mixed up — also when a thread alternates between objects (the
// one-entry lookup cache must follow) and when a new object reuses a destroyed one's address.
#include <lockstep/std_platform.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <memory>
#include <new>
#include <thread>
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

LOCKSTEP_UNIT_TEST(std_thread_local_new_object_at_reused_address_starts_fresh) {
  // Construct objects in the same storage, one after another: the address repeats, the serial
  // does not, so the cached lookup of the old object must not answer for the new one.
  alignas(tl_int) unsigned char storage[sizeof(tl_int)];
  for (int round = 0; round < 3; ++round) {
    auto* v = new (storage) tl_int();
    LOCKSTEP_ASSERT(v->get() == 0) << "round " << round << " saw a destroyed object's value";
    v->get() = 42 + round;
    LOCKSTEP_ASSERT(v->get() == 42 + round);
    v->~tl_int();
  }
}
