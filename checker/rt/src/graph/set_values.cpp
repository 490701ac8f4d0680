// Thread sets as graph values: packed when small, else interned by content (set_values.hpp).
#include "set_values.hpp"

#include <sstream>
#include <unordered_map>

#include "../heap.hpp"

namespace lockstep::rt::graph {

namespace {
constexpr std::uint64_t kInterned = std::uint64_t{1} << 63;
constexpr int kPackedThreads = 31;  // ids 0..30 fit a packed half (bit 31 / 63 stay clear)

bool packs(const thread_set& s) noexcept {
  return s.fits_low_word() && (s.low_word() >> kPackedThreads) == 0;
}
void set_bits(thread_set& s, std::uint64_t bits) {
  s.clear();
  for (; bits; bits &= bits - 1) s.insert(__builtin_ctzll(bits));
}

// Never cleared: a value stays decodable for the whole run (the engine keeps graphs across
// executions). Only the scheduler thread runs model code: no lock.
std::unordered_map<std::uint64_t, set_state>& table() {
  static std::unordered_map<std::uint64_t, set_state> t;
  return t;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t x) noexcept {
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xbf58476d1ce4e5b9ull;
}
std::uint64_t hash_of(const set_state& s) noexcept {
  std::uint64_t h = mix(0x243f6a8885a308d3ull, s.word);
  for (int k = 0, t; (t = s.a.nth(k)) >= 0; ++k) h = mix(h, static_cast<std::uint64_t>(t));
  h = mix(h, ~std::uint64_t{0});
  for (int k = 0, t; (t = s.b.nth(k)) >= 0; ++k) h = mix(h, static_cast<std::uint64_t>(t));
  return h;
}

std::uint64_t intern(const set_state& s) {
  runtime_scope own;  // the checker's memory, also with lockstep/model_new.hpp linked
  auto& t = table();
  // (a collision of 63-bit hashes moves on to the next key: deterministic for a given run)
  for (std::uint64_t key = hash_of(s) & ~kInterned;; key = (key + 1) & ~kInterned) {
    auto [it, fresh] = t.try_emplace(key | kInterned, s);
    if (fresh || it->second == s) return key | kInterned;
  }
}
const set_state& lookup(std::uint64_t v) noexcept {
  static const set_state empty;
  const auto it = table().find(v);
  return it == table().end() ? empty : it->second;
}

void put_set(std::ostream& os, const thread_set& s) {
  os << ' ' << s.count();
  for (int k = 0, t; (t = s.nth(k)) >= 0; ++k) os << ' ' << t;
}
bool get_set(std::istream& is, thread_set& s) {
  int n = 0;
  if (!(is >> n) || n < 0) return false;
  s.clear();
  for (int i = 0, t; i < n; ++i) {
    if (!(is >> t) || t < 0) return false;
    s.insert(t);
  }
  return true;
}
}  // namespace

std::uint64_t waiters_value(const thread_set& waiting, const thread_set& notified) {
  if (packs(waiting) && packs(notified)) return (notified.low_word() << 32) | waiting.low_word();
  set_state s;
  s.a = waiting;
  s.b = notified;
  return intern(s);
}
void waiters_of(std::uint64_t v, thread_set& waiting, thread_set& notified) {
  if (v & kInterned) {
    const set_state& s = lookup(v);
    waiting = s.a;
    notified = s.b;
    return;
  }
  set_bits(waiting, v & 0xffffffffu);
  set_bits(notified, v >> 32);
}

bool is_notified(std::uint64_t v, int tid) noexcept {
  if (v & kInterned) return lookup(v).b.contains(tid);
  return tid >= 0 && tid < kPackedThreads && ((v >> (32 + tid)) & 1u);
}

std::uint64_t rw_value(int writer, const thread_set& readers) {
  if (writer < 255 && packs(readers))
    return (readers.low_word() << 32) | static_cast<std::uint64_t>(writer + 1);
  set_state s;
  s.word = static_cast<std::uint64_t>(writer + 1);
  s.a = readers;
  return intern(s);
}
void rw_of(std::uint64_t v, int& writer, thread_set& readers) {
  if (v & kInterned) {
    const set_state& s = lookup(v);
    writer = static_cast<int>(s.word) - 1;
    readers = s.a;
    return;
  }
  writer = static_cast<int>(v & 0xffu) - 1;
  set_bits(readers, v >> 32);
}

int rw_writer(std::uint64_t v) noexcept {
  if (v & kInterned) return static_cast<int>(lookup(v).word) - 1;
  return static_cast<int>(v & 0xffu) - 1;
}
bool rw_has_reader(std::uint64_t v, int tid) noexcept {
  if (v & kInterned) return lookup(v).a.contains(tid);
  return tid >= 0 && tid < kPackedThreads && ((v >> (32 + tid)) & 1u);
}

std::string save_set_values() {
  if (table().empty()) return {};
  std::ostringstream os;
  os << "sets " << table().size() << '\n';
  for (const auto& [key, s] : table()) {
    os << key << ' ' << s.word;
    put_set(os, s.a);
    put_set(os, s.b);
    os << '\n';
  }
  return os.str();
}
bool load_set_values(std::istream& is) {
  std::size_t n = 0;
  if (!(is >> n)) return false;
  runtime_scope own;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t key = 0;
    set_state s;
    if (!(is >> key >> s.word) || !(key & kInterned) || !get_set(is, s.a) || !get_set(is, s.b))
      return false;
    auto [it, fresh] = table().try_emplace(key, s);
    if (!fresh && !(it->second == s)) return false;  // another state under that key
  }
  return true;
}

}  // namespace lockstep::rt::graph
