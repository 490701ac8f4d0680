// lockstep/models/executor.hpp — sequential spec of a thread pool with futures
// (lockstep::ThreadPool + lockstep::Future, Python's concurrent.futures semantics).
//
// A pool's tasks change state without any client call (a worker starts a task, the task
// finishes), so the model has internal transitions, applied lazily: an operation's output
// forces exactly the internal steps needed to explain it, never more (a later output can still
// force the rest, so applying them early would only rule out valid histories). That keeps the
// model deterministic: lin::check needs one successor state per (state, operation, output).
//
// Per task: absent -> pending (submitted) -> started -> finished, or pending -> cancelled. The
// task's body is an operation too, recorded by the worker that runs it (invoked when the body
// begins, responded when it returns), so "ran exactly once, never when cancelled" is part of
// the history rather than a separate invariant.
//
//   submit(t, throws)  ok: t becomes pending, last in the queue.
//   body(t)            ok: t was pending or started (pending: it is started now) and its body
//                      had not run. A body of a cancelled task, or a second body, is rejected.
//   cancel(t) -> yes   t pending (it becomes cancelled) or already cancelled (idempotent).
//             -> no    t started or finished (pending: it is started now).
//   done(t)   -> yes   t finished or cancelled (started/pending: it finishes now, which needs
//                      its body to have run).
//             -> no    t pending or started.
//   running(t)-> yes   t started (pending: started now).   -> no   t pending, finished or
//                      cancelled (started: it finishes now).
//   result(t) -> value 10*t of a non-throwing task / error of a throwing one (it finishes now) /
//                cancelled of a cancelled task. result_for(t) may also give timeout: t was not
//                done (pending or started).
//   add_callback(t, k)  ok: done-callback number k is registered on t.
//   callback(t, k)      ok: callback k runs (recorded by whichever thread runs it, as its own
//                client: a callback may run inside add_done_callback or inside cancel): k was
//                registered on t, had not run, and t is done (it finishes now if needed).
//   shutdown  ok: shutdown(wait=true) returned, so every task that is not cancelled has
//                finished (and its body ran), and every registered callback has run.
//
// Start order: with `workers == 1` tasks start in submission order and one at a time, so
// starting t finishes every other started task (each needs its body) and needs every task
// submitted before t to be started or cancelled already. With more workers a popped task may
// start after a later one (workers race between the pop and the start), so no order and no
// bound on running tasks is checked (the pool's own tests check its worker count).
//
// An open operation (no response) is treated as never having taken effect.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>

namespace lockstep::models {

struct executor_model {
  static constexpr int kMaxTasks = 16;
  int workers = 1;

  enum class op : std::uint8_t {
    submit,
    body,
    cancel,
    done,
    running,
    result,
    result_for,
    add_callback,
    callback,
    shutdown
  };
  struct input_type {
    op kind = op::submit;
    int task = 0;
    bool throws = false;  // submit only
    int slot = 0;         // add_callback, callback: which callback (0 .. kMaxTasks - 1)
    friend std::ostream& operator<<(std::ostream& os, const input_type& in) {
      static const char* const names[] = {"submit",   "body",    "cancel",     "done",
                                          "running",  "result",  "result_for", "add_callback",
                                          "callback", "shutdown"};
      os << names[static_cast<int>(in.kind)];
      if (in.kind == op::shutdown) return os << "()";
      os << '(' << in.task;
      if (in.kind == op::submit && in.throws) os << ", throws";
      if (in.kind == op::add_callback || in.kind == op::callback) os << ", #" << in.slot;
      return os << ')';
    }
  };

  enum class outcome : std::uint8_t { ok, yes, no, value, error, cancelled, timeout };
  struct output_type {
    outcome what = outcome::ok;
    int value = 0;  // outcome::value only
    friend bool operator==(const output_type&, const output_type&) = default;
    friend std::ostream& operator<<(std::ostream& os, const output_type& out) {
      static const char* const names[] = {"ok",    "yes",       "no",     "value",
                                          "error", "cancelled", "timeout"};
      os << names[static_cast<int>(out.what)];
      if (out.what == outcome::value) os << ' ' << out.value;
      return os;
    }
  };

  enum class phase : std::uint8_t { absent, pending, started, finished, cancelled };
  struct state_type {
    std::array<phase, kMaxTasks> phases{};
    std::uint16_t body_ran = 0;                  // bit t: t's body has run
    std::uint16_t throws = 0;                    // bit t: t was submitted as throwing
    std::uint16_t callbacks = 0;                 // bit k: callback k is registered
    std::uint16_t callbacks_ran = 0;             // bit k: callback k has run
    std::array<std::int8_t, kMaxTasks> queue{};  // task ids in submission order
    std::uint8_t submitted = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  state_type init() const { return {}; }

  std::optional<state_type> step(state_type s, const input_type& in,
                                 const std::optional<output_type>& out) const {
    if (!out) return s;
    if (in.kind == op::shutdown) return out->what == outcome::ok ? finish_all(s) : std::nullopt;
    if (in.task < 0 || in.task >= kMaxTasks || in.slot < 0 || in.slot >= kMaxTasks)
      return std::nullopt;
    const int t = in.task;
    const phase ph = s.phases[t];
    const auto yes_no = [&](bool expect_yes) {
      return out->what == (expect_yes ? outcome::yes : outcome::no);
    };
    switch (in.kind) {
      case op::submit:
        if (ph != phase::absent || out->what != outcome::ok || s.submitted == kMaxTasks)
          return std::nullopt;
        s.phases[t] = phase::pending;
        if (in.throws) s.throws |= bit(t);
        s.queue[s.submitted++] = static_cast<std::int8_t>(t);
        return s;
      case op::body:
        if (out->what != outcome::ok || (s.body_ran & bit(t))) return std::nullopt;
        if (!start(s, t)) return std::nullopt;
        s.body_ran |= bit(t);
        return s;
      case op::cancel:
        if (yes_no(true)) {
          if (ph == phase::pending) s.phases[t] = phase::cancelled;
          return ph == phase::pending || ph == phase::cancelled ? std::optional(s) : std::nullopt;
        }
        if (!yes_no(false) || ph == phase::cancelled) return std::nullopt;
        return start(s, t) ? std::optional(s) : std::nullopt;
      case op::done:
        if (yes_no(true))
          return ph == phase::cancelled || finish(s, t) ? std::optional(s) : std::nullopt;
        return yes_no(false) && (ph == phase::pending || ph == phase::started) ? std::optional(s)
                                                                               : std::nullopt;
      case op::running:
        if (yes_no(true))
          return ph != phase::finished && start(s, t) ? std::optional(s) : std::nullopt;
        if (!yes_no(false) || ph == phase::absent) return std::nullopt;
        return ph != phase::started || finish(s, t) ? std::optional(s) : std::nullopt;
      case op::result:
      case op::result_for:
        if (out->what == outcome::timeout)
          return in.kind == op::result_for && (ph == phase::pending || ph == phase::started)
                     ? std::optional(s)
                     : std::nullopt;
        if (out->what == outcome::cancelled)
          return ph == phase::cancelled ? std::optional(s) : std::nullopt;
        if (ph == phase::cancelled || !finish(s, t)) return std::nullopt;
        if (s.throws & bit(t)) return out->what == outcome::error ? std::optional(s) : std::nullopt;
        return out->what == outcome::value && out->value == 10 * t ? std::optional(s)
                                                                   : std::nullopt;
      case op::add_callback:
        if (out->what != outcome::ok || ph == phase::absent || (s.callbacks & bit(in.slot)))
          return std::nullopt;
        s.callbacks |= bit(in.slot);
        return s;
      case op::callback:
        if (out->what != outcome::ok || !(s.callbacks & bit(in.slot)) ||
            (s.callbacks_ran & bit(in.slot)) || (ph != phase::cancelled && !finish(s, t)))
          return std::nullopt;
        s.callbacks_ran |= bit(in.slot);
        return s;
      case op::shutdown:
        break;
    }
    return std::nullopt;
  }

 private:
  static std::uint16_t bit(int t) { return static_cast<std::uint16_t>(1u << t); }

  // Internal step "a worker starts t" (no-op if t already started or finished).
  bool start(state_type& s, int t) const {
    const phase ph = s.phases[t];
    if (ph == phase::started || ph == phase::finished) return true;
    if (ph != phase::pending) return false;
    if (workers == 1) {
      // One worker: every earlier task was popped before t (it ran or was cancelled), and the
      // task the worker ran last has finished.
      for (int i = 0; i < s.submitted && s.queue[i] != t; ++i)
        if (s.phases[s.queue[i]] == phase::pending) return false;
      for (int u = 0; u < kMaxTasks; ++u)
        if (s.phases[u] == phase::started && !finish(s, u)) return false;
    }
    s.phases[t] = phase::started;
    return true;
  }

  // Internal step "t finishes" (starting it first if pending): needs its body to have run.
  bool finish(state_type& s, int t) const {
    if (s.phases[t] == phase::finished) return true;
    if (!start(s, t) || !(s.body_ran & bit(t))) return false;
    s.phases[t] = phase::finished;
    return true;
  }

  std::optional<state_type> finish_all(state_type s) const {
    for (int i = 0; i < s.submitted; ++i) {
      const int t = s.queue[i];
      if (s.phases[t] != phase::cancelled && !finish(s, t)) return std::nullopt;
    }
    if (s.callbacks != s.callbacks_ran) return std::nullopt;
    return s;
  }
};

}  // namespace lockstep::models

template <>
struct std::hash<lockstep::models::executor_model::state_type> {
  std::size_t operator()(const lockstep::models::executor_model::state_type& s) const noexcept {
    std::uint64_t h = (std::uint64_t{s.callbacks_ran} << 48) | (std::uint64_t{s.body_ran} << 32) |
                      (std::uint64_t{s.throws} << 16) | s.submitted;
    h = h * 0x100000001B3ull ^ s.callbacks;
    for (int i = 0; i < lockstep::models::executor_model::kMaxTasks; ++i)
      h = h * 0x100000001B3ull ^
          (static_cast<std::uint64_t>(s.phases[i]) << 8 | static_cast<std::uint8_t>(s.queue[i]));
    return static_cast<std::size_t>(h);
  }
};
