// Contract tests of ConnectionPool (connection_pool.hpp): at most max_size() leases out and
// connections in existence, a returned connection reused (its return happens-before the next
// lease of it: the connection's own data is not a race); try_acquire_for while another thread
// holds the only lease gives up only at its deadline on the virtual clock, and succeeds once
// the lease was returned before the call; a throwing factory or a failing validator gives the
// unit back; discard() destroys; the statistics read concurrently stay within the bound, also
// while a stale connection is replaced or the factory fails;
// construction at its boundaries. Broken twin: a pool that releases the unit before the
// connection is back in the idle list, so a second connection gets created.
#include <lockstep/check.hpp>
#include <lockstep/connection_pool.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

using P = lockstep::model_platform;
using lockstep::failure_kind;
using namespace std::chrono_literals;

namespace {

struct Conn {
  P::var<int> uses{0};  // touched only by the lease holder
};
using Pool = lockstep::ConnectionPool<Conn, P>;

// A pool of one whose return releases the unit first and then puts the connection back:
// the next acquirer can find no idle connection and create a second one.
class EarlyReleasePool {
 public:
  EarlyReleasePool(std::size_t max, std::function<std::unique_ptr<Conn>()> f)
      : factory_(std::move(f)), units_(static_cast<std::int64_t>(max)) {}
  struct Lease {
    EarlyReleasePool* pool;
    std::unique_ptr<Conn> conn;
    Conn* operator->() const { return conn.get(); }
    ~Lease() {
      pool->units_.release();  // BUG: before the connection is back
      std::lock_guard g(pool->m_);
      pool->idle_.ref().push_back(std::move(conn));
    }
  };
  Lease acquire() {
    units_.acquire();
    {
      std::lock_guard g(m_);
      if (!idle_.cref().empty()) {
        auto c = std::move(idle_.ref().back());
        idle_.ref().pop_back();
        return Lease{this, std::move(c)};
      }
      created_ += 1;
    }
    return Lease{this, factory_()};
  }
  std::size_t created() const {
    std::lock_guard g(m_);
    return created_.get();
  }

 private:
  std::function<std::unique_ptr<Conn>()> factory_;
  lockstep::Semaphore<P> units_;
  mutable P::mutex m_;
  P::var<std::vector<std::unique_ptr<Conn>>> idle_;
  P::var<std::size_t> created_{0};
};

// Two threads lease the pool of one in turn; each uses the connection. One connection is
// ever created, and each use happens-after the previous lease's return.
template <class Pool_>
void one_connection_reused() {
  P::atomic<int> made{0}, out{0};
  Pool_ pool(1, [&] {
    made.fetch_add(1);
    return std::make_unique<Conn>();
  });
  auto user = [&] {
    auto c = pool.acquire();
    LOCKSTEP_ASSERT(out.fetch_add(1) == 0) << "two leases of a pool of one";
    c->uses += 1;
    out.fetch_sub(1);
  };
  P::thread t(user);
  user();
  t.join();
  LOCKSTEP_ASSERT(made.load() == 1 && pool.created() == 1) << made.load() << " connections";
}

}  // namespace

LOCKSTEP_TEST(pool_one_connection_reused) { one_connection_reused<Pool>(); }
LOCKSTEP_TEST(pool_broken_early_release_is_caught, {.expect = failure_kind::assertion}) {
  one_connection_reused<EarlyReleasePool>();
}

// try_acquire_for while the only lease is out: empty only once the deadline has passed; the
// lease returned (holder joined) before the call: a lease, of the same connection.
LOCKSTEP_TEST(pool_try_acquire_for_while_leased) {
  Pool pool(1, [] { return std::make_unique<Conn>(); });
  P::atomic<int> phase{0};  // 1: leased; 2: tried
  P::thread holder([&] {
    auto c = pool.acquire();
    phase.store(1);
    phase.notify_one();
    while (phase.load() == 1) phase.wait(1);
  });
  while (phase.load() == 0) phase.wait(0);
  const auto start = P::clock::now();
  LOCKSTEP_ASSERT(!pool.try_acquire_for(20us)) << "a second lease of a pool of one";
  LOCKSTEP_ASSERT(P::clock::now() >= start + 20us) << "gave up before its deadline";
  LOCKSTEP_ASSERT(pool.leased() == 1 && pool.created() == 1 && pool.idle() == 0);
  phase.store(2);
  phase.notify_one();
  holder.join();
  LOCKSTEP_ASSERT(pool.idle() == 1 && pool.leased() == 0) << "the lease was not returned";
  auto again = pool.try_acquire_for(20us);
  LOCKSTEP_ASSERT(again.has_value()) << "the returned connection was not leased";
  LOCKSTEP_ASSERT(pool.created() == 1) << "a second connection for a free one";
}

// Statistics read while another thread leases and returns: within the bound of 2.
LOCKSTEP_TEST(pool_statistics_read_concurrently) {
  Pool pool(2, [] { return std::make_unique<Conn>(); });
  P::thread t([&] {
    auto a = pool.acquire();
    auto b = pool.acquire();
    b.discard();
  });
  const std::size_t leased = pool.leased(), created = pool.created(), idle = pool.idle();
  LOCKSTEP_ASSERT(leased <= 2 && created <= 2 && idle <= 2)
      << leased << " leased, " << created << " created, " << idle << " idle";
  t.join();
  LOCKSTEP_ASSERT(pool.leased() == 0 && pool.created() == 1 && pool.idle() == 1)
      << "discard() destroys, the other is back";
}

// A stale connection (the validator rejects every reuse) is destroyed and replaced while
// another thread reads the statistics: the counts it drops are updated under the pool's lock,
// and stay within the bound.
LOCKSTEP_TEST(pool_stale_connection_replaced_while_read_concurrently) {
  Pool pool(
      1, [] { return std::make_unique<Conn>(); }, [](Conn&) { return false; });
  P::thread t([&] {
    { auto a = pool.acquire(); }  // fresh
    { auto b = pool.acquire(); }  // the idle one is stale: destroyed, a fresh one made
  });
  const std::size_t leased = pool.leased(), created = pool.created();
  LOCKSTEP_ASSERT(leased <= 1 && created <= 1) << leased << " leased, " << created << " created";
  t.join();
  LOCKSTEP_ASSERT(pool.leased() == 0 && pool.created() == 1 && pool.idle() == 1);
}

// A factory that throws while another thread reads the statistics: the reserved slot is
// given back under the pool's lock.
LOCKSTEP_TEST(pool_factory_failure_while_read_concurrently) {
  P::atomic<int> calls{0};
  Pool pool(1, [&]() -> std::unique_ptr<Conn> {
    if (calls.fetch_add(1) == 0) throw std::runtime_error("connect failed");
    return std::make_unique<Conn>();
  });
  P::thread t([&] {
    bool threw = false;
    try {
      (void)pool.acquire();
    } catch (const std::runtime_error&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw);
  });
  const std::size_t leased = pool.leased(), created = pool.created();
  LOCKSTEP_ASSERT(leased <= 1 && created <= 1) << leased << " leased, " << created << " created";
  t.join();
  LOCKSTEP_ASSERT(pool.leased() == 0 && pool.created() == 0) << "the failed slot was kept";
}

// A throwing factory, a factory returning null and a failing or throwing validator give the
// unit back: the next acquisition of the pool of one succeeds.
LOCKSTEP_TEST(pool_failures_give_the_unit_back) {
  int calls = 0;
  Pool pool(1, [&]() -> std::unique_ptr<Conn> {
    ++calls;
    if (calls == 1) throw std::runtime_error("connect failed");
    if (calls == 2) return nullptr;
    return std::make_unique<Conn>();
  });
  for (int i = 0; i < 2; ++i) {
    bool threw = false;
    try {
      (void)pool.acquire();
    } catch (const std::runtime_error&) {
      threw = true;
    }
    LOCKSTEP_ASSERT(threw && pool.leased() == 0 && pool.created() == 0);
  }
  { auto c = pool.acquire(); }
  LOCKSTEP_ASSERT(calls == 3 && pool.created() == 1 && pool.idle() == 1);

  int validations = 0;
  Pool checked(
      1, [] { return std::make_unique<Conn>(); },
      [&](Conn&) {
        ++validations;
        if (validations == 2) throw std::runtime_error("ping failed");
        return validations != 1;
      });
  { auto c = checked.acquire(); }  // fresh: not validated
  { auto c = checked.acquire(); }  // validation 1 fails: replaced by a fresh one
  LOCKSTEP_ASSERT(validations == 1 && checked.created() == 1);
  bool threw = false;
  try {
    (void)checked.acquire();  // validation 2 throws: destroyed, unit back
  } catch (const std::runtime_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw && checked.created() == 0 && checked.leased() == 0);
  LOCKSTEP_ASSERT(checked.try_acquire_for(1us).has_value()) << "the unit was not given back";
}

LOCKSTEP_TEST(pool_constructor_boundaries) {
  auto throws = [](std::size_t n, Pool::factory_type f) {
    try {
      Pool p(n, std::move(f));
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  auto make = [] { return std::make_unique<Conn>(); };
  LOCKSTEP_ASSERT(throws(0, make)) << "max_size 0";
  LOCKSTEP_ASSERT(throws(1, nullptr)) << "no factory";
  LOCKSTEP_ASSERT(!throws(1, make));
  Pool p(1, make);
  LOCKSTEP_ASSERT(p.max_size() == 1 && p.created() == 0 && p.idle() == 0);
}
