// The per-thread state types that replaced the fixed 16-thread arrays (issue 13): vector
// clocks keep every component when they grow past their inline room (else a thread spawned
// after the sixth loses its parent's clock, and a var's construction races with its first
// write), and thread sets hold ids past 64, in increasing order.
#include <lockstep/rt/thread_set.hpp>
#include <lockstep/rt/vclock.hpp>
#include <lockstep/test.hpp>

#include <utility>

using lockstep::rt::thread_set;
using lockstep::rt::vclock;

namespace {
// Thread ids are run-time values (with constant ones GCC 12's -Warray-bounds follows the
// inline-storage path of an index it cannot rule out).
volatile int g_forty = 40;
}  // namespace

LOCKSTEP_UNIT_TEST(vclock_keeps_components_when_it_grows) {
  const int far = g_forty;
  vclock a;
  a.at(0) = 7;
  a.at(3) = 5;
  a.tick(far);  // past the inline room: to the heap
  LOCKSTEP_ASSERT(a[0] == 7 && a[3] == 5 && a[far] == 1 && a[far - 1] == 0 && a[far * 25] == 0);
  vclock b;
  b.tick(2);
  b.join(a);  // b grows to a's size
  LOCKSTEP_ASSERT(b[0] == 7 && b[2] == 1 && b[3] == 5 && b[far] == 1 && b.size() == 41);
  vclock c = b;  // copy of a heap clock
  b.tick(0);
  LOCKSTEP_ASSERT(c[0] == 7 && b[0] == 8);
  vclock d = std::move(c);
  LOCKSTEP_ASSERT(d[far] == 1 && d[3] == 5);
  d.clear();
  LOCKSTEP_ASSERT(d[far] == 0 && d.size() == 0);
  d.tick(5);
  LOCKSTEP_ASSERT(d[5] == 1 && d[3] == 0) << "cleared components come back as 0";
  vclock small;
  small.tick(1);
  small = d;  // assignment into an inline clock from a heap one
  LOCKSTEP_ASSERT(small[5] == 1 && small[1] == 0);
}

LOCKSTEP_UNIT_TEST(thread_set_holds_ids_past_64_in_order) {
  thread_set s;
  for (int t : {130, 3, 64, 0, 63, 65}) s.insert(t);
  LOCKSTEP_ASSERT(s.count() == 6);
  const int order[] = {0, 3, 63, 64, 65, 130};
  for (int k = 0; k < 6; ++k) LOCKSTEP_ASSERT(s.nth(k) == order[k]) << k;
  LOCKSTEP_ASSERT(s.nth(6) == -1 && s.first() == 0);
  thread_set o;
  o.insert(130);
  LOCKSTEP_ASSERT(s.intersects(o));
  s -= o;
  LOCKSTEP_ASSERT(!s.contains(130) && !s.intersects(o) && s.count() == 5);
  thread_set c = s;
  c.erase(0);
  LOCKSTEP_ASSERT(s.contains(0) && !c.contains(0) && !(c == s));
  c.insert(0);
  LOCKSTEP_ASSERT(c == s);
  c.clear();
  LOCKSTEP_ASSERT(c.empty() && c.first() == -1 && !s.empty());
  LOCKSTEP_ASSERT(!s.fits_low_word());
  s.erase(64);
  s.erase(65);
  LOCKSTEP_ASSERT(s.fits_low_word() && s.low_word() == ((1ull << 0) | (1ull << 3) | (1ull << 63)));
}
