#include "hooks.hpp"

namespace lockstep::rt {

bool rmw_writes(const rmw_request& r, std::uint64_t v) noexcept {
  switch (r.kind) {
    case rmw_kind::none:
      return false;
    case rmw_kind::always:
      return true;
    case rmw_kind::cas:
      return v == r.expected;
    case rmw_kind::await:
      return r.spurious || r.guard(v, r.guard_arg);
    case rmw_kind::attempt:
      return r.guard(v, r.guard_arg);
  }
  return false;
}

}  // namespace lockstep::rt

namespace lockstep::rt::graph {

const char* unsupported_op(const point_desc& d, wake how) noexcept {
  // (An untimed wait's spurious wake-up is the graph's: its thread's decision at the block,
  // then a wake event that reads a state without its notify. Timeouts of other kinds come from
  // the model objects' own graph paths.)
  const bool cv_wake = d.kind == op::cv_block && d.deadline < 0;
  if (how == wake::timeout || d.deadline >= 0 ||
      (!cv_wake && (d.may_wake_spuriously || how != wake::normal)))
    return "timed waits, timeouts and spurious wake-ups";
  switch (d.kind) {
    case op::thread_start:
    case op::thread_spawn:
    case op::thread_join:
    case op::yield:
    case op::atomic_load:
    case op::atomic_store:
    case op::atomic_rmw:
    case op::atomic_cas:
    case op::fence:
    case op::lock:
    case op::try_lock:
    case op::unlock:
    case op::lock_shared:
    case op::try_lock_shared:
    case op::unlock_shared:
    case op::cv_enter:
    case op::cv_block:
    case op::notify_one:
    case op::notify_all:
    case op::sem_acquire:
    case op::sem_try_acquire:
    case op::sem_release:
    case op::clock_now:
    case op::sleep:
      return nullptr;
    default:
      return to_string(d.kind);
  }
}

std::uint64_t engine_hooks::load(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                                 std::memory_order mo, source_loc at) {
  rmw_request none;
  none.kind = rmw_kind::none;
  none.mo = none.mo_fail = mo;
  return rmw(x, k, init, sync_object, none, at).old;
}

executed_writes::loc_entry& executed_writes::of(loc_key k, std::uint64_t init) {
  for (auto& l : locs_)
    if (l.key == k) return l;
  locs_.push_back(loc_entry{k, {}});
  entry e;
  e.bits = init;
  locs_.back().writes.push_back(e);
  return locs_.back();
}

void executed_writes::on_read(thread_rec& t, const entry& w, std::memory_order mo) {
  if (!w.has_sync) return;
  if (acquires(mo))
    t.clock.join(w.sync);
  else
    t.acq_pending.join(w.sync);
}

void executed_writes::on_write(thread_rec& t, entry& w, std::memory_order mo,
                               const entry* rmw_source) {
  // A release sequence continues through RMWs (C++20: not through plain stores).
  if (rmw_source && rmw_source->has_sync) {
    w.sync = rmw_source->sync;
    w.has_sync = true;
  }
  if (releases(mo)) {
    w.sync.join(t.clock);
    w.has_sync = true;
  } else if (t.has_rel_fence) {
    w.sync.join(t.rel_fence);
    w.has_sync = true;
  }
  if (releases(mo)) t.clock.tick(t.id);
}

void executed_writes::on_fence(thread_rec& t, std::memory_order mo) {
  if (acquires(mo)) t.clock.join(t.acq_pending);
  if (releases(mo)) {
    t.rel_fence = t.clock;
    t.has_rel_fence = true;
    t.clock.tick(t.id);
  }
}

}  // namespace lockstep::rt::graph
