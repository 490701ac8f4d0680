// Runs a thread-pool scenario and records its history for models::executor_model: the clients'
// calls (submit, cancel, done, running, result, result_for, add_done_callback), every task body
// (recorded by the worker that runs it), every done-callback (recorded by the thread that runs
// it) and the final shutdown(wait). Generic over the platform, so the model
// property (under the checker) and the real-thread stress test share it; generic over the
// executor, so the broken twin runs through the same code.
//
// Task ids: 0 is submitted by the main thread before the clients start and is visible to all;
// client c's i-th operation, if a submit, creates task 1 + c * kMaxOps + i, visible to c only.
#pragma once

#include <lockstep/future.hpp>
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/lincheck/scenario.hpp>
#include <lockstep/models/executor.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace pool_history {

using M = lockstep::models::executor_model;
using Input = M::input_type;
using Output = M::output_type;
using outcome = M::outcome;

constexpr int kMaxOps = 4;  // per client
constexpr int kMaxClients = 3;
constexpr int kCallbackClients = 100;  // history client ids of callbacks: 100 + slot
static_assert(1 + kMaxClients * kMaxOps <= M::kMaxTasks);

struct task_error : std::runtime_error {
  task_error() : std::runtime_error("task failed") {}
};

// A generated operation before task ids are known: which call, and for the calls on a future,
// an index into the futures the calling client holds (the shared one, then its own).
enum class call : std::uint8_t {
  submit,
  submit_throwing,
  cancel,
  done,
  running,
  result,
  result_for,
  add_callback
};
struct raw_op {
  call kind = call::submit;
  int target = 0;
  friend std::ostream& operator<<(std::ostream& os, const raw_op& o) {
    static const char* const names[] = {"submit",  "submit_throwing", "cancel",     "done",
                                        "running", "result",          "result_for", "add_callback"};
    return os << names[static_cast<int>(o.kind)] << '[' << o.target << ']';
  }
};

// Resolves targets to task ids (deterministic per client: it depends on the client's own ops).
inline lockstep::lin_scenario<Input> resolve(const lockstep::lin_scenario<raw_op>& raw) {
  lockstep::lin_scenario<Input> s;
  for (std::size_t c = 0; c < raw.threads.size(); ++c) {
    std::vector<int> visible{0};
    auto& ops = s.threads.emplace_back();
    for (std::size_t i = 0; i < raw.threads[c].size(); ++i) {
      const raw_op& o = raw.threads[c][i];
      const int target = visible[static_cast<std::size_t>(o.target) % visible.size()];
      if (o.kind == call::submit || o.kind == call::submit_throwing) {
        const int id = 1 + static_cast<int>(c) * kMaxOps + static_cast<int>(i);
        visible.push_back(id);
        ops.push_back({M::op::submit, id, o.kind == call::submit_throwing});
        continue;
      }
      // The calls on a future, in the order of `call`.
      static constexpr M::op kOnFuture[] = {M::op::cancel, M::op::done,       M::op::running,
                                            M::op::result, M::op::result_for, M::op::add_callback};
      // Callback slots are numbered like task ids (one per client operation).
      const int slot = static_cast<int>(c) * kMaxOps + static_cast<int>(i);
      ops.push_back({kOnFuture[static_cast<int>(o.kind) - static_cast<int>(call::cancel)], target,
                     false, slot});
    }
  }
  return s;
}

// Small client ids for the history: clients 0..n-1, main n, workers n+1... in order of their
// first recorded body. Plain std::mutex: fine in fibers too (no scheduling point inside).
template <class P>
class worker_ids {
 public:
  explicit worker_ids(int first) : first_(first) {}
  int current() {
    std::lock_guard<std::mutex> g(m_);
    const auto me = P::this_thread::get_id();
    for (std::size_t i = 0; i < ids_.size(); ++i)
      if (ids_[i] == me) return first_ + static_cast<int>(i);
    ids_.push_back(me);
    return first_ + static_cast<int>(ids_.size()) - 1;
  }

 private:
  std::mutex m_;
  int first_;
  std::vector<typename P::thread_id> ids_;
};

// One call on a future handle (lockstep::Future or the broken twin's), as a model output.
template <class Handle>
Output observe(const Handle& f, const Input& in) {
  auto yes_no = [](bool b) { return Output{b ? outcome::yes : outcome::no}; };
  switch (in.kind) {
    case M::op::cancel:
      return yes_no(f.cancel());
    case M::op::done:
      return yes_no(f.done());
    case M::op::running:
      return yes_no(f.running());
    case M::op::result:
    case M::op::result_for:
      try {
        const int v =
            in.kind == M::op::result ? f.result() : f.result_for(std::chrono::milliseconds(1));
        return {outcome::value, v};
      } catch (const task_error&) {
        return {outcome::error};
      } catch (const lockstep::future_cancelled&) {
        return {outcome::cancelled};
      } catch (const lockstep::future_timeout&) {
        return {outcome::timeout};
      }
    default:
      break;
  }
  return {};
}

// Runs scenario `s` on the executor make_pool() returns (submit(F) -> handle, shutdown(bool))
// and returns the history. Every thread is joined and the pool shut down before it returns;
// the pool is destroyed before the recorder its tasks write to.
template <class P, class MakePool>
lockstep::lin::history<M> run(const lockstep::lin_scenario<Input>& s, MakePool make_pool) {
  lockstep::lin::recorder<M> rec;
  const int main_client = static_cast<int>(s.threads.size());
  worker_ids<P> workers(main_client + 1);
  auto pool_ptr = make_pool();
  auto& pool = *pool_ptr;
  using Handle = decltype(pool.submit([] { return 0; }));
  // Each slot is written and read by one client only (slot 0 is written before they start).
  std::array<Handle, M::kMaxTasks> futures{};

  auto submit = [&](int client, const Input& in) {
    const auto k = rec.invoke(client, in);
    futures[static_cast<std::size_t>(in.task)] =
        pool.submit([&rec, &workers, id = in.task, fail = in.throws] {
          const auto b = rec.invoke(workers.current(), Input{M::op::body, id});
          rec.respond(b, Output{});
          if (fail) throw task_error();
          return 10 * id;
        });
    rec.respond(k, Output{});
  };
  submit(main_client, Input{M::op::submit, 0});

  std::vector<typename P::thread> clients;
  for (std::size_t c = 0; c < s.threads.size(); ++c) {
    clients.emplace_back([&, c] {
      for (const Input& in : s.threads[c]) {
        if (in.kind == M::op::submit) {
          submit(static_cast<int>(c), in);
          continue;
        }
        if (in.kind == M::op::add_callback) {
          // The callback records itself as client kCallbackClients + slot: it may run inside
          // this call (already done), in a worker, or in a cancelling client.
          const auto k = rec.invoke(static_cast<int>(c), in);
          futures[static_cast<std::size_t>(in.task)].add_done_callback([&rec, in](const auto&) {
            const auto r = rec.invoke(kCallbackClients + in.slot,
                                      Input{M::op::callback, in.task, false, in.slot});
            rec.respond(r, Output{});
          });
          rec.respond(k, Output{});
          continue;
        }
        const auto k = rec.invoke(static_cast<int>(c), in);
        rec.respond(k, observe(futures[static_cast<std::size_t>(in.task)], in));
      }
    });
  }
  for (auto& t : clients) t.join();
  const auto k = rec.invoke(main_client, Input{M::op::shutdown});
  pool.shutdown(true);
  rec.respond(k, Output{});
  return rec.history();
}

}  // namespace pool_history
