// Internal to the model platform: the user's source line of operations that cannot take a
// `source_loc` default argument — operators (`x += 1`, `int v = x;`) and variadic
// constructors — so that traces and reports name the user's line, not a lockstep header.
//
//   * located<T> is a value with the location of the expression that converted it: an
//     operator taking `located<T>` instead of `T` sees `source_loc::current()` evaluated at
//     the user's expression (the default argument of the implicit conversion).
//   * caller_location(pc, fallback) maps a return address (`__builtin_return_address(0)` in
//     a non-inlined operator) to the innermost frame of user code at that address, inlined
//     frames included; the answer is cached per address, so the symbolizer runs once per
//     call site and process. Without a symbolizer it returns `fallback`.
#pragma once

#include <type_traits>
#include <utility>

#include "lockstep/test.hpp"

namespace lockstep::rt {

template <class T>
struct located {
  T value;
  source_loc loc;
  located(T v, source_loc l = source_loc::current()) : value(std::move(v)), loc(l) {}
  template <class U>
  requires(!std::is_same_v<std::remove_cvref_t<U>, T> && std::is_convertible_v<U&&, T>)
      located(U&& v, source_loc l = source_loc::current())
      : value(std::forward<U>(v)), loc(l) {}
};

source_loc caller_location(const void* return_address, source_loc fallback) noexcept;

}  // namespace lockstep::rt
