// The rt:: functions used by model_platform, and the out-of-line parts of its types.
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "deferred_loc.hpp"
#include "escape.hpp"
#include "execution.hpp"
#include "graph/hooks.hpp"
#include "graph/set_values.hpp"
#include "heap.hpp"
#include "lifetime.hpp"
#include "lockstep/check.hpp"
#include "user_frame.hpp"

namespace lockstep {

const char* to_string(failure_kind k) noexcept {
  switch (k) {
    case failure_kind::none:
      return "none";
    case failure_kind::assertion:
      return "assertion";
    case failure_kind::deadlock:
      return "deadlock";
    case failure_kind::livelock:
      return "livelock";
    case failure_kind::exception:
      return "exception";
    case failure_kind::misuse:
      return "misuse";
    case failure_kind::data_race:
      return "data race";
    case failure_kind::linearizability:
      return "linearizability";
    case failure_kind::fairness:
      return "fairness";
    case failure_kind::stack_overflow:
      return "stack overflow";
    case failure_kind::lock_order:
      return "lock order";
  }
  return "?";
}

void report_failure(failure_kind kind, const std::string& message, source_loc where) {
  if (auto* e = rt::execution::active(); e && e->current_id() >= 0) e->fail(kind, message, where);
  throw assertion_failure(std::string(to_string(kind)) + ": " + message + " at " +
                          to_string(where));
}

namespace rt {

void outside_execution(const char* what) {
  // Another OS thread between two steps (escape.hpp): parked for good. During a step it is
  // caught at the scheduling point every operation starts with (execution::point).
  if (execution::active() && !t_scheduler_thread) foreign_operation();
  throw std::logic_error(std::string("lockstep: ") + what +
                         " of a model_platform object outside a model execution (model "
                         "operations run inside a LOCKSTEP_TEST body)");
}

namespace {
inline execution& exec(const char* what) {
  execution* e = execution::active();
  if (!e || e->current_id() < 0) [[unlikely]]
    outside_execution(what);
  return *e;
}

// The virtual clock's location under the graph engine (no object has this key: keys are
// (thread + 1) << 20 | n).
constexpr std::uint32_t kClockLoc = 0xfff00000u;

struct never_ready final : waitable {
  bool ready(int) const noexcept override { return false; }
  std::string waiting_for(int) const override { return "its sleep to end"; }
};
const never_ready g_never;
}  // namespace

const char* order_name(int order) noexcept {
  switch (order) {
    case static_cast<int>(std::memory_order_relaxed):
      return "relaxed";
    case static_cast<int>(std::memory_order_consume):
      return "consume";
    case static_cast<int>(std::memory_order_acquire):
      return "acquire";
    case static_cast<int>(std::memory_order_release):
      return "release";
    case static_cast<int>(std::memory_order_acq_rel):
      return "acq_rel";
    case static_cast<int>(std::memory_order_seq_cst):
      return "seq_cst";
  }
  return "";
}

const char* to_string(op o) noexcept {
  switch (o) {
    case op::thread_start:
      return "start";
    case op::thread_spawn:
      return "spawn";
    case op::thread_join:
      return "join";
    case op::yield:
      return "yield";
    case op::atomic_load:
      return "load";
    case op::atomic_store:
      return "store";
    case op::atomic_rmw:
      return "rmw";
    case op::atomic_cas:
      return "cas";
    case op::fence:
      return "fence";
    case op::lock:
      return "lock";
    case op::try_lock:
      return "try_lock";
    case op::unlock:
      return "unlock";
    case op::lock_shared:
      return "lock_shared";
    case op::try_lock_shared:
      return "try_lock_shared";
    case op::unlock_shared:
      return "unlock_shared";
    case op::cv_enter:
      return "wait(enter)";
    case op::cv_block:
      return "wait(wake)";
    case op::notify_one:
      return "notify_one";
    case op::notify_all:
      return "notify_all";
    case op::sem_acquire:
      return "acquire";
    case op::sem_try_acquire:
      return "try_acquire";
    case op::sem_release:
      return "release";
    case op::clock_now:
      return "now";
    case op::sleep:
      return "sleep";
    case op::var_read:
      return "read";
    case op::var_write:
      return "write";
  }
  return "?";
}

void object::join_execution(std::uint32_t key) noexcept {
  execution* e = execution::active();
  if (!e || e->current_id() < 0) return;  // static: joins each execution on first use
  life_ = kLive;
  created_pc_ = __builtin_return_address(0);
  id_ = e->next_object_id();
  key_ = key != 0 ? key : e->next_object_key();
}

namespace {
// Graph-engine keys of static objects, one per object for the whole process (object keys
// made inside executions are (thread + 1) << 20 | n, far below; the waiter-set bit 1 << 31
// and the clock's key stay free).
constexpr std::uint32_t kStaticKeyBase = 0x40000000u;
std::uint32_t g_static_keys = 0;
std::uint32_t new_process_key() noexcept { return kStaticKeyBase | ++g_static_keys; }
}  // namespace

bool object::rejoin_execution() const noexcept {
  execution* e = execution::active();
  // A static object reached from another OS thread (escape.hpp): parked before it writes
  // the object, which the scheduler thread may be using.
  if (e && !t_scheduler_thread) foreign_operation();
  if (!e || e->current_id() < 0 || serial_ == e->serial()) return false;
  serial_ = e->serial();
  id_ = e->next_object_id();
  if (key_ == 0) key_ = new_process_key();
  sync_ = vclock{};
  return true;
}

std::string object::name() const {
  std::string n = std::string(kind_) + "#" + std::to_string(id_);
  return label_ ? std::string(label_) + " (" + n + ")" : n;
}

// (rt::point is in execution.cpp, with the step loop it enters.)
bool in_execution() noexcept {
  auto* e = execution::active();
  return e && e->current_id() >= 0;
}
std::uint32_t execution_serial() noexcept {
  auto* e = execution::active();
  return e && e->current_id() >= 0 ? e->serial() : 0;
}
int current_thread() noexcept { return execution::active()->current_id(); }
void step_read_only() noexcept { execution::active()->current().step_read_only = true; }
std::int64_t now() noexcept {
  runtime_scope own;
  execution* e = execution::active();
  // Under the graph engine the clock is a location of the graph: reading it is an event.
  if (e->graph())
    return static_cast<std::int64_t>(e->graph()->load(
        *e, kClockLoc, 0, true, std::memory_order_seq_cst, source_loc{nullptr, 0}));
  return e->now();
}
bool tracing() noexcept { return execution::active()->tracing(); }
void trace_read_latest(const object& o) { execution::active()->traced_read_latest(o.id()); }
void trace_stored(const object& o) { execution::active()->traced_store(o.id()); }
void trace_note(const std::string& note) {
  runtime_scope own;
  execution::active()->note(note);
}

vclock& thread_clock() noexcept { return execution::active()->current().clock; }
void release_to(object& o) noexcept {
  auto& th = execution::active()->current();
  o.sync().join(th.clock);
  th.clock.tick(th.id);
}
void acquire_from(object& o) noexcept { execution::active()->current().clock.join(o.sync()); }

int choose(int n, const char* what) {
  runtime_scope own;
  return exec("choose").choose(n, what);
}
bool weak_cas_fails_spuriously() {
  runtime_scope own;
  execution& e = exec("compare_exchange_weak");
  if (!e.spurious_left() || e.choose(2, "spurious failure of compare_exchange_weak") == 0)
    return false;
  e.spend_spurious();
  return true;
}
void assume_failed(source_loc) { exec("assume").park_current(); }

int spawn_thread(thread_fn fn, void* arg, void (*destroy)(void*), source_loc loc) {
  execution& e = exec("thread creation");
  e.point({op::thread_spawn, nullptr, loc});
  runtime_scope own;  // (after the point: a scope never spans a switch to another thread)
  int id = e.spawn(fn, arg, destroy, loc);
  if (e.tracing()) e.note("thread " + std::to_string(id));
  return id;
}
void join_thread(int tid, source_loc loc) { exec("join").join(tid, loc); }
void lock_acquired(const object& m, source_loc loc) {
  runtime_scope own;
  execution::active()->lock_acquired(m, loc);
}
void lock_released(const object& m) { execution::active()->lock_released(m); }
void lock_try_acquired(const object& m, source_loc loc) {
  runtime_scope own;
  execution::active()->current().held.push_back({&m, loc});
}
void forget_thread(int tid) { exec("thread").thread(tid).handle_gone = true; }
bool thread_finished(int tid) noexcept { return execution::active()->thread(tid).finished; }

void* tls_get(std::uint32_t key) noexcept {
  for (auto& t : execution::active()->current().tls)
    if (t.key == key) return t.p;
  return nullptr;
}
void tls_set(std::uint32_t key, void* p, void (*destroy)(void*)) {
  runtime_scope own;
  execution::active()->current().tls.push_back({key, p, destroy});
}

namespace {
// Shadows of the running execution (atomic_ref); those of an earlier one, left by a failed
// execution's abandoned threads, are dropped on first use in the next.
struct shadow_table {
  std::uint32_t serial = 0;
  std::unordered_map<const void*, shadow> at;
  void drop_all() noexcept {
    for (auto& [addr, s] : at)
      if (s.state) s.destroy(s.state);
    at.clear();
  }
  ~shadow_table() { drop_all(); }
};
shadow_table g_shadows;
}  // namespace

shadow& shadow_at(const void* addr) {
  runtime_scope own;
  execution& e = exec("atomic_ref");
  if (g_shadows.serial != e.serial()) {
    g_shadows.drop_all();
    g_shadows.serial = e.serial();
  }
  return g_shadows.at[addr];
}

std::uint32_t shadow_key(const void* addr, void (*type)(void*)) {
  runtime_scope own;
  const execution& e = exec("atomic_ref");
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  std::pair<int, std::uintptr_t> identity{-1, a};
  for (int t = 0; t < e.thread_count(); ++t) {
    const stack_pool::stack& s = e.thread(t).stk;
    const auto top = reinterpret_cast<std::uintptr_t>(s.top());
    if (s.base && reinterpret_cast<std::uintptr_t>(s.base) <= a && a < top) {
      identity = {t, top - a};
      break;
    }
  }
  static std::map<std::tuple<int, std::uintptr_t, std::uintptr_t>, std::uint32_t> keys;
  const auto [it, fresh] = keys.try_emplace(
      {identity.first, identity.second, reinterpret_cast<std::uintptr_t>(type)}, 0);
  if (fresh) it->second = new_process_key();
  return it->second;
}

// ---------------------------------------------------------------- the graph engine
bool graph_engine() noexcept {
  auto* e = execution::active();
  return e && e->graph();
}
void loop_head(source_loc at) noexcept {
  execution* e = execution::active();
  if (e && e->graph()) e->graph()->loop_head(*e, at);
}
std::uint64_t graph_load(const object& o, std::uint64_t init, std::memory_order mo, source_loc at) {
  runtime_scope own;
  execution& e = *execution::active();
  return e.graph()->load(e, o.key(), init, false, mo, at);
}
void graph_store(const object& o, std::uint64_t init, std::uint64_t bits, std::memory_order mo,
                 source_loc at) {
  runtime_scope own;
  execution& e = *execution::active();
  e.graph()->store(e, o.key(), init, bits, mo, at);
}
rmw_result graph_rmw(const object& o, std::uint64_t init, bool sync_object, const rmw_request& r,
                     source_loc at) {
  runtime_scope own;
  execution& e = *execution::active();
  return e.graph()->rmw(e, o.key(), init, sync_object, r, at);
}
std::uint64_t graph_latest(const object& o, std::uint64_t init) {
  runtime_scope own;
  return execution::active()->graph()->latest(o.key(), init);
}
void graph_fence(std::memory_order mo, source_loc at) {
  runtime_scope own;
  execution& e = *execution::active();
  e.graph()->fence(e, mo, at);
}

namespace graph_state {
bool mutex_available(std::uint64_t v, std::uint64_t arg) noexcept {
  const int owner = static_cast<int>(v & 0xffffffffu) - 1;
  const int tid = static_cast<int>(arg & 0xffffffffu);
  return owner < 0 || ((arg >> 32) != 0 && owner == tid);
}
bool mutex_held_by(std::uint64_t v, std::uint64_t tid) noexcept {
  return static_cast<std::int64_t>(v & 0xffffffffu) - 1 == static_cast<std::int64_t>(tid);
}
bool positive(std::uint64_t v, std::uint64_t) noexcept { return static_cast<std::int64_t>(v) > 0; }
bool notified(std::uint64_t v, std::uint64_t tid) noexcept {
  return graph::is_notified(v, static_cast<int>(tid));
}
}  // namespace graph_state

void graph_state_mismatch(const object& o, source_loc at) {
  report_failure(failure_kind::misuse,
                 "lockstep internal error: the graph engine's state of " + o.name() +
                     " differs from the object's own",
                 at);
}

namespace {
std::uint64_t clock_max(const void* ctx, std::uint64_t old, int) {
  const auto to = static_cast<std::uint64_t>(*static_cast<const std::int64_t*>(ctx));
  return old > to ? old : to;
}
}  // namespace

void graph_advance_clock(std::int64_t to, source_loc at) {
  runtime_scope own;
  execution& e = *execution::active();
  rt::rmw_request r;
  r.kind = rmw_kind::always;
  r.apply = &clock_max;
  r.ctx = &to;
  e.graph()->rmw(e, kClockLoc, 0, true, r, at);
}

namespace {
std::uint64_t count_up(const void*, std::uint64_t old, int) { return old + 1; }
}  // namespace

std::uint32_t observer_key() noexcept {
  execution* e = execution::active();
  return e && e->current_id() >= 0 ? e->next_object_key() : 0;
}

void observe(std::uint32_t key, source_loc at) {
  runtime_scope own;
  execution* e = execution::active();
  if (key == 0 || !e || !e->graph() || e->current_id() < 0) return;
  rt::rmw_request r;
  r.kind = rmw_kind::always;
  r.apply = &count_up;
  e->graph()->rmw(*e, key, 0, true, r, at);
}

// ---------------------------------------------------------------- weak memory
bool weak_memory() noexcept {
  auto* e = execution::active();
  return e && e->weak_memory();
}

namespace {
std::uint32_t& view_of(thread_rec& t, std::uint32_t id) {
  if (t.view.size() <= id) t.view.resize(id + 1, 0);
  return t.view[id];
}
}  // namespace

std::uint64_t weak_load(weak_location& l, std::uint32_t id, std::memory_order mo) {
  runtime_scope own;
  execution& e = *execution::active();
  thread_rec& t = e.current();
  std::uint32_t lower = view_of(t, id);
  const auto size = static_cast<std::uint32_t>(l.mo.size());
  // The latest store that happens-before this load hides everything older (write-read
  // coherence); a seq_cst load also sees at least the latest seq_cst store.
  for (std::uint32_t i = size; i-- > lower + 1;) {
    const weak_store& s = l.mo[i];
    if (s.tid >= 0 && t.clock[s.tid] >= s.epoch) {
      lower = i;
      break;
    }
  }
  if (mo == std::memory_order_seq_cst) lower = std::max(lower, l.last_sc);
  const std::uint32_t k = size - lower;
  const std::uint32_t c =
      k > 1 ? static_cast<std::uint32_t>(e.choose(static_cast<int>(k), "reads-from")) : 0;
  const std::uint32_t idx = size - 1 - c;
  view_of(t, id) = idx;
  const weak_store& s = l.mo[idx];
  if (s.has_sync) {
    if (acquires(mo))
      t.clock.join(s.sync);
    else
      t.acq_pending.join(s.sync);
  }
  if (e.tracing()) e.note_reads_store(s.step, s.tid, idx != size - 1);
  return s.bits;
}

void weak_store_op(weak_location& l, std::uint32_t id, std::uint64_t bits, std::memory_order mo,
                   bool rmw) {
  runtime_scope own;
  execution& e = *execution::active();
  thread_rec& t = e.current();
  weak_store s{bits, t.id, t.clock[t.id], false, false, {}};
  s.step = e.steps();
  if (rmw) {
    // The read half reads the latest store; a release sequence continues through RMWs.
    const weak_store& prev = l.mo.back();
    if (e.tracing()) e.note_reads_store(prev.step, prev.tid, false);
    if (prev.has_sync) {
      if (acquires(mo))
        t.clock.join(prev.sync);
      else
        t.acq_pending.join(prev.sync);
      s.sync = prev.sync;
      s.has_sync = true;
    }
  }
  if (releases(mo)) {
    s.sync.join(t.clock);
    s.has_sync = true;
  } else if (t.has_rel_fence) {
    s.sync.join(t.rel_fence);
    s.has_sync = true;
  }
  s.seq_cst = mo == std::memory_order_seq_cst;
  s.rmw = rmw;
  // Where the store goes in modification order: after everything this thread has seen of the
  // location, every store that happens-before it and (seq_cst) the latest seq_cst store; an
  // RMW goes right after the store it read. Any later position is possible: a choice.
  const auto size = static_cast<std::uint32_t>(l.mo.size());
  std::uint32_t pos = size;
  if (!rmw) {
    std::uint32_t lower = view_of(t, id);
    for (std::uint32_t i = size; i-- > lower + 1;) {
      const weak_store& o = l.mo[i];
      if (o.tid >= 0 && t.clock[o.tid] >= o.epoch) {
        lower = i;
        break;
      }
    }
    if (s.seq_cst) lower = std::max(lower, l.last_sc);
    // Positions lower+1 .. size, except right before an RMW's store: that would come between
    // the RMW and the store it read (RMW atomicity).
    auto allowed = [&](std::uint32_t p) { return p == size || !l.mo[p].rmw; };
    std::uint32_t k = 0;
    for (std::uint32_t p = size; p > lower; --p) k += allowed(p);
    if (k > 1) {
      // Choice c is the c-th allowed position counting down from the latest (c = 0: size).
      auto c = static_cast<std::uint32_t>(e.choose(static_cast<int>(k), "mo position"));
      for (pos = size; !allowed(pos) || c-- > 0;) --pos;
      if (pos < size) {
        // Indices at and after pos move up by one: shift every view that points there.
        for (int tid = 0; tid < e.thread_count(); ++tid) {
          auto& v = e.thread(tid).view;
          if (v.size() > id && v[id] >= pos) ++v[id];
        }
        auto& g = e.sc_fence_view();
        if (g.size() > id && g[id] >= pos) ++g[id];
        if (l.last_sc >= pos) ++l.last_sc;
        if (e.tracing())
          e.note("placed before " + std::to_string(size - pos) + " later store(s) in mo");
      }
    }
  }
  l.mo.insert(l.mo.begin() + pos, s);
  auto& sizes = e.mo_sizes();
  if (sizes.size() <= id) sizes.resize(id + 1, 0);
  sizes[id] = static_cast<std::uint32_t>(l.mo.size());
  view_of(t, id) = pos;
  if (s.seq_cst) l.last_sc = std::max(l.last_sc, pos);
  if (releases(mo)) t.clock.tick(t.id);
}

void weak_yield() noexcept {
  runtime_scope own;
  execution* e = execution::active();
  if (!e || !e->weak_memory() || e->current_id() < 0) return;
  thread_rec& t = e->current();
  const auto& sizes = e->mo_sizes();
  for (std::uint32_t id = 0; id < sizes.size(); ++id)
    if (sizes[id] > 0) view_of(t, id) = std::max(view_of(t, id), sizes[id] - 1);
}

void weak_fence(std::memory_order mo) {
  runtime_scope own;
  execution& e = *execution::active();
  thread_rec& t = e.current();
  if (acquires(mo)) t.clock.join(t.acq_pending);
  if (releases(mo)) {
    t.rel_fence = t.clock;
    t.has_rel_fence = true;
    t.clock.tick(t.id);
  }
  if (mo == std::memory_order_seq_cst) {
    // seq_cst fences are totally ordered (by execution order here): each one sees what the
    // earlier ones published and publishes what its thread has seen.
    auto& g = e.sc_fence_view();
    if (g.size() < t.view.size()) g.resize(t.view.size(), 0);
    if (t.view.size() < g.size()) t.view.resize(g.size(), 0);
    for (std::size_t i = 0; i < g.size(); ++i) {
      t.view[i] = std::max(t.view[i], g[i]);
      g[i] = t.view[i];
    }
  }
}

// atomic wait (issue 17): the comparison reads the latest store, so no reads-from choice.
std::uint64_t weak_load_latest(weak_location& l, std::uint32_t id, std::memory_order mo) {
  thread_rec& t = execution::active()->current();
  view_of(t, id) = static_cast<std::uint32_t>(l.mo.size() - 1);
  return weak_load(l, id, mo);
}

// ---------------------------------------------------------------- race detection
std::uint32_t new_var_id(source_loc) noexcept {
  auto* e = execution::active();
  return e ? e->next_var_id() : 0;
}

namespace {
std::string var_name(const var_state& v) {
  const std::string n = "var#" + std::to_string(v.id);
  return v.label ? std::string(v.label) + " (" + n + ")" : n;
}
// second_kind "its destruction" (var_destruction) conflicts as a write.
[[noreturn]] void race(execution& e, const char* first_kind, int first_tid, source_loc first_loc,
                       std::uint64_t first_step, const char* second_kind, source_loc second_loc,
                       const var_state& v, const std::string& note = {}) {
  first_loc = resolve(first_loc);  // (deferred locations: a P::thread handle's destructor)
  second_loc = resolve(second_loc);
  // Structured, for the reports and the HTML view: both accesses and the steps they followed.
  const std::string_view read = "a read";
  e.set_race(race_site{first_tid, first_kind != read, first_loc, first_step},
             race_site{e.current_id(), second_kind != read, second_loc, e.steps()});
  // A write without a location is the var's construction (var_init).
  const std::string first = first_loc.file
                                ? std::string(first_kind) + " by thread " +
                                      std::to_string(first_tid) + " at " + to_string(first_loc)
                                : "its construction by thread " + std::to_string(first_tid);
  e.fail(failure_kind::data_race,
         "data race on " + var_name(v) +
             (v.declared.file ? " (declared at " + to_string(v.declared) + ")" : "") + ": " +
             first + " and " + second_kind + " by thread " + std::to_string(e.current_id()) +
             " at " + to_string(second_loc) + " are not ordered by happens-before" + note,
         second_loc);
}
// The step of v's last write (tracing only; else 0: unknown).
std::uint64_t write_step(execution& e, const var_state& v) {
  return e.tracing() ? e.steps_of_var(v.id).write : 0;
}
bool fresh(var_state& v, execution& e) {
  if (v.execution != e.serial()) {  // first access in this execution
    v.write_tid = -1;               // reset field by field: the reads keep their storage
    v.write_clock = 0;
    v.write_loc = source_loc{nullptr, 0};
    v.reads.clear();
    v.execution = e.serial();
  }
  return true;
}
// Replay traces show var accesses between the steps of their thread.
void trace_access(execution& e, op kind, const var_state& v, source_loc loc) {
  runtime_scope own;  // (the trace's strings and the symbolizer's memory are the checker's)
  e.trace_access(kind, var_name(v), resolve(loc), v.declared, v.label == thread_handle_label);
}
}  // namespace

void var_read(var_state& v, source_loc loc) {
  execution* e = execution::active();
  if (!e || e->current_id() < 0) return;  // outside an execution: plain data
  if (v.life != kLive) var_used_dead(v, resolve(loc));
  fresh(v, *e);
  if (e->tracing()) trace_access(*e, op::var_read, v, loc);
  thread_rec& th = e->current();
  if (v.write_tid >= 0 && v.write_tid != th.id && v.write_clock > th.clock[v.write_tid])
    race(*e, "a write", v.write_tid, v.write_loc, write_step(*e, v), "a read", loc, v);
  if (e->tracing()) {
    runtime_scope own;  // (the bookkeeping's memory is the checker's: lockstep/model_new.hpp)
    e->steps_of_var(v.id).read(th.id) = e->steps();
  }
  for (auto& r : v.reads)
    if (r.tid == th.id) {
      r.clock = th.clock[th.id];
      r.loc = loc;
      return;
    }
  v.reads.push_back({th.id, th.clock[th.id], loc});
}

void var_init(var_state& v) noexcept {
  execution* e = execution::active();
  if (!e || e->current_id() < 0) return;
  fresh(v, *e);
  const thread_rec& th = e->current();
  v.write_tid = th.id;
  v.write_clock = th.clock[th.id];
  v.write_loc = source_loc{nullptr, 0};
  if (e->tracing()) {
    runtime_scope own;
    e->steps_of_var(v.id).write = e->steps();
  }
}

void var_write(var_state& v, source_loc loc) {
  execution* e = execution::active();
  if (!e || e->current_id() < 0) return;
  // The common case, before anything else: a live var whose last write in this execution is
  // this thread's, with no read since, cannot race with this write (a P::thread handle's
  // join after its construction): only the write's epoch and line change.
  if (v.execution == e->serial() && v.write_tid == e->current_id() && v.reads.empty() &&
      v.life == kLive && !e->tracing()) [[likely]] {
    const thread_rec& th = e->current();
    v.write_clock = th.clock[th.id];
    v.write_loc = loc;
    return;
  }
  if (v.life != kLive) var_used_dead(v, resolve(loc));
  fresh(v, *e);
  if (e->tracing()) trace_access(*e, op::var_write, v, loc);
  thread_rec& th = e->current();
  if (v.write_tid >= 0 && v.write_tid != th.id && v.write_clock > th.clock[v.write_tid])
    race(*e, "a write", v.write_tid, v.write_loc, write_step(*e, v), "a write", loc, v);
  for (const auto& r : v.reads)
    if (r.tid != th.id && r.clock > th.clock[r.tid])
      race(*e, "a read", r.tid, r.loc, e->tracing() ? e->steps_of_var(v.id).read(r.tid) : 0,
           "a write", loc, v);
  v.write_tid = th.id;
  v.write_clock = th.clock[th.id];
  v.write_loc = loc;
  if (e->tracing()) {
    runtime_scope own;
    e->steps_of_var(v.id).write = e->steps();
  }
  v.reads.clear();
}

void var_destruction(var_state& v, const void* pc) {
  execution* e = execution::active();
  // A var not accessed in this execution (a namespace-scope one) has nothing to race with.
  if (!e || e->current_id() < 0 || v.execution != e->serial()) return;
  const thread_rec& th = e->current();
  const bool write =
      v.write_tid >= 0 && v.write_tid != th.id && v.write_clock > th.clock[v.write_tid];
  const var_state::read* read = nullptr;
  for (const auto& r : v.reads)
    if (r.tid != th.id && r.clock > th.clock[r.tid]) {
      read = &r;
      break;
    }
  if (!write && !read) return;
  // Only a var on the model heap (P::new_object, P::allocator, the operator new hook): a
  // std::shared_ptr's last owner destroys what it owns ordered by a reference count of real,
  // unmodelled atomics (a future's state, a queue shared with callbacks), which would be a
  // race here that the program does not have.
  if (!in_heap_block(&v)) return;
  // Only now the destruction's line: the innermost user frame outside destructors (the
  // delete, or the end of the owner's scope), else the caller of the var's destructor.
  runtime_scope own;
  captured_stack st;
  capture_stack(st);
  const source_loc at = user_frame(st, destruction_line(pc, source_loc{nullptr, 0}), true);
  const std::string note = heap_block_note(&v);
  if (write)
    race(*e, "a write", v.write_tid, v.write_loc, write_step(*e, v), "its destruction", at, v,
         note);
  race(*e, "a read", read->tid, read->loc, e->tracing() ? e->steps_of_var(v.id).read(read->tid) : 0,
       "its destruction", at, v, note);
}

}  // namespace rt

// ---------------------------------------------------------------- model_platform parts
namespace model_detail {

void mutex_core::destroyed_while_locked(const void* pc) const noexcept {
  if (rt::in_execution())
    report_failure(failure_kind::misuse, rt::destruction_while_locked(*this, pc, owner_),
                   rt::destruction_line(pc, created()));
}

namespace {
// The state after a lock (k = await/attempt) or an unlock (k = always) by this thread.
std::uint64_t mutex_after(const void* ctx, std::uint64_t old, int) {
  const auto k = *static_cast<const rt::rmw_kind*>(ctx);
  const int me = rt::current_thread();
  const std::uint32_t depth = static_cast<std::uint32_t>(old >> 32);
  if (k == rt::rmw_kind::always)
    return depth <= 1
               ? 0
               : (static_cast<std::uint64_t>(depth - 1) << 32) | static_cast<std::uint32_t>(me + 1);
  return (static_cast<std::uint64_t>(old == 0 ? 1 : depth + 1) << 32) |
         static_cast<std::uint32_t>(me + 1);
}
// The event of a lock (k = await/attempt) or an unlock (k = always) by thread me, but for the
// state it writes (graph_step's mutex_after).
rt::rmw_request mutex_request(rt::rmw_kind k, std::uint64_t me, bool recursive) {
  rt::rmw_request r;
  r.kind = k;
  r.mo = k == rt::rmw_kind::always ? std::memory_order_release : std::memory_order_acquire;
  r.mo_fail = std::memory_order_relaxed;
  r.guard = k == rt::rmw_kind::always ? &rt::graph_state::mutex_held_by
                                      : &rt::graph_state::mutex_available;
  r.guard_arg = k == rt::rmw_kind::always ? me : me | (std::uint64_t{recursive} << 32);
  return r;
}
}  // namespace

const rt::object* mutex_core::graph_blocked_read(int tid, rt::rmw_request& r,
                                                 std::uint64_t& init) const noexcept {
  r = mutex_request(rt::rmw_kind::await, static_cast<std::uint64_t>(tid), recursive_);
  init = 0;
  return this;
}

bool mutex_core::graph_step(rt::rmw_kind k, source_loc loc) {
  if (!rt::graph_engine()) return true;
  const std::uint64_t state = owner_ < 0 ? 0
                                         : (static_cast<std::uint64_t>(depth_) << 32) |
                                               static_cast<std::uint32_t>(owner_ + 1);
  const auto me = static_cast<std::uint64_t>(rt::current_thread());
  rt::rmw_request r = mutex_request(k, me, recursive_);
  r.apply = &mutex_after;
  r.ctx = &k;
  const rt::rmw_result res = rt::graph_rmw(*this, 0, true, r, loc);
  // The graph's state of the mutex and the mutex's own must agree: the engine replays
  // operations on a mutex in the order its graph gives them.
  if (res.old != state) rt::graph_state_mismatch(*this, loc);
  return res.wrote;
}

std::string mutex_core::waiting_for(int) const {
  return name() + " held by thread " + std::to_string(owner_);
}

void mutex_core::unlock(source_loc loc) {
  fresh();
  rt::point({rt::op::unlock, this, loc});
  int me = rt::current_thread();
  if (owner_ == me) graph_step(rt::rmw_kind::always, loc);
  if (owner_ != me)
    report_failure(failure_kind::misuse,
                   name() + ".unlock() by thread " + std::to_string(me) +
                       (owner_ < 0 ? ", but it is not locked"
                                   : ", but it is owned by thread " + std::to_string(owner_)),
                   loc);
  rt::release_to(*this);
  if (--depth_ == 0) {
    owner_ = -1;
    rt::lock_released(*this);
  }
}

}  // namespace model_detail

void model_platform::atomic_thread_fence(std::memory_order mo, source_loc loc) {
  // Under the sequentially consistent exploration a fence orders nothing further; under the
  // C++11 model it synchronises through the stores read / written around it.
  rt::point_desc d{rt::op::fence, nullptr, loc};
  d.order = static_cast<std::int8_t>(mo);
  rt::point(d);
  if (rt::graph_engine())
    rt::graph_fence(mo, loc);
  else if (rt::weak_memory())
    rt::weak_fence(mo);
}

model_platform::clock::time_point model_platform::clock::now(source_loc loc) {
  rt::point({rt::op::clock_now, nullptr, loc});
  const std::int64_t t = rt::now();
  if (rt::tracing()) rt::trace_note("t=" + std::to_string(t) + "ns");
  return time_point(duration(t));
}

void model_platform::this_thread::sleep_until_ns(std::int64_t deadline, source_loc loc) {
  if (rt::graph_engine()) {  // the sleep ends: the clock reaches its deadline
    rt::point({rt::op::sleep, nullptr, loc});
    rt::graph_advance_clock(deadline, loc);
    return;
  }
  rt::point({rt::op::sleep, nullptr, loc, &rt::g_never, deadline});
}

// shared_mutex
void model_platform::shared_mutex::destroyed_while_locked(const void* pc) const noexcept {
  if (rt::in_execution())
    report_failure(
        failure_kind::misuse,
        rt::destruction_while_locked(*this, pc, writer_ >= 0 ? writer_ : -1) +
            (writer_ >= 0 ? ""
                          : " (held shared by " + std::to_string(readers_.count()) + " reader(s))"),
        rt::destruction_line(pc, created()));
}
std::string model_platform::shared_mutex::exclusive_gate::waiting_for(int) const {
  if (m->writer_ >= 0)
    return m->name() + " held exclusively by thread " + std::to_string(m->writer_);
  return m->name() + " held shared by " + std::to_string(m->readers_.count()) + " reader(s)";
}
std::string model_platform::shared_mutex::shared_gate::waiting_for(int) const {
  return m->name() + " held exclusively by thread " + std::to_string(m->writer_);
}
namespace {
// Under the graph engine a shared mutex's state is (writer, readers): graph/set_values.hpp.
bool rw_free(std::uint64_t v, std::uint64_t) noexcept { return v == 0; }
bool rw_no_writer(std::uint64_t v, std::uint64_t) noexcept { return rt::graph::rw_writer(v) < 0; }
bool rw_writer_is(std::uint64_t v, std::uint64_t tid) noexcept {
  const int writer = rt::graph::rw_writer(v);
  return writer >= 0 && static_cast<std::uint64_t>(writer) == tid;
}
bool rw_reader_is(std::uint64_t v, std::uint64_t tid) noexcept {
  return rt::graph::rw_has_reader(v, static_cast<int>(tid));
}
struct rw_request {
  rt::op o;
  int me;
};
std::uint64_t rw_after(const void* ctx, std::uint64_t v, int) {
  const auto& r = *static_cast<const rw_request*>(ctx);
  int writer = -1;
  rt::thread_set readers;
  rt::graph::rw_of(v, writer, readers);
  switch (r.o) {
    case rt::op::lock:
    case rt::op::try_lock:
      writer = r.me;
      break;
    case rt::op::unlock:
      writer = -1;
      break;
    case rt::op::lock_shared:
    case rt::op::try_lock_shared:
      readers.insert(r.me);
      break;
    default:  // unlock_shared
      readers.erase(r.me);
      break;
  }
  return rt::graph::rw_value(writer, readers);
}
// The event of operation o by thread me, but for the state it writes (rw_after).
rt::rmw_request rw_event(rt::op o, int me) {
  rt::rmw_request r;
  const bool exclusive = o == rt::op::lock || o == rt::op::try_lock;
  const bool shared = o == rt::op::lock_shared || o == rt::op::try_lock_shared;
  r.kind = o == rt::op::lock || o == rt::op::lock_shared           ? rt::rmw_kind::await
           : o == rt::op::try_lock || o == rt::op::try_lock_shared ? rt::rmw_kind::attempt
                                                                   : rt::rmw_kind::always;
  r.mo = exclusive || shared ? std::memory_order_acquire : std::memory_order_release;
  r.mo_fail = std::memory_order_relaxed;
  r.guard = exclusive             ? &rw_free
            : shared              ? &rw_no_writer
            : o == rt::op::unlock ? &rw_writer_is
                                  : &rw_reader_is;
  r.guard_arg = static_cast<std::uint64_t>(me);
  return r;
}
}  // namespace

const rt::object* model_platform::shared_mutex::exclusive_gate::graph_blocked_read(
    int tid, rt::rmw_request& r, std::uint64_t& init) const noexcept {
  r = rw_event(rt::op::lock, tid);
  init = 0;
  return m;
}
const rt::object* model_platform::shared_mutex::shared_gate::graph_blocked_read(
    int tid, rt::rmw_request& r, std::uint64_t& init) const noexcept {
  r = rw_event(rt::op::lock_shared, tid);
  init = 0;
  return m;
}

bool model_platform::shared_mutex::graph_step(rt::op o, source_loc loc) {
  if (!rt::graph_engine()) return true;
  const int me = rt::current_thread();
  rw_request req{o, me};
  rt::rmw_request r = rw_event(o, me);
  r.apply = &rw_after;
  r.ctx = &req;
  const rt::rmw_result res = rt::graph_rmw(*this, 0, true, r, loc);
  if (res.old != rt::graph::rw_value(writer_, readers_)) rt::graph_state_mismatch(*this, loc);
  return res.wrote;
}

void model_platform::shared_mutex::unlock(source_loc loc) {
  fresh();
  rt::point({rt::op::unlock, this, loc});
  int me = rt::current_thread();
  if (writer_ == me) graph_step(rt::op::unlock, loc);
  if (writer_ != me)
    report_failure(failure_kind::misuse,
                   name() + ".unlock() by thread " + std::to_string(me) +
                       ", which does not hold it exclusively",
                   loc);
  rt::release_to(*this);
  writer_ = -1;
  rt::lock_released(*this);
}
void model_platform::shared_mutex::unlock_shared(source_loc loc) {
  fresh();
  rt::point({rt::op::unlock_shared, this, loc});
  int me = rt::current_thread();
  if (readers_.contains(me)) graph_step(rt::op::unlock_shared, loc);
  if (!readers_.contains(me))
    report_failure(failure_kind::misuse,
                   name() + ".unlock_shared() by thread " + std::to_string(me) +
                       ", which does not hold it shared",
                   loc);
  readers_clock_.join(rt::thread_clock());
  rt::thread_clock().tick(me);
  readers_.erase(me);
}

// condition_variable
std::string model_platform::condition_variable::waiting_for(int) const {
  return "a notify of " + name();
}

namespace {
// Under the graph engine the cv's state is (waiting threads, notified threads):
// graph/set_values.hpp.
enum class cv_op : std::uint8_t { enter, wake, timed_wake, notify_one, notify_all };
struct cv_request {
  cv_op op;
  int me;  // enter, wake: the thread
};
int cv_pending(std::uint64_t s) {
  rt::thread_set waiting, notified;
  rt::graph::waiters_of(s, waiting, notified);
  waiting -= notified;
  return waiting.count();
}
std::uint64_t cv_after(const void* ctx, std::uint64_t s, int k) {
  const auto& r = *static_cast<const cv_request*>(ctx);
  rt::thread_set waiting, notified;
  rt::graph::waiters_of(s, waiting, notified);
  switch (r.op) {
    case cv_op::enter:
      waiting.insert(r.me);
      notified.erase(r.me);
      break;
    case cv_op::wake:
    case cv_op::timed_wake:
      waiting.erase(r.me);
      notified.erase(r.me);
      break;
    case cv_op::notify_one: {
      rt::thread_set pending = waiting;
      pending -= notified;
      if (const int t = pending.nth(k); t >= 0) notified.insert(t);
      break;
    }
    case cv_op::notify_all:
      notified |= waiting;
      break;
  }
  return rt::graph::waiters_value(waiting, notified);
}
}  // namespace

// Under the graph engine: the operation's event on the cv's state; returns the state read.
static rt::rmw_result cv_graph_step(const rt::object& cv, const rt::thread_set& waiting,
                                    const rt::thread_set& notified, cv_op op, rt::rmw_kind k,
                                    source_loc loc, bool separate_location = false,
                                    bool after_compare = false) {
  rt::runtime_scope own;
  const int me = rt::current_thread();
  cv_request req{op, me};
  rt::rmw_request r;
  r.kind = k;
  r.mo = std::memory_order_seq_cst;
  r.mo_fail = std::memory_order_seq_cst;
  rt::execution& e = *rt::execution::active();
  if (k == rt::rmw_kind::await) {
    r.guard = &rt::graph_state::notified;
    // Woken without a notify: the graph engine's decision at the block (graph/trust.hpp).
    r.spurious = e.current().woke == rt::wake::spurious;
  }
  r.guard_arg = static_cast<std::uint64_t>(me);
  r.after_compare = after_compare;
  if (op == cv_op::notify_one) r.choices = &cv_pending;
  if (op == cv_op::timed_wake) {  // without its notify: 0 times out, 1 wakes spuriously
    r.choices = [](std::uint64_t s) {
      return rt::graph_state::notified(s, static_cast<std::uint64_t>(rt::current_thread())) ? 1 : 2;
    };
    r.choice_is_spurious = true;
  }
  r.apply = &cv_after;
  r.ctx = &req;
  // An atomic's waiter set sits next to its value: the key with the top bit set (object
  // keys are (thread + 1) << 20 | n, far below it).
  const rt::rmw_result res = separate_location
                                 ? e.graph()->rmw(e, cv.key() | 0x80000000u, 0, true, r, loc)
                                 : rt::graph_rmw(cv, 0, true, r, loc);
  if (res.old != rt::graph::waiters_value(waiting, notified)) rt::graph_state_mismatch(cv, loc);
  return res;
}

namespace rt {
rmw_result graph_waiters(const object& o, bool separate_location, thread_set& waiting,
                         thread_set& notified, waiters_op op, source_loc at) {
  rmw_result res;
  switch (op) {
    case waiters_op::enter:
      res = cv_graph_step(o, waiting, notified, cv_op::enter, rmw_kind::always, at,
                          separate_location, true);
      break;
    case waiters_op::wake:
      res =
          cv_graph_step(o, waiting, notified, cv_op::wake, rmw_kind::await, at, separate_location);
      break;
    case waiters_op::notify_one:
      res = cv_graph_step(o, waiting, notified, cv_op::notify_one, rmw_kind::always, at,
                          separate_location);
      break;
    case waiters_op::notify_all:
      res = cv_graph_step(o, waiting, notified, cv_op::notify_all, rmw_kind::always, at,
                          separate_location);
      break;
  }
  graph::waiters_of(res.written, waiting, notified);
  return res;
}
}  // namespace rt

void model_platform::condition_variable::enter(source_loc loc) {
  fresh();
  rt::point({rt::op::cv_enter, this, loc});
  if (rt::graph_engine())
    cv_graph_step(*this, waiting_, notified_, cv_op::enter, rt::rmw_kind::always, loc);
  const int me = rt::current_thread();
  waiting_.insert(me);
  notified_.erase(me);
}
void model_platform::condition_variable::leave(source_loc loc) {
  rt::point({rt::op::cv_block, this, loc});
  if (rt::graph_engine())
    cv_graph_step(*this, waiting_, notified_, cv_op::wake, rt::rmw_kind::always, loc);
  const int me = rt::current_thread();
  waiting_.erase(me);
  notified_.erase(me);
  if (rt::tracing()) rt::trace_note("stop requested: leaves");
}
rt::wake model_platform::condition_variable::block(std::int64_t deadline, source_loc loc) {
  rt::wake w;
  if (rt::graph_engine()) {
    // Untimed: wait for a notify, or (reading a state without it, within the execution's
    // budget) wake spuriously. Timed: leave either notified or, reading a state without the
    // notify, timed out (the clock moves to the deadline).
    if (deadline < 0) {
      rt::point({rt::op::cv_block, this, loc, this, -1, true});
      const rt::rmw_result res =
          cv_graph_step(*this, waiting_, notified_, cv_op::wake, rt::rmw_kind::await, loc);
      w = rt::graph_state::notified(res.old, static_cast<std::uint64_t>(rt::current_thread()))
              ? rt::wake::normal
              : rt::wake::spurious;
    } else {
      rt::point({rt::op::cv_block, this, loc});
      const rt::rmw_result res =
          cv_graph_step(*this, waiting_, notified_, cv_op::timed_wake, rt::rmw_kind::always, loc);
      w = rt::graph_state::notified(res.old, static_cast<std::uint64_t>(rt::current_thread()))
              ? rt::wake::normal
          : res.choice == 1 ? rt::wake::spurious
                            : rt::wake::timeout;
      if (w == rt::wake::timeout) rt::graph_advance_clock(deadline, loc);
    }
  } else {
    w = rt::point({rt::op::cv_block, this, loc, this, deadline, true});
  }
  const int me = rt::current_thread();
  waiting_.erase(me);
  notified_.erase(me);
  if (rt::tracing())
    rt::trace_note(w == rt::wake::normal ? "notified"
                                         : (w == rt::wake::timeout ? "timed out" : "spurious"));
  return w;
}
void model_platform::condition_variable::notify_one(source_loc loc) {
  fresh();
  rt::point({rt::op::notify_one, this, loc});
  if (rt::graph_engine()) {
    const rt::rmw_result res =
        cv_graph_step(*this, waiting_, notified_, cv_op::notify_one, rt::rmw_kind::always, loc);
    rt::thread_set waiting, now_notified;
    rt::graph::waiters_of(res.written, waiting, now_notified);
    if (rt::tracing()) {
      rt::thread_set woken = now_notified;
      woken -= notified_;
      if (woken.empty())
        rt::trace_note("no waiter");
      else
        rt::trace_note("wakes thread " + std::to_string(woken.first()));
    }
    notified_ = std::move(now_notified);
    return;
  }
  rt::thread_set pending = waiting_;
  pending -= notified_;
  const int n = pending.count();
  if (n == 0) {
    if (rt::tracing()) rt::trace_note("no waiter");
    return;
  }
  const int t = pending.nth(rt::choose(n, "which waiter wakes"));
  notified_.insert(t);
  if (rt::tracing()) rt::trace_note("wakes thread " + std::to_string(t));
}
void model_platform::condition_variable::notify_all(source_loc loc) {
  fresh();
  rt::point({rt::op::notify_all, this, loc});
  if (rt::graph_engine())
    cv_graph_step(*this, waiting_, notified_, cv_op::notify_all, rt::rmw_kind::always, loc);
  if (rt::tracing()) {
    rt::thread_set pending = waiting_;
    pending -= notified_;
    rt::trace_note("wakes " + std::to_string(pending.count()) + " thread(s)");
  }
  notified_ |= waiting_;
}

}  // namespace lockstep
