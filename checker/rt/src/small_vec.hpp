// Internal: a vector of trivially copyable values with inline room for the first N (no
// allocation while it stays that small; beyond, the values move to the heap). For per-node
// and per-thread arrays on hot paths, sized by the threads of an execution.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace lockstep::rt {

template <class T, std::uint32_t N>
class small_vec {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  small_vec() noexcept = default;
  small_vec(const small_vec& o) { assign(o.begin(), o.end()); }
  small_vec(small_vec&& o) noexcept { take(o); }
  small_vec& operator=(const small_vec& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  small_vec& operator=(small_vec&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  ~small_vec() { release(); }

  std::uint32_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  T* data() noexcept { return heap_ ? heap_ : in_; }
  const T* data() const noexcept { return heap_ ? heap_ : in_; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + n_; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + n_; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }

  void clear() noexcept { n_ = 0; }
  void assign(const T* first, const T* last) {
    const auto n = static_cast<std::uint32_t>(last - first);
    reserve(n);
    if (n) std::memmove(data(), first, n * sizeof(T));
    n_ = n;
  }
  void resize(std::uint32_t n, const T& v) {
    reserve(n);
    std::fill(data() + std::min(n, n_), data() + n, v);
    n_ = n;
  }
  void push_back(const T& v) {
    if (n_ == cap_) reserve(2 * cap_);
    data()[n_++] = v;
  }

 private:
  void reserve(std::uint32_t n) {
    if (n <= cap_) return;
    const std::uint32_t cap = std::max(n, 2 * cap_);
    T* p = new T[cap];
    if (n_) std::memcpy(p, data(), n_ * sizeof(T));
    delete[] heap_;
    heap_ = p;
    cap_ = cap;
  }
  void take(small_vec& o) noexcept {
    n_ = o.n_;
    cap_ = o.cap_;
    heap_ = o.heap_;
    if (!heap_) std::memcpy(in_, o.in_, sizeof in_);
    o.heap_ = nullptr;
    o.n_ = 0;
    o.cap_ = N;
  }
  void release() noexcept {
    delete[] heap_;
    heap_ = nullptr;
    n_ = 0;
    cap_ = N;
  }

  T in_[N]{};
  T* heap_ = nullptr;
  std::uint32_t n_ = 0;
  std::uint32_t cap_ = N;
};

}  // namespace lockstep::rt
