// Model tests of Config under the checker: readers never see a torn configuration, updates
// are never lost, versions never go backwards; the in-place field-by-field twin is caught.
#include <lockstep/check.hpp>
#include <lockstep/config.hpp>

#include <cstdint>
#include <mutex>

using P = lockstep::model_platform;
using lockstep::failure_kind;

namespace {

// Two fields that must always agree: b == 2 * a, and gen counts the updates that built it.
struct Settings {
  int a = 0;
  int b = 0;
  int gen = 0;
};

void check_consistent(const Settings& s) {
  LOCKSTEP_ASSERT(s.b == 2 * s.a) << "torn config: a=" << s.a << " b=" << s.b;
  LOCKSTEP_ASSERT(s.gen == s.a) << "torn config: a=" << s.a << " gen=" << s.gen;
}

// Broken twin: the "config" is a set of shared fields that the writer updates one at a time
// (each under the lock, so there is no data race) instead of swapping in a whole new object.
// A reader between the two writes sees a from the new version and b from the old one.
class InPlaceConfig {
 public:
  void update_add_one() {
    {
      std::lock_guard<P::mutex> g(mu_);
      a_ += 1;
    }
    std::lock_guard<P::mutex> g(mu_);  // BUG: the second field is published separately
    b_ = 2 * a_.get();
    gen_ += 1;
  }
  Settings load() {
    std::lock_guard<P::mutex> g(mu_);
    return Settings{a_.get(), b_.get(), gen_.get()};
  }

 private:
  P::mutex mu_;
  P::var<int> a_{0}, b_{0}, gen_{0};
};

}  // namespace

LOCKSTEP_TEST(config_readers_see_whole_versions) {
  lockstep::Config<Settings, P> cfg(Settings{});
  auto writer = [&] {
    cfg.update([](Settings& s) {
      s.a += 1;
      s.b = 2 * s.a;
      s.gen += 1;
    });
  };
  P::thread w1(writer), w2(writer);
  P::thread r([&] {
    auto s1 = cfg.load();
    check_consistent(*s1);
    auto v1 = cfg.version();
    auto s2 = cfg.load();
    check_consistent(*s2);
    LOCKSTEP_ASSERT(s2->gen >= s1->gen) << "config went backwards";
    LOCKSTEP_ASSERT(cfg.version() >= v1) << "version went backwards";
    // A snapshot is immutable: later publishes do not change what s1 points to.
    check_consistent(*s1);
  });
  w1.join();
  w2.join();
  r.join();
  auto last = cfg.load();
  check_consistent(*last);
  LOCKSTEP_ASSERT(last->a == 2) << "lost update: a=" << last->a;
  LOCKSTEP_ASSERT(cfg.version() == 2);
}

LOCKSTEP_TEST(config_store_replaces_whole_object, {.preemption_bound = 3}) {
  lockstep::Config<Settings, P> cfg(Settings{});
  P::thread w([&] { cfg.store(Settings{5, 10, 5}); });
  P::thread r([&] {
    auto s = cfg.load();
    check_consistent(*s);
    LOCKSTEP_ASSERT(s->a == 0 || s->a == 5) << "invented config a=" << s->a;
  });
  w.join();
  r.join();
  LOCKSTEP_ASSERT(cfg.load()->a == 5);
}

LOCKSTEP_TEST(broken_config_in_place_update_is_torn, {.expect = failure_kind::assertion}) {
  InPlaceConfig cfg;
  P::thread w([&] { cfg.update_add_one(); });
  P::thread r([&] { check_consistent(cfg.load()); });
  w.join();
  r.join();
}
