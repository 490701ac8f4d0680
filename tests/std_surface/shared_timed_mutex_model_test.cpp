// P::shared_timed_mutex under the checker: readers share, writers exclude, and the timed
// variants explore their timeout branch (as timed_mutex does): code that assumes a timed
// attempt succeeds is caught.
#include <lockstep/check.hpp>

#include <chrono>
#include <mutex>
#include <shared_mutex>

#include "both_engines.hpp"

namespace {

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

}  // namespace

// Two timed writers and a timed reader: whoever gets the lock sees (and leaves) the pair
// consistent; an attempt that times out does nothing.
LOCKSTEP_TEST_BOTH_ENGINES(shared_timed_mutex_timed_attempts_exclude_writers) {
  P::shared_timed_mutex m;
  P::var<int> x{0}, y{0};
  auto writer = [&] {
    if (!m.try_lock_for(1ms)) return;
    x += 1;
    y += 1;
    m.unlock();
  };
  P::thread a(writer), b(writer);
  if (m.try_lock_shared_until(P::clock::now() + 1ms)) {
    LOCKSTEP_ASSERT(x.get() == y.get()) << "read a half-written pair";
    m.unlock_shared();
  }
  a.join();
  b.join();
  LOCKSTEP_ASSERT(x.get() == y.get());
}

// Readers share: a timed shared attempt succeeds while another reader holds the lock.
LOCKSTEP_TEST_BOTH_ENGINES(shared_timed_mutex_readers_share) {
  P::shared_timed_mutex m;
  m.lock_shared();
  P::thread r([&] {
    LOCKSTEP_ASSERT(m.try_lock_shared_for(1ms)) << "a reader excluded a reader";
    m.unlock_shared();
  });
  r.join();
  m.unlock_shared();
}

// BUG: assumes a timed exclusive attempt always succeeds; it times out while a reader holds
// the lock.
LOCKSTEP_TEST_BOTH_ENGINES(shared_timed_mutex_broken_assumes_try_lock_for_succeeds_is_caught,
                           {.expect = failure_kind::assertion}) {
  P::shared_timed_mutex m;
  P::thread r([&] { std::shared_lock g(m); });
  const bool got = m.try_lock_for(1ms);
  LOCKSTEP_ASSERT(got) << "try_lock_for timed out";
  m.unlock();
  r.join();
}

// BUG: assumes a timed shared attempt always succeeds; it times out while a writer holds it.
LOCKSTEP_TEST_BOTH_ENGINES(shared_timed_mutex_broken_assumes_try_lock_shared_for_succeeds_is_caught,
                           {.expect = failure_kind::assertion}) {
  P::shared_timed_mutex m;
  P::thread w([&] { std::lock_guard g(m); });
  const bool got = m.try_lock_shared_for(1ms);
  LOCKSTEP_ASSERT(got) << "try_lock_shared_for timed out";
  m.unlock_shared();
  w.join();
}

// BUG: two readers write the data under the shared lock: shared mode does not exclude them.
LOCKSTEP_TEST_BOTH_ENGINES(shared_timed_mutex_broken_write_under_shared_lock_is_caught,
                           {.expect = failure_kind::data_race}) {
  P::shared_timed_mutex m;
  P::var<int> x{0};
  auto body = [&] {
    std::shared_lock g(m);
    x += 1;
  };
  P::thread a(body), b(body);
  a.join();
  b.join();
}
