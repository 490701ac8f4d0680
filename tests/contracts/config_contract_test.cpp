// Contract tests of Config (config.hpp): version() starts at 0 and each publish adds exactly
// one; two concurrent update()s are both kept (they serialise) and return versions 1 and 2;
// a reader's snapshots are whole (both fields from one publish) and its versions never go
// back while a writer stores; store() replaces the whole configuration and serialises with
// a concurrent update().
#include <lockstep/check.hpp>
#include <lockstep/config.hpp>

#include <cstdint>

using P = lockstep::model_platform;

namespace {
struct Limits {
  int a = 0;
  int b = 0;  // always equal to a in every published configuration
};
}  // namespace

LOCKSTEP_TEST(config_concurrent_updates_serialise) {
  lockstep::Config<Limits, P> cfg(Limits{});
  LOCKSTEP_ASSERT(cfg.version() == 0) << "the initial configuration is version 0";
  std::uint64_t va = 0;
  auto bump = [](Limits& l) {
    l.a += 1;
    l.b += 1;
  };
  P::thread t([&] { va = cfg.update(bump); });
  const std::uint64_t vb = cfg.update(bump);
  t.join();
  LOCKSTEP_ASSERT(va + vb == 3 && va != vb) << "versions " << va << " and " << vb;
  LOCKSTEP_ASSERT(cfg.version() == 2);
  const auto snap = cfg.load();
  LOCKSTEP_ASSERT(snap->a == 2 && snap->b == 2) << "an update was lost: " << snap->a;
}

// A store() racing an update(): they serialise too — the update starts from the stored
// configuration (11) or the store replaces the updated one (10), never an update computed
// from the configuration the store replaced (1).
LOCKSTEP_TEST(config_store_and_update_serialise) {
  lockstep::Config<Limits, P> cfg(Limits{});
  P::thread t([&] { cfg.store(Limits{10, 10}); });
  cfg.update([](Limits& l) {
    l.a += 1;
    l.b += 1;
  });
  t.join();
  const auto snap = cfg.load();
  LOCKSTEP_ASSERT(snap->a == 10 || snap->a == 11) << "the update overwrote the store: " << snap->a;
  LOCKSTEP_ASSERT(cfg.version() == 2);
}

LOCKSTEP_TEST(config_reader_sees_whole_monotone_snapshots) {
  lockstep::Config<Limits, P> cfg(Limits{});
  P::thread writer([&] {
    cfg.store(Limits{1, 1});
    cfg.update([](Limits& l) {
      l.a = 2;
      l.b = 2;
    });
  });
  std::uint64_t last = 0;
  int last_a = 0;
  for (int i = 0; i < 2; ++i) {
    const std::uint64_t v = cfg.version();
    const auto snap = cfg.load();
    LOCKSTEP_ASSERT(snap->a == snap->b) << "a torn configuration";
    LOCKSTEP_ASSERT(v >= last && snap->a >= last_a) << "went back in time";
    last = v;
    last_a = snap->a;
  }
  writer.join();
  LOCKSTEP_ASSERT(cfg.version() == 2 && cfg.load()->a == 2);
}
