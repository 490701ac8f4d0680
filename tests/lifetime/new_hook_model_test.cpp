// The opt-in global operator new/delete hook (lockstep/model_new.hpp): plain new and delete
// in simulated threads go through the model heap. Twins: a leak, a double delete, a use after
// delete through a model atomic, ABA through plain new/delete (LIFO reuse); correct versions
// that allocate freely (std::string, std::vector, std::function, P::thread's own state) and
// use mutexes, condition variables and atomics under both memory models, which must pass:
// the checker's own allocations are not counted.
#include <lockstep/check.hpp>
#include <lockstep/model_new.hpp>  // in this one file of the executable

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "both_engines.hpp"

using P = lockstep::model_platform;
using lockstep::failure_kind;

LOCKSTEP_TEST_BOTH_ENGINES(plain_new_leak_is_caught, {.expect = failure_kind::misuse}) {
  auto* p = new int(1);
  P::thread t([p] { LOCKSTEP_ASSERT(*p == 1); });
  t.join();
}

LOCKSTEP_TEST_BOTH_ENGINES(plain_double_delete_is_caught, {.expect = failure_kind::misuse}) {
  // (A trivially destructible block: a second destructor run on a dead object is undefined
  // before the second free is even reached.)
  int* volatile p = new int(2);
  delete p;
  delete p;  // NOLINT: the bug under test
}

namespace {
struct node {
  P::atomic<int> value{0};
};
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(plain_delete_then_use_is_caught, {.expect = failure_kind::misuse}) {
  auto* n = new node;
  P::thread t([n] { (void)n->value.load(); });
  delete n;
  t.join();
}

namespace {
void busy_but_balanced() {
  P::mutex m;
  P::condition_variable cv;
  P::atomic<int> done{0};
  P::var<int> total{0};
  std::vector<std::string> names;
  auto worker = [&](int k) {
    std::vector<int> v(static_cast<std::size_t>(k) + 3, k);
    std::function<int()> f = [v] { return static_cast<int>(v.size()); };
    auto* boxed = new std::string(10 + k, 'w');
    {
      std::lock_guard<P::mutex> g(m);
      total += f();
      done.fetch_add(1);  // under the lock: the waiter cannot miss the notify
    }
    delete boxed;
    cv.notify_all();
  };
  P::thread a(worker, 1), b(worker, 2);
  {
    std::unique_lock<P::mutex> l(m);
    while (done.load() < 2) cv.wait(l);
    names.push_back("both workers finished, and this string needs a heap block");
  }
  a.join();
  b.join();
  LOCKSTEP_ASSERT(total.get() == 4 + 5);
}
}  // namespace

LOCKSTEP_TEST_BOTH_ENGINES(balanced_allocations_pass) { busy_but_balanced(); }
LOCKSTEP_TEST_BOTH_ENGINES(balanced_allocations_pass_c11, {.memory = lockstep::memory_model::c11}) {
  busy_but_balanced();
}
