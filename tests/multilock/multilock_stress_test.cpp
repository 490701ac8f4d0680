// Real-thread stress tests (std_platform, also run under ThreadSanitizer) of multi_lock,
// bank, once and backoff: the invariants of the model tests, on many more operations.
#include <lockstep/backoff.hpp>
#include <lockstep/bank.hpp>
#include <lockstep/multi_lock.hpp>
#include <lockstep/once.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/run_threads.hpp"

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr int kScale = 1;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr int kScale = 1;
#else
constexpr int kScale = 50;
#endif
#else
constexpr int kScale = 50;
#endif

constexpr int kThreads = 4;

using lockstep_test::run_threads;

}  // namespace

// Random transfers in every direction (many between the same two accounts in opposite
// directions) with concurrent snapshots: no deadlock, the total never changes, no balance
// goes negative, and some transfers are refused for lack of funds.
LOCKSTEP_UNIT_TEST(bank_stress_random_transfers) {
  constexpr std::size_t kAccounts = 6;
  constexpr lockstep::Bank<>::amount_type kInitial = 100;
  lockstep::Bank<> bank(kAccounts, kInitial);
  std::atomic<long> refused{0}, bad_snapshots{0};
  run_threads(kThreads, [&](int id) {
    lockstep::SplitMix64 rng(static_cast<std::uint64_t>(id) * 7919 + 1);
    for (int i = 0; i < 2000 * kScale; ++i) {
      const auto from = rng.below(kAccounts);
      const auto to = rng.below(kAccounts);
      if (!bank.transfer(from, to, 1 + rng.below(60))) refused.fetch_add(1);
      if (i % 64 == 0 && bank.total_balance() != kInitial * static_cast<long>(kAccounts))
        bad_snapshots.fetch_add(1);
    }
  });
  LOCKSTEP_ASSERT(bad_snapshots.load() == 0) << bad_snapshots.load() << " inconsistent snapshots";
  LOCKSTEP_ASSERT(bank.total_balance() == kInitial * static_cast<long>(kAccounts));
  for (std::size_t i = 0; i < kAccounts; ++i) LOCKSTEP_ASSERT(bank.balance(i) >= 0);
  LOCKSTEP_ASSERT(refused.load() > 0) << "the workload never hit an insufficient balance";
}

LOCKSTEP_UNIT_TEST(bank_rejects_bad_arguments) {
  lockstep::Bank<> bank(2, 5);
  bool threw = false;
  try {
    bank.transfer(0, 1, 0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  threw = false;
  try {
    bank.transfer(0, 2, 1);
  } catch (const std::out_of_range&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  LOCKSTEP_ASSERT(bank.transfer(1, 1, 5)) << "self-transfer of available funds";
  LOCKSTEP_ASSERT(!bank.transfer(1, 1, 6));
  LOCKSTEP_ASSERT(bank.total_balance() == 10);
}

// Every thread locks a random subset of the locks, named in random order, with either
// strategy; a per-lock owner check detects overlap.
LOCKSTEP_UNIT_TEST(multi_lock_stress_both_strategies) {
  constexpr int kLocks = 4;
  std::mutex ms[kLocks];
  long counters[kLocks] = {};  // plain: protected by ms[i] (TSan checks it)
  std::atomic<long> expected{0};
  run_threads(kThreads, [&](int id) {
    lockstep::SplitMix64 rng(static_cast<std::uint64_t>(id) + 99);
    long mine = 0;
    for (int i = 0; i < 1000 * kScale; ++i) {
      const int a = static_cast<int>(rng.below(kLocks));
      const int b = static_cast<int>(rng.below(kLocks));
      const int c = static_cast<int>(rng.below(kLocks));
      if (i % 2 == 0) {
        lockstep::OrderedLockGuard<std::mutex> g({&ms[a], &ms[b], &ms[c]});
        ++counters[a];
        if (b != a) ++counters[b], ++mine;
        if (c != a && c != b) ++counters[c], ++mine;
        ++mine;
      } else if (a != b) {
        lockstep::lock_backoff(ms[a], ms[b]);
        ++counters[a];
        ++counters[b];
        mine += 2;
        ms[a].unlock();
        ms[b].unlock();
      }
    }
    expected.fetch_add(mine);
  });
  long total = 0;
  for (long c : counters) total += c;
  LOCKSTEP_ASSERT(total == expected.load())
      << "lost updates: " << total << " of " << expected.load();
}

LOCKSTEP_UNIT_TEST(ranked_mutex_std_platform) {
  lockstep::RankedMutex<> low(1), high(2);
  long n = 0;
  run_threads(kThreads, [&](int) {
    for (int i = 0; i < 1000 * kScale; ++i) {
      lockstep::OrderedLockGuard<lockstep::RankedMutex<>> g({&high, &low});
      ++n;
    }
  });
  LOCKSTEP_ASSERT(n == static_cast<long>(kThreads) * 1000 * kScale);
  // Out of order on this thread: rejected, nothing acquired, the held set is unchanged.
  std::lock_guard<lockstep::RankedMutex<>> g(high);
  bool threw = false;
  try {
    low.lock();
  } catch (const lockstep::lock_order_error&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw);
  LOCKSTEP_ASSERT(low.try_lock()) << "the rejected lock() must not hold the mutex";
  low.unlock();
}

// Many threads race to initialise; one initializer run, everybody sees the value.
LOCKSTEP_UNIT_TEST(lazy_stress_many_threads) {
  for (int round = 0; round < 20 * kScale; ++round) {
    std::atomic<int> calls{0};
    lockstep::Lazy<std::vector<int>> lazy([&] {
      calls.fetch_add(1);
      return std::vector<int>(64, 42);
    });
    std::atomic<int> wrong{0};
    run_threads(kThreads, [&](int) {
      const auto& v = lazy.get();
      if (v.size() != 64 || v[63] != 42) wrong.fetch_add(1);
    });
    LOCKSTEP_ASSERT(calls.load() == 1);
    LOCKSTEP_ASSERT(wrong.load() == 0);
  }
}

LOCKSTEP_UNIT_TEST(call_once_retries_after_exception_std) {
  lockstep::OnceFlag<> flag;
  std::atomic<int> calls{0}, failures{0};
  int value = 0;  // written by the initializer, read after call_once (TSan checks it)
  std::atomic<int> wrong{0};
  run_threads(kThreads, [&](int) {
    for (;;) {
      try {
        lockstep::call_once(flag, [&] {
          if (calls.fetch_add(1) < 3) throw std::runtime_error("transient");
          value = 5;
        });
        if (value != 5) wrong.fetch_add(1);
        return;
      } catch (const std::runtime_error&) {
        failures.fetch_add(1);
      }
    }
  });
  LOCKSTEP_ASSERT(calls.load() == 4);
  LOCKSTEP_ASSERT(failures.load() == 3);
  LOCKSTEP_ASSERT(wrong.load() == 0);
}

// The jitter stays within the doubling ceiling, reaches it, and reset() starts over.
LOCKSTEP_UNIT_TEST(backoff_draws_within_ceiling) {
  lockstep::Backoff<> b(7, {.base = 2, .cap = 64});
  std::uint32_t max_seen = 0;
  for (int round = 0; round < 200; ++round) {
    b.reset();
    for (std::uint32_t k = 0; k < 10; ++k) {
      const std::uint64_t ceiling = std::min<std::uint64_t>(64, std::uint64_t{2} << k);
      const std::uint32_t d = b.next();
      LOCKSTEP_ASSERT(d <= ceiling) << "attempt " << k << ": " << d << " > " << ceiling;
      if (k == 9 && d > max_seen) max_seen = d;
    }
    LOCKSTEP_ASSERT(b.attempts() == 10);
  }
  LOCKSTEP_ASSERT(max_seen > 32) << "draws never approach the cap";
}

// Polite workers with randomised backoff on real threads: both finish, many times over.
LOCKSTEP_UNIT_TEST(backoff_polite_workers_finish) {
  std::mutex r1, r2;
  long uses = 0;
  std::atomic<int> ready{0};
  std::atomic<long> collisions{0};
  auto worker = [&](std::mutex& mine, std::mutex& other, std::uint64_t seed) {
    lockstep::Backoff<> backoff(seed, {.base = 4, .cap = 256});
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();  // start together: collide
    for (int i = 0; i < 500 * kScale; ++i) {
      backoff.reset();
      for (;;) {
        mine.lock();
        if (other.try_lock()) break;
        mine.unlock();
        collisions.fetch_add(1, std::memory_order_relaxed);
        backoff.pause();
      }
      ++uses;
      other.unlock();
      mine.unlock();
    }
  };
  std::thread a(worker, std::ref(r1), std::ref(r2), 1), b(worker, std::ref(r2), std::ref(r1), 2);
  a.join();
  b.join();
  LOCKSTEP_ASSERT(uses == 2L * 500 * kScale);
  std::printf("backoff_polite_workers_finish: %ld collisions in %ld uses\n", collisions.load(),
              uses);
}
