// Lifetime of model objects: a use after destruction, and destroying an object another
// thread waits on or a mutex someone holds, are misuse verdicts (never a crash), each with a
// correct twin that must pass. Every body runs under both engines.
#include <lockstep/check.hpp>

#include <mutex>
#include <optional>
#include <string>

#include "both_engines.hpp"

#include "../support/line_info.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

// The owner destroys the mutex while the worker may still lock it: the worker locks a dead
// mutex, or waits for it (blocked or about to lock) when it is destroyed, or holds it.
void lock_racing_destruction(bool join_first) {
  std::optional<P::mutex> m(std::in_place);
  P::mutex* p = &*m;
  P::thread t([p] { std::lock_guard<P::mutex> g(*p); });
  if (join_first) t.join();
  m.reset();
  if (!join_first) t.join();
}

}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(lock_after_destroy_is_caught, {.expect = failure_kind::misuse}) {
  lock_racing_destruction(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(lock_before_destroy_passes) { lock_racing_destruction(true); }

// A var read through a pointer into an object that its owner has deleted.
namespace {
struct owner {
  P::var<int> x{1};
};
void read_racing_delete(bool join_first) {
  owner* o = P::new_object<owner>();
  const P::var<int>* x = &o->x;
  P::thread t([x] { (void)x->get(); });
  if (join_first) t.join();
  P::delete_object(o);
  if (!join_first) t.join();
}
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(var_read_after_owner_destroyed_is_caught,
                           {.expect = failure_kind::misuse}) {
  read_racing_delete(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(var_read_before_owner_destroyed_passes) { read_racing_delete(true); }

// Destroying a mutex while another thread waits for it: this crashed the scheduler (SIGSEGV)
// before objects tracked their lifetime.
namespace {
void destroy_with_waiter(bool join_first) {
  std::optional<P::mutex> m(std::in_place);
  m->lock();
  P::thread t([&] {
    m->lock();
    m->unlock();
  });
  m->unlock();
  if (join_first) t.join();
  m.reset();
  if (!join_first) t.join();
}
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(destroy_mutex_with_waiter_is_caught, {.expect = failure_kind::misuse}) {
  destroy_with_waiter(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(destroy_mutex_after_waiter_left_passes) { destroy_with_waiter(true); }

// A mutex destroyed while held (its holder finished without unlocking).
namespace {
void destroy_held(bool unlock) {
  std::optional<P::mutex> m(std::in_place);
  P::thread t([&] {
    m->lock();
    if (unlock) m->unlock();
  });
  t.join();
  m.reset();
}
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(destroy_held_mutex_is_caught, {.expect = failure_kind::misuse}) {
  destroy_held(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(destroy_unlocked_mutex_passes) { destroy_held(true); }

// A condition variable destroyed while a thread waits on it (or before the thread's wait).
namespace {
void destroy_cv_racing_wait(bool join_first) {
  P::mutex m;
  std::optional<P::condition_variable> cv(std::in_place);
  P::var<bool> ready{false};
  P::thread t([&] {
    std::unique_lock<P::mutex> l(m);
    while (!ready.get()) cv->wait(l);
  });
  {
    std::lock_guard<P::mutex> g(m);
    ready = true;
  }
  cv->notify_all();
  if (join_first) t.join();
  cv.reset();
  if (!join_first) t.join();
}
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(destroy_cv_with_waiter_is_caught, {.expect = failure_kind::misuse}) {
  destroy_cv_racing_wait(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(destroy_cv_after_waiter_left_passes) { destroy_cv_racing_wait(true); }

// A semaphore destroyed while a thread may still acquire it.
namespace {
void destroy_semaphore_racing_acquire(bool join_first) {
  std::optional<P::binary_semaphore> s(std::in_place, 0);
  P::binary_semaphore* p = &*s;
  P::thread t([p] { p->acquire(); });
  s->release();
  if (join_first) t.join();
  s.reset();
  if (!join_first) t.join();
}
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(destroy_semaphore_with_waiter_is_caught,
                           {.expect = failure_kind::misuse}) {
  destroy_semaphore_racing_acquire(false);
}
LOCKSTEP_TEST_BOTH_ENGINES(destroy_semaphore_after_acquire_passes) {
  destroy_semaphore_racing_acquire(true);
}

// Storage reused by a new object at the same address within one execution (the model heap
// hands the freed block out again): the new object is alive — identity, not address.
LOCKSTEP_TEST_BOTH_ENGINES(new_object_at_a_dead_objects_address_is_alive) {
  auto* a = P::new_object<P::atomic<int>>(1);
  const void* first = a;
  P::delete_object(a);
  auto* b = P::new_object<P::atomic<int>>(2);
  LOCKSTEP_ASSERT(static_cast<const void*>(b) == first);
  LOCKSTEP_ASSERT(b->load() == 2);
  P::delete_object(b);
}

// The verdicts name the object, its creation and destruction lines and the use's line (each
// statement and the __LINE__ that records it share a line).
namespace {
int created_line = 0, destroyed_line = 0, used_line = 0;
// Each statement shares its line with the __LINE__ that records it:
// clang-format off
void lock_after_reset() {
  std::optional<P::mutex> m(std::in_place); created_line = __LINE__;
  P::mutex* volatile p = &*m;  // (volatile: the compiler must not see through the dangling use)
  m.reset(); destroyed_line = __LINE__;
  used_line = __LINE__; p->lock();
}
// clang-format on
bool has(const std::string& report, const std::string& what) {
  return report.find(what) != std::string::npos;
}
std::string at(int line) {
  return "tests/lifetime/lifetime_model_test.cpp:" + std::to_string(line);
}
}  // namespace

LOCKSTEP_UNIT_TEST(use_after_destruction_names_creation_destruction_and_use) {
  lockstep_test::need_line_info();
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    lockstep::model_test_options o;
    o.engine = eng;
    const auto x = lockstep::explore("lock_after_reset", lock_after_reset, o);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: misuse") << x.verdict;
    LOCKSTEP_ASSERT(has(x.report, "mutex#0 used after its destruction")) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "created at " + at(created_line))) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "destroyed at " + at(destroyed_line))) << x.report;
    LOCKSTEP_ASSERT(has(x.report, "used at " + at(used_line))) << x.report;
    LOCKSTEP_ASSERT(!x.token.empty());
  }
}

// The case that crashed the scheduler: the mutex is destroyed while it is held and another
// thread is blocked in lock() on it (the flag makes sure the waiter got there).
namespace {
int waiter_line = 0;
// clang-format off
void destroy_held_with_blocked_waiter() {
  std::optional<P::mutex> m(std::in_place);
  P::atomic<bool> arrived{false};
  m->lock();
  P::thread t([&] {
    arrived.store(true);
    waiter_line = __LINE__; m->lock();
  });
  while (!arrived.load()) P::this_thread::yield();
  m.reset();
  t.join();
}
// clang-format on
}  // namespace

LOCKSTEP_UNIT_TEST(destroying_a_mutex_with_a_blocked_waiter_names_the_waiter) {
  for (auto eng : {lockstep::engine::graph, lockstep::engine::dpor}) {
    lockstep::model_test_options o;
    o.engine = eng;
    const auto x =
        lockstep::explore("destroy_held_with_blocked_waiter", destroy_held_with_blocked_waiter, o);
    LOCKSTEP_ASSERT(x.verdict == "FAIL: misuse") << x.verdict;
    LOCKSTEP_ASSERT(has(x.report,
                        "while locked by thread 0 and while thread 1 waits for it in "
                        "lock at " +
                            at(waiter_line)))
        << x.report;
    LOCKSTEP_ASSERT(!x.token.empty());
  }
}
