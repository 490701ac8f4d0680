// model_platform::thread's out-of-line members. The handle is plain shared data for the race
// detector (rt::var_state, rt_api.cpp), as a std::thread object is: calling join() on one
// handle from two threads, or joinable() in one thread while another joins, is a data race in
// std (undefined behaviour) and a data_race verdict here. Writes: the construction, join(),
// detach(), both sides of a move, the destructor; reads: joinable(), get_id().
#include <string>
#include <utility>

#include "lockstep/model_platform.hpp"
#include "lockstep/rt/located.hpp"

namespace lockstep {

namespace {
// The user's line that called the member (without line info: this file's).
source_loc caller(const void* pc, source_loc fallback = source_loc::current()) noexcept {
  return rt::caller_location(pc, fallback);
}
}  // namespace

void model_platform::thread::created(const void* pc) noexcept {
  s_.label = "P::thread handle";
  s_.created_pc = pc;
  s_.id = rt::new_var_id(source_loc{nullptr, 0});
  rt::var_init(s_);
}

model_platform::thread::thread(thread&& o) noexcept {
  created(__builtin_return_address(0));
  rt::var_write(o.s_, caller(__builtin_return_address(0)));
  tid_ = std::exchange(o.tid_, -1);
}

model_platform::thread& model_platform::thread::operator=(thread&& o) noexcept {
  const source_loc at = caller(__builtin_return_address(0));
  rt::var_write(s_, at);
  rt::var_write(o.s_, at);
  if (tid_ >= 0)
    report_failure(failure_kind::misuse, "assigning to a joinable thread (std::terminate)", at);
  tid_ = std::exchange(o.tid_, -1);
  return *this;
}

model_platform::thread::~thread() {
  if (!rt::in_execution()) return;
  const source_loc at = caller(__builtin_return_address(0));
  rt::var_write(s_, at);
  if (tid_ >= 0) {
    rt::forget_thread(tid_);
    report_failure(failure_kind::misuse,
                   "thread " + std::to_string(tid_) +
                       " destroyed while joinable (std::terminate in production)",
                   at);
  }
}

}  // namespace lockstep
