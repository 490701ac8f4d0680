// lockstep/rt/vclock.hpp — vector clocks over the simulated threads of one execution.
//
// Guarantees: entry i is thread i's component; entries past size() read as 0, so a clock
// only holds the threads it has heard of and a join touches only those (the common small
// case — a handful of threads — stays cheap whatever the number of threads of the
// execution). The first kInline components live inside the object: a clock of up to
// kInline threads never allocates. Beyond, the components move to the heap; there is no
// limit but memory. Constexpr-constructible (model objects at namespace scope are constinit).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace lockstep::rt {

class vclock {
 public:
  static constexpr std::uint32_t kInline = 6;

  constexpr vclock() noexcept = default;
  vclock(const vclock& o) { assign(o); }
  vclock(vclock&& o) noexcept { take(o); }
  vclock& operator=(const vclock& o) {
    if (this != &o) assign(o);
    return *this;
  }
  vclock& operator=(vclock&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  ~vclock() { release(); }

  // Thread i's component (0 for a thread the clock has not heard of).
  std::uint32_t operator[](int i) const noexcept {
    return static_cast<std::uint32_t>(i) < n_ ? data()[i] : 0;
  }
  // Thread i's component, for writing (the clock grows to hold it).
  std::uint32_t& at(int i) {
    const auto need = static_cast<std::uint32_t>(i) + 1;
    if (need > n_) grow(need);
    return data()[i];
  }
  void tick(int i) { ++at(i); }
  // Component-wise maximum.
  void join(const vclock& o) {
    if (o.n_ > n_) grow(o.n_);
    std::uint32_t* d = data();
    const std::uint32_t* s = o.data();
    for (std::uint32_t i = 0; i < o.n_; ++i)
      if (s[i] > d[i]) d[i] = s[i];
  }
  // Back to all zeros (keeps its storage).
  void clear() noexcept { n_ = 0; }
  std::uint32_t size() const noexcept { return n_; }

 private:
  bool on_heap() const noexcept { return heap_ != nullptr; }
  std::uint32_t* data() noexcept { return on_heap() ? heap_ : in_; }
  const std::uint32_t* data() const noexcept { return on_heap() ? heap_ : in_; }
  // Makes room for n components; the new ones are 0.
  void grow(std::uint32_t n) {
    if (n > cap_) {
      const std::uint32_t cap = std::max(n, 2 * cap_), keep = n_;
      auto* p = new std::uint32_t[cap];
      std::memcpy(p, data(), keep * sizeof(std::uint32_t));
      release();  // (resets n_)
      heap_ = p;
      cap_ = cap;
      n_ = keep;
    }
    if (n == n_ + 1)
      data()[n_] = 0;  // (the common growth: one thread more; no memset call)
    else
      std::fill(data() + n_, data() + n, 0u);
    n_ = n;
  }
  void assign(const vclock& o) {
    n_ = 0;
    if (o.n_ > cap_) grow(o.n_);
    n_ = o.n_;
    std::uint32_t* d = data();
    const std::uint32_t* s = o.data();
    if (n_ <= kInline) {  // (a few components: no memcpy call)
      for (std::uint32_t i = 0; i < n_; ++i) d[i] = s[i];
    } else {
      std::memcpy(d, s, n_ * sizeof(std::uint32_t));
    }
  }
  void take(vclock& o) noexcept {
    n_ = o.n_;
    cap_ = o.cap_;
    if (o.on_heap()) {
      heap_ = std::exchange(o.heap_, nullptr);
      o.cap_ = kInline;
    } else {
      std::memcpy(in_, o.in_, sizeof in_);
    }
    o.n_ = 0;
  }
  void release() noexcept {
    delete[] heap_;
    heap_ = nullptr;
    cap_ = kInline;
    n_ = 0;
  }

  std::uint32_t n_ = 0;
  std::uint32_t cap_ = kInline;
  std::uint32_t* heap_ = nullptr;  // null: the components are in in_
  std::uint32_t in_[kInline] = {};
};

}  // namespace lockstep::rt
