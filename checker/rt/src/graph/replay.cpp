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

std::size_t replay_engine::read_index(execution& x, loc_key key, executed_writes::loc_entry& l) {
  if (model_ == model::sc || l.writes.size() == 1) return l.writes.size() - 1;
  if (in_tail()) return co_of(key).back();
  const int k = next_choice(static_cast<int>(l.writes.size()), static_cast<int>(co_of(key).back()));
  if (!error.empty()) x.fail(failure_kind::misuse, error, x.current().pending.loc);
  return static_cast<std::size_t>(k);
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
    if (!error.empty()) x.fail(failure_kind::misuse, error, x.current().pending.loc);
  }
  executed_writes::entry w;
  w.bits = bits;
  w.ref = event_ref{x.current_id(), static_cast<std::int32_t>(x.steps())};
  executed_writes::on_write(x.current(), w, mo, nullptr);
  l.writes.push_back(w);
  co.insert(co.begin() + static_cast<std::ptrdiff_t>(before) + 1, l.writes.size() - 1);
}

void replay_engine::fence(execution& x, std::memory_order mo, source_loc) {
  executed_writes::on_fence(x.current(), mo);
}

}  // namespace lockstep::rt::graph
