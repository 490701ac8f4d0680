// Contract tests of Backoff and SplitMix64 (lockstep/backoff.hpp), one per stated guarantee
// (issue 18 item 5): next() draws from [0, min(cap, base * 2^attempt)] and counts the attempt
// (the ceiling doubles, stops at cap, and the shift saturates at 31), pause() waits exactly
// next() spin pauses plus one yield once the ceiling exceeds cap, reset() restarts the
// sequence, and the default source is deterministic given its seed. Backoff is one object per
// thread, so these are unit tests on a counting platform; the model test runs it under the
// checker with the checker choosing the lengths.
#include <lockstep/backoff.hpp>
#include <lockstep/check.hpp>
#include <lockstep/test.hpp>

#include <cstdint>
#include <vector>

namespace {

// Records every n passed to below(n) and returns n - 1 (the largest allowed value).
struct MaxSource {
  std::vector<std::uint32_t>* ceilings;
  std::uint32_t below(std::uint32_t n) {
    ceilings->push_back(n);
    return n - 1;
  }
};

// A platform that only counts what Backoff calls.
struct CountingPlatform {
  static inline int pauses = 0;
  static inline int yields = 0;
  static void spin_pause() { ++pauses; }
  struct this_thread {
    static void yield() { ++yields; }
  };
};

}  // namespace

LOCKSTEP_UNIT_TEST(backoff_ceiling_doubles_up_to_cap) {
  std::vector<std::uint32_t> seen;
  lockstep::Backoff<CountingPlatform, MaxSource> b(MaxSource{&seen}, {.base = 4, .cap = 20});
  std::vector<std::uint32_t> waits;
  for (int i = 0; i < 5; ++i) waits.push_back(b.next());
  LOCKSTEP_ASSERT((waits == std::vector<std::uint32_t>{4, 8, 16, 20, 20})) << "ceilings";
  LOCKSTEP_ASSERT((seen == std::vector<std::uint32_t>{5, 9, 17, 21, 21})) << "below(n) arguments";
  LOCKSTEP_ASSERT(b.attempts() == 5) << b.attempts();
  b.reset();
  LOCKSTEP_ASSERT(b.attempts() == 0);
  LOCKSTEP_ASSERT(b.next() == 4) << "reset() restarts at base";
}

// The documented defaults: the first ceiling is 4 pauses, the largest 1024.
LOCKSTEP_UNIT_TEST(backoff_default_options) {
  std::vector<std::uint32_t> seen;
  lockstep::Backoff<CountingPlatform, MaxSource> b{MaxSource{&seen}};
  std::vector<std::uint32_t> waits;
  for (int i = 0; i < 10; ++i) waits.push_back(b.next());
  LOCKSTEP_ASSERT(
      (waits == std::vector<std::uint32_t>{4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024}))
      << "default ceilings";
}

LOCKSTEP_UNIT_TEST(backoff_ceiling_equal_to_cap) {
  std::vector<std::uint32_t> seen;
  lockstep::Backoff<CountingPlatform, MaxSource> b(MaxSource{&seen}, {.base = 2, .cap = 8});
  LOCKSTEP_ASSERT(b.next() == 2 && b.next() == 4 && b.next() == 8 && b.next() == 8);
}

// The shift saturates at 31: with base 1 and the largest cap the ceiling reaches 2^31 at the
// 32nd attempt and stays there.
LOCKSTEP_UNIT_TEST(backoff_shift_saturates_at_31) {
  std::vector<std::uint32_t> seen;
  lockstep::Backoff<CountingPlatform, MaxSource> b(MaxSource{&seen},
                                                   {.base = 1, .cap = 0xffffffffu});
  for (int i = 0; i < 31; ++i) b.next();
  LOCKSTEP_ASSERT(seen.back() == (1u << 30) + 1) << seen.back();
  LOCKSTEP_ASSERT(b.next() == (1u << 31)) << "attempt 31";
  LOCKSTEP_ASSERT(b.next() == (1u << 31)) << "attempt 32: the shift stays at 31";
  LOCKSTEP_ASSERT(b.attempts() == 33);
}

// pause() spins exactly next() times; it yields once more only when the ceiling of the next
// attempt is above cap.
LOCKSTEP_UNIT_TEST(backoff_pause_spins_next_and_yields_past_cap) {
  std::vector<std::uint32_t> seen;
  lockstep::Backoff<CountingPlatform, MaxSource> b(MaxSource{&seen}, {.base = 4, .cap = 16});
  CountingPlatform::pauses = CountingPlatform::yields = 0;
  b.pause();  // wait 4; next ceiling 8
  LOCKSTEP_ASSERT(CountingPlatform::pauses == 4 && CountingPlatform::yields == 0)
      << CountingPlatform::pauses << " pauses, " << CountingPlatform::yields << " yields";
  b.pause();  // wait 8; next ceiling 16 == cap: no yield
  LOCKSTEP_ASSERT(CountingPlatform::pauses == 12 && CountingPlatform::yields == 0)
      << CountingPlatform::pauses << " pauses, " << CountingPlatform::yields << " yields";
  b.pause();  // wait 16; next ceiling 32 > cap: yield
  LOCKSTEP_ASSERT(CountingPlatform::pauses == 28 && CountingPlatform::yields == 1)
      << CountingPlatform::pauses << " pauses, " << CountingPlatform::yields << " yields";
}

// Always the shortest wait: pause() then only yields (or not), never spins.
struct ZeroSource {
  std::uint32_t below(std::uint32_t) { return 0; }
};

// The extra yield comes once the ceiling of the next attempt exceeds cap, with the shift
// saturating at 31 there too: base 2, cap 2^31 yields from the 31st pause on; base 1 with the
// largest cap never does (1 << 31 is not above it).
LOCKSTEP_UNIT_TEST(backoff_pause_yield_shift_saturates_at_31) {
  lockstep::Backoff<CountingPlatform, ZeroSource> a(ZeroSource{}, {.base = 2, .cap = 1u << 31});
  CountingPlatform::pauses = CountingPlatform::yields = 0;
  for (int i = 0; i < 30; ++i) a.pause();
  LOCKSTEP_ASSERT(CountingPlatform::yields == 0) << CountingPlatform::yields << " yields";
  a.pause();
  a.pause();
  LOCKSTEP_ASSERT(CountingPlatform::yields == 2) << CountingPlatform::yields << " yields";
  LOCKSTEP_ASSERT(CountingPlatform::pauses == 0) << "a zero wait spun";
  lockstep::Backoff<CountingPlatform, ZeroSource> b(ZeroSource{}, {.base = 1, .cap = 0xffffffffu});
  CountingPlatform::yields = 0;
  for (int i = 0; i < 34; ++i) b.pause();
  LOCKSTEP_ASSERT(CountingPlatform::yields == 0) << CountingPlatform::yields << " yields";
}

// SplitMix64 is the published generator (Steele, Lea, Flood 2014; Vigna's splitmix64.c):
// seeded with 0 its outputs begin 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f.
LOCKSTEP_UNIT_TEST(splitmix64_known_answers) {
  lockstep::SplitMix64 r(0);
  LOCKSTEP_ASSERT(r.next() == 0xe220a8397b1dcdafull);
  LOCKSTEP_ASSERT(r.next() == 0x6e789e6aa1b965f4ull);
  LOCKSTEP_ASSERT(r.next() == 0x06c45d188009454full);
  lockstep::SplitMix64 s(7);
  LOCKSTEP_ASSERT(s.below(1000) == 7191089600892374487ull % 1000);
  LOCKSTEP_ASSERT(s.below(1000) == 309689372594955804ull % 1000);
}

// Deterministic given the seed, and within the full-jitter range.
LOCKSTEP_UNIT_TEST(backoff_default_source_is_deterministic_and_in_range) {
  lockstep::Backoff<CountingPlatform> a(7), b(7), c(8);
  bool differs = false;
  for (std::uint32_t i = 0; i < 12; ++i) {
    const std::uint32_t x = a.next(), y = b.next(), z = c.next();
    LOCKSTEP_ASSERT(x == y) << "same seed, different waits";
    const std::uint64_t ceiling = std::min<std::uint64_t>(1024, 4ull << i);
    LOCKSTEP_ASSERT(x <= ceiling && z <= ceiling) << x << " or " << z << " above " << ceiling;
    differs |= x != z;
  }
  LOCKSTEP_ASSERT(differs) << "seeds 7 and 8 gave the same waits";
  lockstep::SplitMix64 r(1);
  for (std::uint32_t n = 1; n < 20; ++n) LOCKSTEP_ASSERT(r.below(n) < n);
}

// Under the checker: the waits are scheduling points (yields), and an explored source
// (lockstep::choose) makes every wait length a choice; two threads retrying a try_lock with
// backoff both get in.
LOCKSTEP_TEST(backoff_retry_loop_under_checker, {.max_steps = 400}) {
  using P = lockstep::model_platform;
  struct Chosen {
    std::uint32_t below(std::uint32_t n) {
      return static_cast<std::uint32_t>(lockstep::choose(static_cast<int>(n)));
    }
  };
  P::atomic<bool> flag{false};
  P::var<int> n{0};
  auto body = [&] {
    lockstep::Backoff<P, Chosen> b(Chosen{}, {.base = 1, .cap = 2});
    while (flag.exchange(true, std::memory_order_acquire)) b.pause();
    n += 1;
    flag.store(false, std::memory_order_release);
  };
  P::thread t1(body), t2(body);
  t1.join();
  t2.join();
  LOCKSTEP_ASSERT(n.get() == 2);
}
