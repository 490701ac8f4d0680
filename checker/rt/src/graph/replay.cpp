#include "replay.hpp"

#include <algorithm>
#include <string>

namespace lockstep::rt::graph {

int replay_engine::tail_pick(int n) {
  std::uint64_t z = (tail_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<int>((z ^ (z >> 31)) % static_cast<std::uint64_t>(n));
}

int replay_engine::next_choice(int n, int fallback, bool stay) {
  if (lenient_) {
    int v = pos_ < c_.size() ? c_[pos_] : n;
    ++pos_;
    if (v >= n) v = fallback;
    taken_.push_back(static_cast<std::uint16_t>(v));
    info_.push_back(
        choice_info{static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(fallback), stay});
    return v;
  }
  if (in_tail()) return tail_pick(n);
  if (pos_ >= c_.size()) {
    error = "the replay token's schedule ended after " + std::to_string(c_.size()) +
            " choices but the execution continued (token from different code?)";
    return 0;
  }
  const int v = c_[pos_++];
  if (v >= n) {
    error = "the replay token chose alternative " + std::to_string(v) + " of only " +
            std::to_string(n) + " at choice " + std::to_string(pos_) +
            " (token from different code?)";
    return 0;
  }
  return v;
}

// The trace names the store a read read: its step and thread, and whether a newer store (in
// co) existed — a stale read, which only the C++11 model allows.
void replay_engine::note_read_from(execution& x, const executed_writes::entry& w, std::size_t index,
                                   const std::vector<std::size_t>& co) {
  const bool stale = !co.empty() && co.back() != index;
  x.note_reads_store(index == 0 ? 0 : static_cast<std::uint64_t>(w.ref.idx), w.ref.tid, stale);
}

std::vector<std::size_t>& replay_engine::co_of(loc_key k) {
  for (auto& c : co_)
    if (c.key == k) return c.order;
  co_.push_back(co_list{k, {0}});
  return co_.back().order;
}

bool replay_engine::coherent(execution& x, loc_key key, const executed_writes::loc_entry& l,
                             std::size_t from) {
  const std::vector<std::size_t>& co = co_of(key);
  const auto at = std::find(co.begin(), co.end(), from);
  const thread_rec& t = x.current();
  for (auto it = at + 1; it < co.end(); ++it) {
    const executed_writes::entry& w = l.writes[*it];
    if (w.ref.tid >= 0 && w.epoch <= t.clock[w.ref.tid]) return false;  // happens before
  }
  for (const seen_entry& s : seen_)
    if (s.key == key && s.tid == x.current_id())
      return std::find(co.begin(), co.end(), s.index) <= at;
  return true;
}

void replay_engine::saw(execution& x, loc_key key, std::size_t index) {
  const std::vector<std::size_t>& co = co_of(key);
  for (seen_entry& s : seen_)
    if (s.key == key && s.tid == x.current_id()) {
      if (std::find(co.begin(), co.end(), s.index) < std::find(co.begin(), co.end(), index))
        s.index = index;
      return;
    }
  seen_.push_back(seen_entry{key, x.current_id(), index});
}

std::size_t replay_engine::read_index(execution& x, loc_key key, executed_writes::loc_entry& l) {
  if (model_ == model::sc || l.writes.size() == 1) return l.writes.size() - 1;
  if (in_tail()) return co_of(key).back();
  const std::size_t latest = co_of(key).back();
  auto k = static_cast<std::size_t>(
      next_choice(static_cast<int>(l.writes.size()), static_cast<int>(latest)));
  if (error.empty() && !coherent(x, key, l, k)) {
    if (lenient_) {
      k = latest;  // the co-latest write is always coherent
      taken_.back() = static_cast<std::uint16_t>(k);
    } else {
      error =
          "the replay token makes a read read an overwritten store its thread can no longer "
          "read (token from different code?)";
    }
  }
  if (!error.empty()) x.fail(failure_kind::misuse, error, x.current().pending.loc);
  saw(x, key, k);
  return k;
}

rmw_result replay_engine::rmw(execution& x, loc_key k, std::uint64_t init, bool sync_object,
                              const rmw_request& op, source_loc) {
  auto& l = writes_.of(k, init);
  co_of(k);
  const std::size_t from = read_index(x, k, l);
  if (x.tracing() && !sync_object) note_read_from(x, l.writes[from], from, co_of(k));
  rmw_result res;
  res.old = l.writes[from].bits;
  res.wrote = rmw_writes(op, res.old);
  // A weak CAS that could succeed: the token says whether it failed spuriously.
  if (op.weak && op.kind == rmw_kind::cas && spurious_ > 0 && res.old == op.expected &&
      next_choice(2, 0) == 1)
    res.wrote = false;
  if (!sync_object)
    executed_writes::on_read(x.current(), l.writes[from], res.wrote ? op.mo : op.mo_fail);
  if (!res.wrote) return res;
  executed_writes::entry w;
  w.ref = event_ref{x.current_id(), static_cast<std::int32_t>(x.steps())};
  w.epoch = x.current().clock[x.current_id()];
  const int n = op.choices ? std::max(1, op.choices(res.old)) : 1;
  const int choice = n > 1 ? next_choice(n, 0) : 0;
  if (!error.empty()) x.fail(failure_kind::misuse, error, x.current().pending.loc);
  res.choice = choice;
  w.bits = op.apply ? op.apply(op.ctx, res.old, choice) : res.old;
  if (!sync_object) executed_writes::on_write(x.current(), w, op.mo, &l.writes[from]);
  res.written = w.bits;
  l.writes.push_back(w);
  auto& co = co_of(k);
  co.insert(std::find(co.begin(), co.end(), from) + 1, l.writes.size() - 1);
  if (model_ == model::rc11) saw(x, k, l.writes.size() - 1);
  return res;
}

void replay_engine::store(execution& x, loc_key k, std::uint64_t init, std::uint64_t bits,
                          std::memory_order mo, source_loc) {
  auto& l = writes_.of(k, init);
  auto& co = co_of(k);
  std::size_t before = co.size() - 1;  // SC: last
  if (model_ == model::rc11 && co.size() > 1 && !in_tail()) {
    before = static_cast<std::size_t>(
        next_choice(static_cast<int>(co.size()), static_cast<int>(co.size()) - 1));
    // Right after co[before]: coherent if no write after that happens before the store and
    // the thread has seen none of them.
    if (error.empty() && !coherent(x, k, l, co[before])) {
      if (lenient_) {
        before = co.size() - 1;  // co-last is always coherent
        taken_.back() = static_cast<std::uint16_t>(before);
      } else {
        error =
            "the replay token places a store before one its thread has already seen "
            "(token from different code?)";
      }
    }
    if (!error.empty()) x.fail(failure_kind::misuse, error, x.current().pending.loc);
  }
  executed_writes::entry w;
  w.bits = bits;
  w.ref = event_ref{x.current_id(), static_cast<std::int32_t>(x.steps())};
  w.epoch = x.current().clock[x.current_id()];
  executed_writes::on_write(x.current(), w, mo, nullptr);
  l.writes.push_back(w);
  co.insert(co.begin() + static_cast<std::ptrdiff_t>(before) + 1, l.writes.size() - 1);
  if (model_ == model::rc11) saw(x, k, l.writes.size() - 1);
}

void replay_engine::fence(execution& x, std::memory_order mo, source_loc) {
  executed_writes::on_fence(x.current(), mo);
}

}  // namespace lockstep::rt::graph
