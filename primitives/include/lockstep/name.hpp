// lockstep::name(object, "label"): names a platform object — mutex, atomic, condition
// variable, semaphore, var<T>, ... — in the model checker's traces and reports:
//
//   typename P::mutex accounts_mu;
//   lockstep::name(accounts_mu, "accounts");   // trace: "lock accounts (mutex#0)"
//
// Unnamed objects are shown by kind and number ("mutex#0") with the line that created them.
// The label is not copied: pass a string literal (or storage that outlives the object). On
// std_platform, and for any type the checker does not model, it does nothing (zero cost),
// so code written once for both platforms can name its objects.
#pragma once

namespace lockstep {

template <class T>
constexpr void name(T& object, const char* label) noexcept {
  if constexpr (requires { object.set_name(label); }) object.set_name(label);
}

}  // namespace lockstep
