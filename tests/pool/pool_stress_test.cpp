// Real-thread stress tests of Future, ThreadPool and ConnectionPool on std_platform (also
// run under ThreadSanitizer). Each is bounded by an operation count and checks the same
// properties as the model tests: no lost task, cancel only before running, callbacks exactly
// once, exceptions carried, as_completed yields each future once, the connection bound; and
// pseudo-random scenarios' histories are checked against models::executor_model and
// models::resource_pool_model.
#include <lockstep/connection_pool.hpp>
#include <lockstep/future.hpp>
#include <lockstep/lincheck/scenario.hpp>
#include <lockstep/models/resource_pool.hpp>
#include <lockstep/test.hpp>
#include <lockstep/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pool_history.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kClients = 4;
constexpr int kWorkers = 3;

struct task_error : std::runtime_error {
  task_error() : std::runtime_error("task failed") {}
};

std::uint32_t next_rand(std::uint32_t& x) {
  x = x * 1664525u + 1013904223u;
  return x >> 8;
}

// A little work per task, so the queue backs up and cancels/callbacks meet tasks in every
// phase (queued, running, finished).
void busy(int n) {
  std::atomic<int> sink{0};
  for (int i = 0; i < n; ++i) sink.fetch_add(i, std::memory_order_relaxed);
}

}  // namespace

// Several clients submit many tasks (some throwing); every result and exception reaches its
// future and every task ran exactly once.
LOCKSTEP_UNIT_TEST(pool_stress_many_submitters) {
  constexpr int kPerClient = 2000;
  std::vector<std::atomic<int>> runs(kClients * kPerClient);
  std::atomic<int> bad{0};
  {
    lockstep::ThreadPool<> pool(kWorkers);
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        std::vector<lockstep::Future<int>> fs;
        for (int i = 0; i < kPerClient; ++i) {
          int id = c * kPerClient + i;
          fs.push_back(pool.submit([&runs, id] {
            runs[static_cast<std::size_t>(id)].fetch_add(1);
            if (id % 7 == 0) throw task_error();
            return id;
          }));
        }
        for (int i = 0; i < kPerClient; ++i) {
          int id = c * kPerClient + i;
          try {
            if (fs[static_cast<std::size_t>(i)].result() != id || id % 7 == 0) bad.fetch_add(1);
          } catch (const task_error&) {
            if (id % 7 != 0) bad.fetch_add(1);
          }
        }
      });
    }
    for (auto& t : clients) t.join();
  }
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " wrong results";
  for (auto& r : runs) LOCKSTEP_ASSERT(r.load() == 1) << "a task ran " << r.load() << " times";
}

// Cancellers race with the workers: a future is cancelled iff its task never ran, and a
// successful cancel() means the task never runs.
LOCKSTEP_UNIT_TEST(pool_stress_cancel_races) {
  constexpr int kTasks = 6000;
  std::vector<std::atomic<int>> runs(kTasks);
  std::vector<lockstep::Future<int>> fs;
  fs.reserve(kTasks);
  std::vector<std::atomic<bool>> cancel_ok(kTasks);
  lockstep::ThreadPool<> pool(kWorkers);
  for (int i = 0; i < kTasks; ++i) {
    fs.push_back(pool.submit([&runs, i] {
      busy(1000);
      runs[static_cast<std::size_t>(i)].fetch_add(1);
      return i;
    }));
  }
  std::vector<std::thread> cancellers;
  for (int c = 0; c < 2; ++c) {
    cancellers.emplace_back([&, c] {
      std::uint32_t x = 99u + static_cast<std::uint32_t>(c);
      for (int i = c; i < kTasks; i += 2) {
        if (next_rand(x) % 2 == 0 && fs[static_cast<std::size_t>(i)].cancel()) {
          cancel_ok[static_cast<std::size_t>(i)].store(true);
        }
      }
    });
  }
  for (auto& t : cancellers) t.join();
  pool.shutdown(true);
  for (std::size_t i = 0; i < fs.size(); ++i) {
    LOCKSTEP_ASSERT(fs[i].done());
    if (fs[i].cancelled()) {
      LOCKSTEP_ASSERT(cancel_ok[i].load()) << "cancelled but no cancel() returned true";
      LOCKSTEP_ASSERT(runs[i].load() == 0) << "cancelled task " << i << " ran";
    } else {
      LOCKSTEP_ASSERT(!cancel_ok[i].load()) << "cancel() returned true but the task ran";
      LOCKSTEP_ASSERT(runs[i].load() == 1);
      LOCKSTEP_ASSERT(fs[i].result() == static_cast<int>(i));
    }
  }
}

// Callbacks are added from several threads while tasks complete (and some are cancelled):
// each runs exactly once.
LOCKSTEP_UNIT_TEST(pool_stress_callbacks_exactly_once) {
  constexpr int kTasks = 4000;
  std::vector<std::atomic<int>> calls(kTasks * 2);
  lockstep::ThreadPool<> pool(kWorkers);
  std::vector<lockstep::Future<int>> fs;
  fs.reserve(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    fs.push_back(pool.submit([i] {
      busy(1000);
      return i;
    }));
  }
  std::vector<std::thread> adders;
  for (int a = 0; a < 2; ++a) {
    adders.emplace_back([&, a] {
      for (int i = 0; i < kTasks; ++i) {
        std::size_t slot = static_cast<std::size_t>(i * 2 + a);
        fs[static_cast<std::size_t>(i)].add_done_callback(
            [&calls, slot](const lockstep::Future<int>& f) {
              if (f.done()) calls[slot].fetch_add(1);
            });
        if (a == 1 && i % 5 == 0) (void)fs[static_cast<std::size_t>(i)].cancel();
      }
    });
  }
  for (auto& t : adders) t.join();
  pool.shutdown(true);
  for (auto& c : calls) LOCKSTEP_ASSERT(c.load() == 1) << "callback ran " << c.load() << " times";
}

// Clients submit until the pool refuses; the main thread shuts down midway (alternating
// cancel_pending): every accepted task ran exactly once or was cancelled — none lost.
LOCKSTEP_UNIT_TEST(pool_stress_shutdown_while_submitting) {
  for (int round = 0; round < 10; ++round) {
    const bool cancel_pending = round % 2 == 1;
    constexpr int kMax = 2000;
    std::vector<std::vector<std::atomic<int>>> runs(kClients);
    for (auto& r : runs) r = std::vector<std::atomic<int>>(kMax);
    std::vector<std::vector<lockstep::Future<int>>> accepted(kClients);
    lockstep::ThreadPool<> pool(2);
    std::atomic<int> started{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        started.fetch_add(1);
        auto& mine = accepted[static_cast<std::size_t>(c)];
        auto& r = runs[static_cast<std::size_t>(c)];
        for (int i = 0; i < kMax; ++i) {
          try {
            mine.push_back(pool.submit([&r, i] {
              r[static_cast<std::size_t>(i)].fetch_add(1);
              return i;
            }));
          } catch (const std::runtime_error&) {
            return;
          }
        }
      });
    }
    while (started.load() < kClients) std::this_thread::yield();
    std::this_thread::sleep_for(100us);
    pool.shutdown(true, cancel_pending);
    for (auto& t : clients) t.join();
    for (int c = 0; c < kClients; ++c) {
      auto& mine = accepted[static_cast<std::size_t>(c)];
      for (std::size_t i = 0; i < mine.size(); ++i) {
        LOCKSTEP_ASSERT(mine[i].done()) << "task lost";
        int ran = runs[static_cast<std::size_t>(c)][i].load();
        if (mine[i].cancelled()) {
          LOCKSTEP_ASSERT(cancel_pending && ran == 0);
        } else {
          LOCKSTEP_ASSERT(ran == 1) << "task ran " << ran << " times";
        }
      }
    }
  }
}

// map keeps input order; as_completed yields each of many futures exactly once, done.
LOCKSTEP_UNIT_TEST(pool_stress_map_and_as_completed) {
  lockstep::ThreadPool<> pool(kWorkers);
  std::vector<int> in(5000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int>(i);
  auto out = pool.map([](int x) { return 3 * x + 1; }, in);
  LOCKSTEP_ASSERT(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) LOCKSTEP_ASSERT(out[i] == 3 * in[i] + 1);

  std::vector<lockstep::Future<int>> fs;
  for (int i = 0; i < 2000; ++i) fs.push_back(pool.submit([i] { return i; }));
  std::vector<int> seen(fs.size());
  for (const auto& f : lockstep::as_completed(fs, 10s)) {
    LOCKSTEP_ASSERT(f.done());
    seen[static_cast<std::size_t>(f.result())] += 1;
  }
  for (int s : seen) LOCKSTEP_ASSERT(s == 1);
}

// Eight threads share three connections: never more than three out, never more than three
// created; broken connections are discarded and replaced; all returned at the end.
LOCKSTEP_UNIT_TEST(connection_pool_stress_bound) {
  constexpr int kThreads = 8;
  constexpr std::size_t kMax = 3;
  struct conn {
    std::atomic<int> users{0};
  };
  std::atomic<int> live{0}, made{0}, out{0}, bad{0}, timeouts{0};
  {
    lockstep::ConnectionPool<conn> pool(kMax, [&] {
      live.fetch_add(1);
      made.fetch_add(1);
      return std::unique_ptr<conn>(new conn);
    });
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
      ts.emplace_back([&, t] {
        std::uint32_t x = 7u + static_cast<std::uint32_t>(t);
        for (int i = 0; i < 3000; ++i) {
          std::optional<lockstep::ConnectionPool<conn>::Lease> lease;
          if (next_rand(x) % 4 == 0) {
            lease = pool.try_acquire_for(50us);
            if (!lease) {
              timeouts.fetch_add(1);
              continue;
            }
          } else {
            lease.emplace(pool.acquire());
          }
          if (out.fetch_add(1) + 1 > static_cast<int>(kMax)) bad.fetch_add(1);
          if ((*lease)->users.fetch_add(1) != 0) bad.fetch_add(1);  // one holder per connection
          (*lease)->users.fetch_sub(1);
          out.fetch_sub(1);
          if (next_rand(x) % 50 == 0) {
            lease->discard();
            live.fetch_sub(1);
          }
        }
      });
    }
    for (auto& th : ts) th.join();
    LOCKSTEP_ASSERT(pool.leased() == 0);
    LOCKSTEP_ASSERT(pool.created() <= kMax);
    LOCKSTEP_ASSERT(pool.idle() == pool.created());
    LOCKSTEP_ASSERT(static_cast<std::size_t>(live.load()) == pool.created());
  }
  LOCKSTEP_ASSERT(bad.load() == 0) << bad.load() << " bound violations";
  LOCKSTEP_ASSERT(made.load() >= 1);
}

// The scenarios of pool_lin_property_test.cpp on real threads: pseudo-random client calls, the
// history (calls, task bodies, shutdown) checked against models::executor_model.
LOCKSTEP_UNIT_TEST(pool_stress_histories_are_linearizable) {
  std::uint32_t seed = 12345;
  for (int round = 0; round < 1000; ++round) {
    lockstep::lin_scenario<pool_history::raw_op> raw;
    raw.threads.resize(2 + next_rand(seed) % 2);
    for (auto& ops : raw.threads) {
      ops.resize(1 + next_rand(seed) % pool_history::kMaxOps);
      for (auto& o : ops)
        o = {static_cast<pool_history::call>(next_rand(seed) % 8),
             static_cast<int>(next_rand(seed) % 3)};
    }
    const auto s = pool_history::resolve(raw);
    const int workers = 1 + round % 2;
    auto h = pool_history::run<lockstep::std_platform>(
        s, [workers] { return std::make_unique<lockstep::ThreadPool<>>(workers); });
    auto r = lockstep::lin::check(pool_history::M{workers}, h);
    LOCKSTEP_ASSERT(r.linearizable()) << "round " << round << ":\n"
                                      << lockstep::lin::describe(r, h);
  }
}

// The connection-pool property of connection_pool_property_test.cpp on real threads: timed
// acquires and releases (of the caller's oldest lease) from three threads, the history checked
// against models::resource_pool_model (never more than N out, never one connection twice).
LOCKSTEP_UNIT_TEST(connection_pool_stress_histories_are_linearizable) {
  constexpr int kSize = 2;
  using M = lockstep::models::resource_pool_model<kSize>;
  struct conn {
    int id;
  };
  struct subject {
    std::atomic<int> next_id{0};
    lockstep::ConnectionPool<conn> pool{
        kSize, [this] { return std::make_unique<conn>(conn{next_id.fetch_add(1)}); }};
    std::mutex m;  // guards `held` (the pool itself needs no lock)
    std::map<std::thread::id, std::deque<lockstep::ConnectionPool<conn>::Lease>> held;
    ~subject() { held.clear(); }  // every lease back before the pool goes

    M::output_type apply(const M::input_type& in) {
      const auto me = std::this_thread::get_id();
      if (in.kind == M::op::acquire) {
        auto l = pool.try_acquire_for(200us);
        if (!l) return {false, -1};
        const int id = (*l)->id;
        std::lock_guard<std::mutex> g(m);
        held[me].push_back(std::move(*l));
        return {true, id};
      }
      std::optional<lockstep::ConnectionPool<conn>::Lease> l;
      {
        std::lock_guard<std::mutex> g(m);
        auto& mine = held[me];
        if (mine.empty()) return {false, -1};
        l.emplace(std::move(mine.front()));
        mine.pop_front();
      }
      const int id = (*l)->id;
      l.reset();  // returned here, inside the release operation
      return {true, id};
    }
  };
  std::uint32_t seed = 99;
  for (int scenario = 0; scenario < 30; ++scenario) {
    lockstep::lin_scenario<M::input_type> s;
    s.threads.resize(3);
    for (auto& ops : s.threads) {
      ops.resize(2 + next_rand(seed) % 3);
      for (auto& in : ops) in.kind = next_rand(seed) % 3 == 0 ? M::op::release : M::op::acquire;
    }
    std::string why;
    auto r = lockstep::stress_history<M>(
        s, [] { return std::make_unique<subject>(); },
        [](subject& c, const M::input_type& in) { return c.apply(in); }, /*rounds=*/15, &why);
    LOCKSTEP_ASSERT(r.linearizable()) << "scenario " << scenario << ":\n" << why;
  }
}
