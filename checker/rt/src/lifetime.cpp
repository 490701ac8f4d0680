// Lifetime of model objects: what a destructor records, and the misuse verdicts for an
// object destroyed while another thread is about to operate on it (a waiter) and for any
// operation on an object after its destruction. A var's destruction is also checked by the
// race detector as a write (rt_api.cpp, var_destruction): a read not ordered before it is a
// data race, as ThreadSanitizer treats a free.
//
// Cost: nothing per operation beyond rt::object::rejoin()'s one compare of the object's
// `life_` word (and var_state::life in var_read/var_write). A destruction appends a record
// (address, name, creation, the destructor's caller_pc()) to this execution's list and scans
// the threads' pending operations (a var's: one pass over its last write and reads since);
// lines are symbolised only when a verdict needs them.
// Records are found by address, the newest first: storage reused by a later object at the same
// address reports that object, not an older one.
#include <string>
#include <vector>

#include "execution.hpp"
#include "heap.hpp"
#include "lifetime.hpp"
#include "lockstep/rt/located.hpp"

namespace lockstep::rt {

// Out of line and never inlined: its return address is the call site in the caller's code.
__attribute__((noinline)) const void* caller_pc() noexcept { return __builtin_return_address(0); }

namespace {

struct dead_record {
  const void* addr;
  const char* kind;
  std::uint32_t id;
  source_loc created;        // an object's; file == nullptr for a var (see created_pc)
  const void* created_pc;    // where the constructor was called from (caller_pc())
  const void* destroyed_pc;  // the destructor's caller_pc()
  int tid;                   // the destroying thread
};

// The records of the running execution (reset when another one starts).
struct dead_table {
  std::uint32_t serial = 0;
  std::vector<dead_record> records;
  std::vector<dead_record>& of(const execution& e) {
    if (serial != e.serial()) {
      records.clear();
      serial = e.serial();
    }
    return records;
  }
};
dead_table g_dead;

execution* running() noexcept {
  execution* e = execution::active();
  return e && e->current_id() >= 0 ? e : nullptr;
}

std::string line(source_loc l) { return l.file ? to_string(l) : std::string("an unknown line"); }
source_loc at_pc(const void* pc) { return caller_location(pc, source_loc{nullptr, 0}); }
std::string name_of(const dead_record& r) {
  return std::string(r.kind) + "#" + std::to_string(r.id);
}
// An object's own creation line, unless that is a library's (std::optional, P::new_object):
// then the user's frame of its constructor's caller.
source_loc creation(source_loc created, const void* pc) {
  if (is_user_location(created)) return created;
  const source_loc l = at_pc(pc);
  return l.file ? l : created;
}
source_loc created_of(const dead_record& r) { return creation(r.created, r.created_pc); }

// Where the current thread is: the innermost user frame of its stack.
source_loc here(source_loc fallback) {
  if (fallback.file && !is_library_location(fallback)) return fallback;
  captured_stack st;
  capture_stack(st);
  return user_frame(st, fallback);
}

const dead_record* find(const execution& e, const void* addr) {
  const auto& rs = g_dead.of(e);
  for (auto it = rs.rbegin(); it != rs.rend(); ++it)
    if (it->addr == addr) return &*it;
  return nullptr;
}

[[noreturn]] void used_dead(execution& e, const void* addr, source_loc use) {
  runtime_scope own;
  use = here(use);
  std::string msg;
  if (const dead_record* r = find(e, addr)) {
    msg = name_of(*r) + " used after its destruction: created at " + line(created_of(*r)) +
          ", destroyed at " + line(at_pc(r->destroyed_pc)) + " by thread " +
          std::to_string(r->tid) + ", used at " + line(use) + " by thread " +
          std::to_string(e.current_id());
  } else {
    msg = "a model object used at " + line(use) + " by thread " + std::to_string(e.current_id()) +
          " is not alive (its storage was freed or overwritten)";
  }
  msg += heap_block_note(addr);
  e.fail(failure_kind::misuse, msg, use);
}

// (Inline, the record written in place: a destruction of every model object of every
// execution comes here.)
[[gnu::always_inline]] inline void record(execution& e, const void* addr, const char* kind,
                                          std::uint32_t id, source_loc created,
                                          const void* created_pc, const void* pc) {
  std::vector<dead_record>& rs = g_dead.of(e);
  if (rs.size() == rs.capacity()) [[unlikely]] {
    runtime_scope own;  // the checker's memory, also with lockstep/model_new.hpp linked
    rs.reserve(rs.size() < 16 ? 16 : 2 * rs.size());
  }
  // (no allocation: the capacity is there)
  rs.push_back(dead_record{addr, kind, id, created, created_pc, pc, e.current_id()});
}

}  // namespace

namespace {
// The first thread (not the current one) whose next operation is on `o`, or -1.
int waiter_on(const execution& e, const object* o) noexcept {
  for (int t = 0; t < e.thread_count(); ++t) {
    const thread_rec& th = e.thread(t);
    if (th.pending.obj == o && t != e.current_id() && !th.finished && !th.parked) return t;
  }
  return -1;
}
// " while thread N waits for it in lock at X" for waiter_on's thread; "" if there is none.
std::string waiter_of(const execution& e, const object* o) {
  const int t = waiter_on(e, o);
  if (t < 0) return {};
  const thread_rec& th = e.thread(t);
  std::string s =
      " while thread " + std::to_string(t) + " waits for it in " + to_string(th.pending.kind);
  if (is_user_location(th.pending.loc)) s += " at " + to_string(th.pending.loc);
  return s;
}
}  // namespace

void object::destroyed(const void* pc) noexcept {
  const bool was_live = life_ == kLive;
  life_ = kDead;
  execution* e = running();
  if (!e || !was_live) return;
  record(*e, this, kind_, id_, created_, created_pc_, pc);
  // Another thread whose next operation is on this object (it waits for it, or is about to
  // use it) would run on a destroyed object: report it here, before anyone dereferences it.
  // (The message is built only then.)
  if (waiter_on(*e, this) < 0) [[likely]]
    return;
  runtime_scope own;
  const std::string waiter = waiter_of(*e, this);
  const source_loc at = destruction_line(pc, here(source_loc{nullptr, 0}));
  e->fail(failure_kind::misuse,
          name() + " (created at " + line(creation(created_, created_pc_)) + ") destroyed at " +
              line(at_pc(pc)) + waiter,
          at);
}

bool object::used_after_destruction() const noexcept {
  if (execution* e = running()) used_dead(*e, this, source_loc{nullptr, 0});
  return false;  // outside an execution: nothing to check against
}

void var_destroyed(var_state& v, const void* pc) noexcept {
  execution* e = running();
  if (e && v.life == kLive) var_destruction(v, pc);  // does not return on a race
  if (e && v.life == kLive && v.execution != 0)
    record(*e, &v, "var", v.id, source_loc{nullptr, 0}, v.created_pc, pc);
  v.life = kDead;
}

void var_used_dead(var_state& v, source_loc loc) {
  if (execution* e = running()) used_dead(*e, &v, loc);
}

std::string destruction_while_locked(const object& o, const void* pc, int owner) {
  runtime_scope own;
  std::string waiter;
  if (const execution* e = running()) waiter = waiter_of(*e, &o);
  if (!waiter.empty()) waiter = " and" + waiter;
  return o.name() + " (created at " + line(creation(o.created(), o.created_pc())) +
         ") destroyed at " + line(at_pc(pc)) + " while locked" +
         (owner >= 0 ? " by thread " + std::to_string(owner) : std::string()) + waiter;
}

source_loc destruction_line(const void* pc, source_loc fallback) {
  const source_loc l = at_pc(pc);
  return l.file ? l : fallback;
}

}  // namespace lockstep::rt
