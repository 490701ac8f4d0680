// lockstep/detail/turn_sleepers.hpp — internal: the sleeping half of the ticket (FIFO) locks.
// A waiter whose ticket is not served yet sleeps on a slot word of its own (ticket mod
// kSlots) instead of the shared `serving` counter, so that a release wakes only the threads
// whose turn comes next, not every waiter (FifoLock, TicketLock, and the writers of
// PhaseFairRwLock).
//
// Contract (the store-buffering pair that makes wake-ups impossible to lose):
//   * The waiter calls sleep(serving, my, lead): it marks its slot (seq_cst RMW), re-reads
//     `serving` (seq_cst) and sleeps only if `my` is still more than `lead` tickets behind.
//   * The releaser advances `serving` to s with a seq_cst store or RMW, then calls
//     wake(s + lead) (and may wake more tickets): wake() reads the slot (seq_cst) and, if
//     marked, clears the mark by bumping its generation and notifies that slot's sleepers.
//   Either the releaser sees the mark, or the waiter sees the new `serving`. A woken waiter
//   re-checks and may sleep again (tickets that share a slot, or a wake for the next in line).
//   Only the owner of `serving` (the holder of the turn) calls wake(). The slots are slept
//   on with detail::park and woken with detail::unpark_all (the futex itself on Linux).
#pragma once

#include <atomic>
#include <cstdint>

#include "lockstep/detail/futex_wait.hpp"

namespace lockstep::detail {

template <class P>
class TurnSleepers {
 public:
  // Marks the slot of `my`, re-checks `serving`, and sleeps until the slot changes if `my`
  // is still more than `lead` tickets behind it. Returns the latest value of `serving` it
  // read (with acquire). The releaser must wake(s + lead) whenever it makes `serving` s.
  std::uint32_t sleep(typename P::template atomic<std::uint32_t>& serving, std::uint32_t my,
                      std::uint32_t lead = 0) {
    auto& slot = slots_[my % kSlots];
    const std::uint32_t v = slot.fetch_or(kMark, std::memory_order_seq_cst) | kMark;
    const std::uint32_t s = serving.load(std::memory_order_seq_cst);
    if (my - s <= lead) return s;
    park(slot, v);
    return serving.load(std::memory_order_acquire);
  }
  // Wakes the sleepers on ticket t's slot, if any marked it; call after publishing the
  // `serving` value that may let t in (seq_cst).
  void wake(std::uint32_t t) {
    auto& slot = slots_[t % kSlots];
    if (slot.load(std::memory_order_seq_cst) & kMark) {
      slot.fetch_add(1, std::memory_order_relaxed);  // mark -> next generation, unmarked
      unpark_all(slot);
    }
  }

 private:
  // Under the model checker two slots, so that three waiters already share one.
  static constexpr std::uint32_t kSlots = P::is_model ? 2 : 32;
  static constexpr std::uint32_t kMark = 1;

  typename P::template atomic<std::uint32_t> slots_[kSlots] = {};  // generation << 1 | mark
};

}  // namespace lockstep::detail
