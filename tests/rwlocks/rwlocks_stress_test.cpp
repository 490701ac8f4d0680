// Real-thread stress tests of the reader-writer locks on std_platform (also under TSan).
#include <lockstep/reader_pref_rw_lock.hpp>
#include <lockstep/test.hpp>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

template <class Rw>
void stress_rw(int iters) {
  Rw rw;
  std::atomic<int> readers{0}, writers{0};
  std::atomic<bool> bad{false};
  long data = 0;  // plain: protected by rw (TSan checks it)
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < iters; ++i) {
        if ((i + t) % 4 == 0) {
          std::unique_lock<Rw> g(rw);
          if (writers.fetch_add(1) != 0 || readers.load() != 0) bad = true;
          ++data;
          writers.fetch_sub(1);
        } else {
          std::shared_lock<Rw> g(rw);
          readers.fetch_add(1);
          if (writers.load() != 0) bad = true;
          (void)data;
          readers.fetch_sub(1);
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  LOCKSTEP_ASSERT(!bad.load()) << "writer overlapped another holder";
  LOCKSTEP_ASSERT(data == 4L * iters / 4) << "lost write";
}

}  // namespace

LOCKSTEP_UNIT_TEST(rwlocks_reader_pref_stress) { stress_rw<lockstep::ReaderPrefRwLock<>>(4000); }
