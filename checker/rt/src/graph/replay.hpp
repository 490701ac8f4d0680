// Internal: replays one execution of the graph engine from its token.
//
// A graph-engine token (strategy "graph") holds the scheduling choices of the execution (the
// thread that took each step, where more than one could), the values of lockstep::choose,
// and — under the C++11 model only — for every read the write it read (an index into the
// writes of that location executed so far, the initial value first) and for every store its
// place in co among the writes executed so far. Under SC a read reads the latest write
// executed and a store goes last: the schedule alone determines the execution.
#pragma once

#include <cstdint>
#include <vector>

#include "consistency.hpp"
#include "hooks.hpp"

namespace lockstep::rt::graph {

class replay_engine final : public chooser, public engine_hooks {
 public:
  // spurious: the token's budget of spurious events (whether a weak CAS's outcome is a choice).
  replay_engine(model m, std::vector<std::uint16_t> choices, int spurious)
      : model_(m), c_(std::move(choices)), spurious_(spurious) {}
  // Goes on where the token ends instead of calling that an error (the escape probe of
  // checker/rt/src/liveness.hpp): random scheduling and lockstep::choose values, every read
  // of the co-latest write and every store co-last — consistent under both models.
  replay_engine(model m, std::vector<std::uint16_t> choices, int spurious, std::uint64_t tail_seed)
      : model_(m),
        c_(std::move(choices)),
        spurious_(spurious),
        tail_(tail_seed | 1),
        random_tail_(true) {}
  // Lenient (the minimiser, checker/rt/src/minimize.hpp): `choices` is a wish, not a token. A
  // choice that is missing or out of range is replaced by a default — the thread that took
  // the previous step if it can go on (no preemption), else the first candidate; a read of the
  // co-latest write; a store co-last; 0 for lockstep::choose — and taken() is the token of the
  // execution that resulted (a strict replay of it is the same execution).
  struct lenient_t {};
  replay_engine(model m, std::vector<std::uint16_t> choices, int spurious, lenient_t)
      : model_(m), c_(std::move(choices)), spurious_(spurious), lenient_(true) {}
  const std::vector<std::uint16_t>& taken() const noexcept { return taken_; }
  // Lenient: for each choice taken, its alternatives and default; `stay`: the default is the
  // thread that took the previous step, so any other choice is a preemption (the minimiser's
  // preemption-bounded search over graph tokens).
  struct choice_info {
    std::uint16_t n;
    std::uint16_t fallback;
    bool stay;
  };
  const std::vector<choice_info>& taken_info() const noexcept { return info_; }

  int pick(int n) override { return next_choice(n, 0); }
  // After the execution: choices taken, and those left over (a token too long for it).
  std::size_t used() const noexcept { return pos_; }
  std::size_t unused() const noexcept { return c_.size() > pos_ ? c_.size() - pos_ : 0; }
  bool per_step() const noexcept override { return true; }
  int pick_step(const step_candidate* c, int n, const access*) override {
    bool normal = false;
    for (int k = 0; k < n; ++k) normal = normal || c[k].how == wake::normal;
    if (normal && n > 1) {
      const int stay = stay_index(c, n);
      return next_choice(n, stay < 0 ? 0 : stay, stay >= 0);
    }
    if (normal) return 0;
    // Only spurious wake-ups could go on: they are not guaranteed, so this is a deadlock (the
    // graph engine takes a spurious wake-up only where another thread could run).
    return -2;
  }
  engine_hooks* graph_hooks() noexcept override { return this; }
  // The step loop records scheduling choices itself; reads and writes record theirs here.
  void begin_step(execution& x, int tid, const point_desc& d, wake how) override {
    last_tid_ = tid;
    if (const char* what = unsupported_op(d, how)) x.fail_unsupported(what);
  }
  void end_step(execution&, int, bool) override {}
  void store(execution& x, loc_key k, std::uint64_t init, std::uint64_t bits, std::memory_order mo,
             source_loc at) override;
  rmw_result rmw(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                 const rmw_request& op, source_loc at) override;
  void fence(execution& x, std::memory_order mo, source_loc at) override;
  std::uint64_t latest(loc_key k, std::uint64_t init) override {
    return writes_.of(k, init).writes[co_of(k).back()].bits;
  }
  bool held_back(int) const noexcept override { return false; }

 private:
  // The next choice in [0, n); `fallback` is the lenient mode's default (`stay`: it lets the
  // previous step's thread go on).
  int next_choice(int n, int fallback, bool stay = false);
  // The candidate of the thread that took the previous step, if it can go on; else -1.
  int stay_index(const step_candidate* c, int n) const noexcept {
    for (int k = 0; k < n; ++k)
      if (c[k].tid == last_tid_ && c[k].how == wake::normal) return k;
    return -1;
  }
  bool in_tail() const noexcept { return random_tail_ && pos_ >= c_.size(); }
  int tail_pick(int n);
  std::size_t read_index(execution& x, loc_key key, executed_writes::loc_entry& l);
  // C++11 model: whether the current thread may read write `from` of the location (or place
  // a store right after it in co) coherently — no write after it in co happens before the
  // access, and the thread has seen none of them (read or written). A token's choices are
  // coherent by construction; the minimiser's lenient wishes need not be (a read of the
  // initial value after the thread's own store would hand the test a null pointer).
  bool coherent(execution& x, loc_key key, const executed_writes::loc_entry& l, std::size_t from);
  void saw(execution& x, loc_key key, std::size_t index);
  void note_read_from(execution& x, const executed_writes::entry& w, std::size_t index,
                      const std::vector<std::size_t>& co);
  model model_;
  std::vector<std::uint16_t> c_;
  std::size_t pos_ = 0;
  int spurious_ = 0;
  std::uint64_t tail_ = 0;  // splitmix64 state of the random tail
  bool random_tail_ = false;
  bool lenient_ = false;
  std::vector<std::uint16_t> taken_;  // lenient: the choices made
  std::vector<choice_info> info_;     // lenient: what each was made among
  int last_tid_ = -1;
  executed_writes writes_;
  // Per location: the executed writes (indices into writes_) in co order.
  struct co_list {
    loc_key key;
    std::vector<std::size_t> order;
  };
  std::vector<co_list> co_;
  std::vector<std::size_t>& co_of(loc_key k);
  // Per (location, thread): the co-latest write the thread has read or written.
  struct seen_entry {
    loc_key key;
    int tid;
    std::size_t index;
  };
  std::vector<seen_entry> seen_;
};

}  // namespace lockstep::rt::graph
