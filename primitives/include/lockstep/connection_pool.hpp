// lockstep/connection_pool.hpp — a bounded pool of reusable connections (or any expensive
// resource), handed out as RAII leases.
//
// Guarantees
//   * Bound: at most max_size() leases are outstanding at any time, and at most max_size()
//     connections exist. A counting semaphore (lockstep::Semaphore<P>) with max_size() units
//     is the gate: a lease holds one unit from acquire until it is returned, so the bound
//     does not depend on the bookkeeping under the mutex being read at the right moment.
//   * Lazy creation: the factory is called only when no idle connection is available and
//     fewer than max_size() exist; it runs outside the pool's mutex (it may be slow). If it
//     throws, the unit is given back and the exception propagates to the acquirer.
//   * Every connection is returned: the Lease's destructor puts the connection back (or
//     destroys it after discard()) and releases the unit; a release happens-before the
//     acquire that reuses the connection. An optional validator runs (outside the mutex)
//     on an idle connection before it is handed out again; a connection that fails it is
//     destroyed and replaced (if the validator throws, the connection is destroyed, the
//     unit given back and the exception propagates).
//   * acquire() blocks; try_acquire_for(d) returns an empty optional after d (P::clock).
//   * Misuse: destroying the pool while leases are outstanding aborts the program (the
//     leases would point into a dead pool) — return every lease first.
//
// Usage
//   lockstep::ConnectionPool<Db> pool(4, [] { return std::make_unique<Db>("host=..."); },
//                                     [](Db& db) { return db.ping(); });
//   {
//     auto c = pool.acquire();     // blocks while 4 leases are out
//     c->query("...");
//     if (c->broken()) c.discard();
//   }                              // returned here
//   if (auto c = pool.try_acquire_for(std::chrono::milliseconds(50))) (*c)->query("...");
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lockstep/semaphore.hpp"
#include "lockstep/std_platform.hpp"

namespace lockstep {

template <class Conn, class P = std_platform>
class ConnectionPool {
 public:
  using factory_type = std::function<std::unique_ptr<Conn>()>;
  using validator_type = std::function<bool(Conn&)>;

  // A borrowed connection; returned to the pool when destroyed (move-only).
  class Lease {
   public:
    Lease(Lease&& o) noexcept
        : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)), broken_(o.broken_) {}
    Lease& operator=(Lease&& o) noexcept {
      if (this != &o) {
        reset();
        pool_ = std::exchange(o.pool_, nullptr);
        conn_ = std::move(o.conn_);
        broken_ = o.broken_;
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { reset(); }

    Conn& operator*() const noexcept { return *conn_; }
    Conn* operator->() const noexcept { return conn_.get(); }
    Conn* get() const noexcept { return conn_.get(); }
    // The connection is broken: destroy it on return instead of pooling it.
    void discard() noexcept { broken_ = true; }
    // Returns the connection now (the lease becomes empty).
    void reset() noexcept {
      if (pool_ != nullptr) std::exchange(pool_, nullptr)->give_back(std::move(conn_), broken_);
    }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Conn> c) : pool_(pool), conn_(std::move(c)) {}
    ConnectionPool* pool_;
    std::unique_ptr<Conn> conn_;
    bool broken_ = false;
  };

  ConnectionPool(std::size_t max_size, factory_type factory, validator_type validator = {})
      : max_(max_size),
        factory_(std::move(factory)),
        validator_(std::move(validator)),
        units_(static_cast<std::int64_t>(max_size)) {
    if (max_size == 0) throw std::invalid_argument("ConnectionPool max_size must be at least 1");
    if (!factory_) throw std::invalid_argument("ConnectionPool needs a factory");
    // give_back() is noexcept: with room for every connection reserved, its push_back
    // never allocates.
    idle_.ref().reserve(max_size);
  }
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool() {
    std::lock_guard<typename P::mutex> g(m_);
    if (leased_.get() != 0) {
      std::fprintf(stderr, "lockstep::ConnectionPool destroyed with %zu lease(s) outstanding\n",
                   leased_.get());
      std::abort();
    }
  }

  Lease acquire() {
    units_.acquire();
    return checkout();
  }
  template <class Rep, class Period>
  std::optional<Lease> try_acquire_for(std::chrono::duration<Rep, Period> d) {
    if (!units_.try_acquire_for(d)) return std::nullopt;
    return checkout();
  }

  std::size_t max_size() const noexcept { return max_; }
  // Snapshots (may be stale as soon as they return).
  std::size_t leased() const {
    std::lock_guard<typename P::mutex> g(m_);
    return leased_.get();
  }
  std::size_t created() const {
    std::lock_guard<typename P::mutex> g(m_);
    return created_.get();
  }
  std::size_t idle() const {
    std::lock_guard<typename P::mutex> g(m_);
    return idle_.cref().size();
  }

 private:
  // Called holding one semaphore unit; on any exception the unit is given back.
  Lease checkout() {
    try {
      for (;;) {
        std::unique_ptr<Conn> c;
        {
          std::lock_guard<typename P::mutex> g(m_);
          if (!idle_.cref().empty()) {
            c = std::move(idle_.ref().back());
            idle_.ref().pop_back();
          } else {
            // Reserve the slot before creating outside the lock, so a concurrent checkout
            // cannot also decide it may create one. The unit we hold guarantees room.
            created_ += 1;
          }
          leased_ += 1;
        }
        if (!c) {
          try {
            c = factory_();
            if (!c) throw std::runtime_error("ConnectionPool factory returned null");
          } catch (...) {
            std::lock_guard<typename P::mutex> g(m_);
            created_ -= 1;
            leased_ -= 1;
            throw;
          }
          return Lease(this, std::move(c));
        }
        bool ok = false;
        try {
          ok = !validator_ || validator_(*c);
        } catch (...) {
          forget(std::move(c));  // a validator that throws condemns the connection too
          throw;
        }
        if (ok) return Lease(this, std::move(c));
        // Stale: destroy it and try the next idle one or a fresh one.
        forget(std::move(c));
      }
    } catch (...) {
      units_.release();
      throw;
    }
  }

  // Destroys a checked-out connection (outside the lock: a close may be slow) and drops it
  // from the counts; the caller still holds the unit.
  void forget(std::unique_ptr<Conn> c) {
    c.reset();
    std::lock_guard<typename P::mutex> g(m_);
    created_ -= 1;
    leased_ -= 1;
  }

  void give_back(std::unique_ptr<Conn> c, bool broken) noexcept {
    if (broken) c.reset();  // destroyed outside the lock: a close may be slow
    {
      std::lock_guard<typename P::mutex> g(m_);
      if (broken) {
        created_ -= 1;
      } else {
        idle_.ref().push_back(std::move(c));
      }
      leased_ -= 1;
    }
    // After the connection is back: the next acquirer finds it idle.
    units_.release();
  }

  const std::size_t max_;
  factory_type factory_;
  validator_type validator_;
  Semaphore<P> units_;
  mutable typename P::mutex m_;
  typename P::template var<std::vector<std::unique_ptr<Conn>>> idle_;
  typename P::template var<std::size_t> created_{0};
  typename P::template var<std::size_t> leased_{0};
};

}  // namespace lockstep
