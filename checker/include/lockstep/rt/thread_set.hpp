// lockstep/rt/thread_set.hpp — a set of simulated thread ids (or other small indices).
//
// Guarantees: holds any non-negative ids, limited only by memory; ids below 64 live in one
// inline word (no allocation for the common small case), larger ones in a heap array that
// grows on demand. Iteration (nth, first) is in increasing id order, so "the k-th waiter" is
// the same choice however the set was built. Constexpr-constructible (model objects at
// namespace scope are constinit).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace lockstep::rt {

class thread_set {
 public:
  constexpr thread_set() noexcept = default;
  thread_set(const thread_set& o) { *this = o; }
  thread_set& operator=(const thread_set& o) {
    if (this == &o) return *this;
    w0_ = o.w0_;
    if (o.nmore_ > nmore_) grow(o.nmore_);
    for (std::uint32_t i = 0; i < nmore_; ++i) more_[i] = i < o.nmore_ ? o.more_[i] : 0;
    return *this;
  }
  thread_set(thread_set&& o) noexcept
      : w0_(o.w0_), more_(std::exchange(o.more_, nullptr)), nmore_(std::exchange(o.nmore_, 0)) {}
  thread_set& operator=(thread_set&& o) noexcept {
    if (this != &o) {
      delete[] more_;
      w0_ = o.w0_;
      more_ = std::exchange(o.more_, nullptr);
      nmore_ = std::exchange(o.nmore_, 0);
    }
    return *this;
  }
  ~thread_set() { delete[] more_; }

  bool contains(int t) const noexcept {
    const auto u = static_cast<std::uint32_t>(t);
    if (u < 64) return (w0_ >> u) & 1u;
    const std::uint32_t w = u / 64 - 1;
    return w < nmore_ && ((more_[w] >> (u % 64)) & 1u);
  }
  void insert(int t) {
    const auto u = static_cast<std::uint32_t>(t);
    if (u < 64) {
      w0_ |= std::uint64_t{1} << u;
      return;
    }
    const std::uint32_t w = u / 64 - 1;
    if (w >= nmore_) grow(w + 1);
    more_[w] |= std::uint64_t{1} << (u % 64);
  }
  void erase(int t) noexcept {
    const auto u = static_cast<std::uint32_t>(t);
    if (u < 64) {
      w0_ &= ~(std::uint64_t{1} << u);
      return;
    }
    const std::uint32_t w = u / 64 - 1;
    if (w < nmore_) more_[w] &= ~(std::uint64_t{1} << (u % 64));
  }
  void clear() noexcept {
    w0_ = 0;
    for (std::uint32_t i = 0; i < nmore_; ++i) more_[i] = 0;
  }
  bool empty() const noexcept {
    if (w0_) return false;
    for (std::uint32_t i = 0; i < nmore_; ++i)
      if (more_[i]) return false;
    return true;
  }
  int count() const noexcept {
    int n = __builtin_popcountll(w0_);
    for (std::uint32_t i = 0; i < nmore_; ++i) n += __builtin_popcountll(more_[i]);
    return n;
  }
  // The k-th member (0-based, increasing order), or -1.
  int nth(int k) const noexcept {
    for (std::uint32_t w = 0; w <= nmore_; ++w) {
      std::uint64_t bits = word(w);
      const int c = __builtin_popcountll(bits);
      if (k >= c) {
        k -= c;
        continue;
      }
      for (; k > 0; --k) bits &= bits - 1;
      return static_cast<int>(w * 64) + __builtin_ctzll(bits);
    }
    return -1;
  }
  int first() const noexcept { return nth(0); }
  bool intersects(const thread_set& o) const noexcept {
    if (w0_ & o.w0_) return true;
    for (std::uint32_t i = 0; i < std::min(nmore_, o.nmore_); ++i)
      if (more_[i] & o.more_[i]) return true;
    return false;
  }
  thread_set& operator|=(const thread_set& o) {
    w0_ |= o.w0_;
    if (o.nmore_ > nmore_) grow(o.nmore_);
    for (std::uint32_t i = 0; i < o.nmore_; ++i) more_[i] |= o.more_[i];
    return *this;
  }
  // Removes every member of o.
  thread_set& operator-=(const thread_set& o) noexcept {
    w0_ &= ~o.w0_;
    for (std::uint32_t i = 0; i < std::min(nmore_, o.nmore_); ++i) more_[i] &= ~o.more_[i];
    return *this;
  }
  friend bool operator==(const thread_set& a, const thread_set& b) noexcept {
    const std::uint32_t n = std::max(a.nmore_, b.nmore_) + 1;
    for (std::uint32_t w = 0; w < n; ++w)
      if (a.word(w) != b.word(w)) return false;
    return true;
  }
  // Members 0..63 as bits (the graph engine packs small sets into a state value).
  std::uint64_t low_word() const noexcept { return w0_; }
  // Every member is below 64.
  bool fits_low_word() const noexcept {
    for (std::uint32_t i = 0; i < nmore_; ++i)
      if (more_[i]) return false;
    return true;
  }

 private:
  std::uint64_t word(std::uint32_t w) const noexcept {
    return w == 0 ? w0_ : (w - 1 < nmore_ ? more_[w - 1] : 0);
  }
  void grow(std::uint32_t n) {
    auto* p = new std::uint64_t[n]();
    if (nmore_) std::memcpy(p, more_, nmore_ * sizeof(std::uint64_t));
    delete[] more_;
    more_ = p;
    nmore_ = n;
  }

  std::uint64_t w0_ = 0;
  std::uint64_t* more_ = nullptr;
  std::uint32_t nmore_ = 0;
};

}  // namespace lockstep::rt
