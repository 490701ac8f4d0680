// Contract tests of LruCache (lru_cache.hpp): eviction exactly when the cache would exceed
// capacity() (not at it), of the least recently used entry, get() refreshing and contains()
// not; erase(); capacity 0 refused; two threads inserting into a cache of one evict exactly
// once between them; size() read concurrently never exceeds capacity(); get, erase and
// contains racing a put.
#include <lockstep/check.hpp>
#include <lockstep/lru_cache.hpp>

#include <optional>
#include <stdexcept>

using P = lockstep::model_platform;
using Cache = lockstep::LruCache<int, int, P>;

LOCKSTEP_TEST(lru_cache_eviction_boundaries) {
  Cache c(2);
  LOCKSTEP_ASSERT(!c.put(1, 10) && !c.put(2, 20)) << "evicted below capacity";
  LOCKSTEP_ASSERT(c.size() == 2 && c.capacity() == 2);
  LOCKSTEP_ASSERT(!c.put(2, 21)) << "an overwrite evicted";
  LOCKSTEP_ASSERT(c.get(1) == std::optional<int>(10));  // 1 is now the most recent
  LOCKSTEP_ASSERT(c.contains(2));                       // a peek: 2 stays the least recent
  LOCKSTEP_ASSERT(c.put(3, 30)) << "no eviction above capacity";
  LOCKSTEP_ASSERT(!c.contains(2) && c.contains(1) && c.contains(3)) << "evicted the wrong entry";
  LOCKSTEP_ASSERT(c.size() == 2);
  LOCKSTEP_ASSERT(c.erase(1) && !c.erase(1) && c.size() == 1);
  LOCKSTEP_ASSERT(!c.get(1) && c.get(3) == std::optional<int>(30));
  bool threw = false;
  try {
    Cache zero(0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  LOCKSTEP_ASSERT(threw) << "capacity 0 accepted";
}

LOCKSTEP_TEST(lru_cache_concurrent_inserts_evict_once) {
  Cache c(1);
  bool ea = false, eb = false;
  P::thread t([&] { ea = c.put(1, 1); });
  eb = c.put(2, 2);
  const std::size_t n = c.size();
  LOCKSTEP_ASSERT(n == 1) << "size() " << n << " in a cache of one";
  t.join();
  LOCKSTEP_ASSERT(ea != eb) << "evictions: " << ea << ", " << eb;
  LOCKSTEP_ASSERT(c.size() == 1 && (c.contains(1) != c.contains(2)));
}

// get(), erase() and contains() while another thread puts: each takes effect atomically under
// the cache's lock (get() writes the recency order too), so none races with the put.
LOCKSTEP_TEST(lru_cache_get_erase_contains_race_put) {
  Cache c(4);  // room for every key: no eviction
  c.put(1, 10);
  c.put(2, 20);
  P::thread t([&] {
    LOCKSTEP_ASSERT(c.get(1) == 10);
    LOCKSTEP_ASSERT(c.erase(2));
  });
  c.put(3, 30);
  LOCKSTEP_ASSERT(c.contains(1));
  t.join();
  LOCKSTEP_ASSERT(c.size() == 2 && !c.contains(2) && c.contains(3));
}
