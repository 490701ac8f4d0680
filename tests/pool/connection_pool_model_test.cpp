// Model tests of ConnectionPool (issue 5) under the checker: never more than N leases out,
// lazy creation up to N, every connection returned, timeouts on virtual time, discard and
// validation; and a broken twin that gates on a counter instead of the semaphore.
#include <lockstep/check.hpp>
#include <lockstep/connection_pool.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

struct conn {
  int id;
  bool healthy = true;
};

// Counts leases held at once (checked against the bound) with an atomic, so the monitor
// itself adds no synchronisation between the holders.
struct holders {
  P::atomic<int> now{0};
  void enter(int bound) {
    int n = now.fetch_add(1) + 1;
    LOCKSTEP_ASSERT(n <= bound) << n << " leases out, bound " << bound;
  }
  void leave() { now.fetch_sub(1); }
};

}  // namespace

// Three threads, two connections: at most two leases at once, at most two connections
// created, and after everyone returned: nothing leased, everything idle.
LOCKSTEP_TEST(connection_pool_never_exceeds_bound, {.preemption_bound = 2}) {
  P::atomic<int> next_id{0};
  lockstep::ConnectionPool<conn, P> pool(
      2, [&] { return std::make_unique<conn>(conn{next_id.fetch_add(1)}); });
  holders h;
  auto body = [&] {
    auto c = pool.acquire();
    h.enter(2);
    P::this_thread::yield();
    h.leave();
  };
  P::thread a(body), b(body);
  body();
  a.join();
  b.join();
  LOCKSTEP_ASSERT(pool.leased() == 0) << "a lease was not returned";
  LOCKSTEP_ASSERT(pool.created() <= 2 && next_id.load() <= 2) << "created beyond the bound";
  LOCKSTEP_ASSERT(pool.idle() == pool.created()) << "a connection went missing";
}

// One connection held by A; B's try_acquire_for(1 ms) fails unless A returned it in time.
// The connection is reused, never duplicated.
LOCKSTEP_TEST(connection_pool_try_acquire_for_times_out) {
  int created = 0;
  lockstep::ConnectionPool<conn, P> pool(1,
                                         [&] { return std::make_unique<conn>(conn{created++}); });
  P::atomic<bool> a_done{false};
  P::thread a([&] {
    auto c = pool.acquire();
    P::this_thread::sleep_for(5ms);
    a_done.store(true);
  });
  auto c = pool.try_acquire_for(1ms);
  if (c) {
    LOCKSTEP_ASSERT((*c)->id == 0);
  }
  c.reset();
  a.join();
  LOCKSTEP_ASSERT(created == 1) << "created " << created << " connections for a pool of 1";
  auto d = pool.try_acquire_for(1ms);
  LOCKSTEP_ASSERT(d.has_value()) << "free pool refused a lease";
}

// A discarded lease destroys its connection; a connection that fails validation is replaced;
// the factory's exception reaches the acquirer and gives the unit back.
LOCKSTEP_TEST(connection_pool_discard_validate_and_factory_failure) {
  int created = 0;
  bool fail_next = false;
  lockstep::ConnectionPool<conn, P> pool(
      1,
      [&] {
        if (fail_next) {
          fail_next = false;
          throw std::runtime_error("connect failed");
        }
        return std::make_unique<conn>(conn{created++});
      },
      [](conn& c) { return c.healthy; });
  P::thread t([&] {
    auto c = pool.acquire();
    c.discard();
  });
  t.join();
  LOCKSTEP_ASSERT(pool.created() == 0 && pool.idle() == 0);
  {
    auto c = pool.acquire();
    LOCKSTEP_ASSERT(c->id == 1);
    c->healthy = false;  // goes back idle, fails validation on the next checkout
  }
  {
    auto c = pool.acquire();
    LOCKSTEP_ASSERT(c->id == 2) << "a stale connection was handed out";
    c.discard();  // none idle: the next acquire calls the factory
  }
  fail_next = true;
  P::thread u([&] {
    bool threw = false;
    try {
      (void)pool.acquire();
    } catch (const std::runtime_error&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw);
  });
  u.join();
  auto c = pool.try_acquire_for(0ms);
  LOCKSTEP_ASSERT(c.has_value()) << "the unit was not given back after the factory threw";
}

// Two threads, one connection, each discarding its lease or marking it stale (validator):
// a replacement is created only after the old connection is destroyed, so at most one
// connection is alive at any moment.
LOCKSTEP_TEST(connection_pool_discard_keeps_connection_bound) {
  struct counted {
    P::atomic<int>* live;
    bool healthy = true;
    explicit counted(P::atomic<int>* l) : live(l) {
      int n = live->fetch_add(1) + 1;
      LOCKSTEP_ASSERT(n <= 1) << n << " connections alive, bound 1";
    }
    ~counted() { live->fetch_sub(1); }
  };
  P::atomic<int> live{0};
  lockstep::ConnectionPool<counted, P> pool(
      1, [&] { return std::make_unique<counted>(&live); }, [](counted& c) { return c.healthy; });
  P::thread a([&] {
    auto c = pool.acquire();
    c.discard();
  });
  {
    auto c = pool.acquire();
    c->healthy = false;
  }
  a.join();
  LOCKSTEP_ASSERT(pool.leased() == 0 && pool.created() == static_cast<std::size_t>(live.load()));
}

// ---- broken twin -------------------------------------------------------------------

namespace {

// Gates on a counter instead of the semaphore: check, then increment — two acquirers that
// both see "one slot left" both take it.
class CountingPool {
 public:
  explicit CountingPool(int max) : max_(max) {}
  void acquire() {
    for (;;) {
      if (out_.load() < max_) {  // BUG: the check and the increment are separate steps
        out_.fetch_add(1);
        return;
      }
      P::this_thread::yield();
    }
  }
  void release() { out_.fetch_sub(1); }

 private:
  const int max_;
  P::atomic<int> out_{0};
};

}  // namespace

LOCKSTEP_TEST(broken_connection_pool_without_semaphore_exceeds_bound,
              {.expect = failure_kind::assertion}) {
  CountingPool pool(1);
  holders h;
  auto body = [&] {
    pool.acquire();
    h.enter(1);
    h.leave();
    pool.release();
  };
  P::thread a(body);
  body();
  a.join();
}
