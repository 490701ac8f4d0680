// model_platform::thread's out-of-line members. The handle is plain shared data for the race
// detector (rt::var_state, rt_api.cpp), as a std::thread object is: calling join() on one
// handle from two threads, or joinable() in one thread while another joins, is a data race in
// std (undefined behaviour) and a data_race verdict here. Writes: the construction, join(),
// detach(), both sides of a move, the destructor; reads: joinable(), get_id(). The members
// without a source_loc argument name their caller's line through rt::deferred (symbolised only
// if a report prints it: deferred_loc.hpp). Every join writes the handle, so its accesses are
// left out of a traced replay unless the report is a race on it (rt::thread_handle_label).
#include <string>
#include <utility>

#include "deferred_loc.hpp"
#include "execution.hpp"
#include "lockstep/model_platform.hpp"

namespace lockstep {

const char rt::thread_handle_label[] = "P::thread handle";

void model_platform::thread::created(const void* pc) noexcept {
  s_.label = rt::thread_handle_label;
  s_.created_pc = pc;
  rt::execution* e = rt::execution::active();
  if (!e || e->current_id() < 0) return;  // outside an execution: joins one on first use
  s_.id = e->next_var_id();
  if (e->tracing()) return rt::var_init(s_);
  // rt::var_init of a fresh state (no reads yet), inline: every thread of every execution.
  const rt::thread_rec& th = e->current();
  s_.execution = e->serial();
  s_.write_tid = th.id;
  s_.write_clock = th.clock[th.id];
  s_.write_loc = source_loc{nullptr, 0};  // (a write without a location: the construction)
}

model_platform::thread::thread(thread&& o) noexcept {
  created(__builtin_return_address(0));
  rt::var_write(o.s_, rt::deferred(__builtin_return_address(0)));
  tid_ = std::exchange(o.tid_, -1);
}

model_platform::thread& model_platform::thread::operator=(thread&& o) noexcept {
  const source_loc at = rt::deferred(__builtin_return_address(0));
  rt::var_write(s_, at);
  rt::var_write(o.s_, at);
  if (tid_ >= 0)
    report_failure(failure_kind::misuse, "assigning to a joinable thread (std::terminate)",
                   rt::resolve(at));
  tid_ = std::exchange(o.tid_, -1);
  return *this;
}

model_platform::thread::~thread() {
  rt::execution* e = rt::execution::active();
  if (!e || e->current_id() < 0) return;
  // The destruction writes the handle. When its last write (the join, typically) is this
  // thread's, at the same clock, with no read since, that write already conflicts with
  // everything the destruction would: the check is skipped (the common case, and the cost of
  // every thread of every execution).
  const rt::thread_rec& th = e->current();
  if (s_.execution != e->serial() || s_.write_tid != th.id || s_.write_clock != th.clock[th.id] ||
      !s_.reads.empty() || e->tracing())
    rt::var_write(s_, rt::deferred(__builtin_return_address(0)));
  if (tid_ >= 0) {
    const source_loc at = rt::resolve(rt::deferred(__builtin_return_address(0)));
    rt::forget_thread(tid_);
    report_failure(failure_kind::misuse,
                   "thread " + std::to_string(tid_) +
                       " destroyed while joinable (std::terminate in production)",
                   at);
  }
}

}  // namespace lockstep
