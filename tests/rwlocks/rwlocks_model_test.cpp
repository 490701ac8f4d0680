// Model tests of the reader-writer locks under the checker, with broken twins.
#include <lockstep/check.hpp>
#include <lockstep/reader_pref_rw_lock.hpp>

#include <mutex>
#include <shared_mutex>

using P = lockstep::model_platform;

namespace {

// Two readers and a writer: the writer is alone; the readers' counter tracks who is inside.
template <class Rw>
void rw_exclusion(bool readers_must_not_overlap) {
  Rw rw;
  P::atomic<int> readers{0};
  P::atomic<int> writers{0};
  P::var<int> data{0};
  auto reader = [&] {
    std::shared_lock<Rw> g(rw);
    int r = readers.fetch_add(1) + 1;
    LOCKSTEP_ASSERT(writers.load() == 0) << "reader inside with a writer";
    if (readers_must_not_overlap) LOCKSTEP_ASSERT(r == 1) << "two readers inside together";
    (void)data.get();
    readers.fetch_sub(1);
  };
  auto writer = [&] {
    std::unique_lock<Rw> g(rw);
    LOCKSTEP_ASSERT(writers.fetch_add(1) == 0) << "two writers inside";
    LOCKSTEP_ASSERT(readers.load() == 0) << "writer inside with a reader";
    data += 1;
    writers.fetch_sub(1);
  };
  P::thread a(reader), b(reader), c(writer);
  a.join();
  b.join();
  c.join();
  LOCKSTEP_ASSERT(data.get() == 1);
}

// Broken twin: lock_shared does not wait for a writer.
template <class P2>
class NoWriterCheckRwLock {
 public:
  void lock() { inner_.lock(); }
  void unlock() { inner_.unlock(); }
  void lock_shared() {}
  void unlock_shared() {}

 private:
  typename P2::mutex inner_;
};

}  // namespace

LOCKSTEP_TEST(rwlocks_reader_pref_excludes_writer, {.preemption_bound = 2}) {
  rw_exclusion<lockstep::ReaderPrefRwLock<P>>(false);
}
// Readers do overlap: asserting they never do must fail.
LOCKSTEP_TEST(rwlocks_reader_pref_readers_never_overlap,
              {.expect = lockstep::failure_kind::assertion, .preemption_bound = 2}) {
  rw_exclusion<lockstep::ReaderPrefRwLock<P>>(true);
}
LOCKSTEP_TEST(rwlocks_broken_reader_ignores_writer,
              {.expect = lockstep::failure_kind::assertion, .preemption_bound = 2}) {
  rw_exclusion<NoWriterCheckRwLock<P>>(false);
}
