// Property test of ThreadPool + Future: rapidcheck generates scenarios — a pool of 1 or 2
// workers, one task submitted up front and shared, and two client threads each running 1-3
// operations (submit, submit a throwing task, cancel, result, add_done_callback) on the shared
// future and their own — and the model checker runs 300 seeded random schedules of each
// scenario. In every execution: each task ran at most once, and exactly once
// unless its future is cancelled; cancel() returned true only for futures that end
// cancelled; result() gives the task's value, its exception, or future_cancelled exactly
// when cancelled; each callback ran exactly once. pool_lin_property_test.cpp checks the calls
// against a sequential model (models::executor_model); this test is where done-callbacks,
// which that model cannot express, are checked.
#include <rapidcheck.h>
#include <lockstep/check.hpp>
#include <lockstep/test.hpp>
#include <lockstep/thread_pool.hpp>

#include <array>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using P = lockstep::model_platform;

struct task_error : std::runtime_error {
  task_error() : std::runtime_error("task failed") {}
};

enum class op_kind { submit, submit_throwing, cancel, result, callback };

struct op {
  op_kind kind;
  int target;  // cancel/result/callback: index into the futures this thread can see
};

struct scenario {
  int workers;
  std::array<std::vector<op>, 2> clients;
};

const char* name(op_kind k) {
  switch (k) {
    case op_kind::submit:
      return "submit";
    case op_kind::submit_throwing:
      return "submit_throwing";
    case op_kind::cancel:
      return "cancel";
    case op_kind::result:
      return "result";
    case op_kind::callback:
      return "callback";
  }
  return "?";
}

std::string show(const scenario& s) {
  std::ostringstream os;
  os << "workers=" << s.workers << "\n";
  for (std::size_t c = 0; c < 2; ++c) {
    os << "client " << c << ":";
    for (const op& o : s.clients[c]) os << " " << name(o.kind) << "(" << o.target << ")";
    os << "\n";
  }
  return os.str();
}

rc::Gen<op> gen_op() {
  return rc::gen::apply(
      [](int k, int t) {
        return op{static_cast<op_kind>(k), t};
      },
      rc::gen::inRange(0, 5), rc::gen::inRange(0, 3));
}

// Task ids: 0 is the shared task, client c's i-th submit is 1 + c * 3 + i.
constexpr int kMaxOps = 3;
constexpr int kTasks = 1 + 2 * kMaxOps;

void run_scenario(const scenario& s) {
  std::array<P::atomic<int>, kTasks> runs{};
  std::array<P::atomic<int>, kTasks> cancel_true{};
  std::array<bool, kTasks> throws{};
  // One counter per possible callback registration (client, op index).
  std::array<P::atomic<int>, 2 * kMaxOps> callbacks{};
  std::array<bool, 2 * kMaxOps> registered{};
  std::array<lockstep::Future<int, P>, kTasks> futures;

  lockstep::ThreadPool<P> pool(static_cast<std::size_t>(s.workers));
  auto task = [&runs](int id, bool fail) {
    return [&runs, id, fail] {
      runs[static_cast<std::size_t>(id)].fetch_add(1);
      if (fail) throw task_error();
      return id * 10;
    };
  };
  futures[0] = pool.submit(task(0, false));

  auto client = [&](int c) {
    std::vector<int> visible{0};  // task ids this thread holds futures for
    const auto& ops = s.clients[static_cast<std::size_t>(c)];
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const op& o = ops[i];
      const int id = visible[static_cast<std::size_t>(o.target) % visible.size()];
      auto& f = futures[static_cast<std::size_t>(id)];
      switch (o.kind) {
        case op_kind::submit:
        case op_kind::submit_throwing: {
          const int nid = 1 + c * kMaxOps + static_cast<int>(i);
          const bool fail = o.kind == op_kind::submit_throwing;
          throws[static_cast<std::size_t>(nid)] = fail;
          futures[static_cast<std::size_t>(nid)] = pool.submit(task(nid, fail));
          visible.push_back(nid);
          break;
        }
        case op_kind::cancel:
          if (f.cancel()) cancel_true[static_cast<std::size_t>(id)].fetch_add(1);
          break;
        case op_kind::result:
          try {
            int v = f.result();
            LOCKSTEP_ASSERT(v == id * 10 && !throws[static_cast<std::size_t>(id)])
                << "task " << id << " result " << v;
          } catch (const task_error&) {
            LOCKSTEP_ASSERT(throws[static_cast<std::size_t>(id)]) << "spurious exception";
          } catch (const lockstep::future_cancelled&) {
            LOCKSTEP_ASSERT(f.cancelled()) << "future_cancelled from a future not cancelled";
          }
          break;
        case op_kind::callback: {
          const std::size_t slot = static_cast<std::size_t>(c * kMaxOps) + i;
          registered[slot] = true;
          f.add_done_callback([&callbacks, slot](const lockstep::Future<int, P>& g) {
            LOCKSTEP_ASSERT(g.done()) << "callback before completion";
            callbacks[slot].fetch_add(1);
          });
          break;
        }
      }
    }
  };
  P::thread other(client, 1);
  client(0);
  other.join();
  pool.shutdown(true);

  for (std::size_t id = 0; id < kTasks; ++id) {
    if (!futures[id].valid()) continue;
    const auto& f = futures[id];
    LOCKSTEP_ASSERT(f.done()) << "task " << id << " lost";
    if (f.cancelled()) {
      LOCKSTEP_ASSERT(runs[id].load() == 0) << "cancelled task " << id << " ran";
    } else {
      LOCKSTEP_ASSERT(runs[id].load() == 1) << "task " << id << " ran " << runs[id].load() << "x";
      LOCKSTEP_ASSERT(cancel_true[id].load() == 0) << "cancel() true, but task " << id << " ran";
    }
  }
  for (std::size_t k = 0; k < registered.size(); ++k) {
    if (!registered[k]) continue;
    LOCKSTEP_ASSERT(callbacks[k].load() == 1)
        << "callback " << k << " ran " << callbacks[k].load() << "x";
  }
}

}  // namespace

LOCKSTEP_UNIT_TEST(thread_pool_generated_scenarios_keep_future_invariants) {
  const std::string description = "ThreadPool generated scenarios keep the future invariants";
  bool ok = rc::check(description, [&] {
    scenario s;
    s.workers = *rc::gen::inRange(1, 3);
    for (auto& c : s.clients)
      c = *rc::gen::container<std::vector<op>>(
          static_cast<std::size_t>(*rc::gen::inRange(1, kMaxOps + 1)), gen_op());
    // Random mode: with up to five simulated threads (two workers, two clients, main) and
    // timeouts/spurious wake-ups as choices, even a preemption bound of 1 leaves ~1e30
    // schedules; the exhaustive coverage lives in thread_pool_model_test.cpp.
    lockstep::model_test_options mo;
    mo.iterations = 300;
    mo.max_steps = 5'000;
    lockstep::exploration e = lockstep::explore(
        description, [s] { run_scenario(s); }, mo, /*exhaustive=*/false);
    if (!e.passed) RC_FAIL("scenario:\n" + show(s) + e.verdict + "\n" + e.report);
  });
  LOCKSTEP_ASSERT(ok) << "rapidcheck found a scenario violating a future invariant (see above)";
}
