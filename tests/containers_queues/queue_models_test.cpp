// Unit tests of the sequential queue models (models/queue.hpp) on hand-written histories:
// linearizable ones must be accepted and non-linearizable ones rejected, for FIFO, LIFO and
// priority order, capacity, close, timeouts and open operations.
#include <lockstep/lincheck/lincheck.hpp>
#include <lockstep/models/queue.hpp>
#include <lockstep/test.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace lin = lockstep::lin;
using lockstep::models::queue_input;
using lockstep::models::queue_op;
using lockstep::models::queue_output;

namespace {

// One operation of a hand-written history: [call, ret] in abstract time (ret < 0: open).
struct row {
  int client;
  queue_op kind;
  std::int64_t arg;
  bool ok;
  std::int64_t value;
  std::uint64_t call;
  std::int64_t ret;
};

template <class M>
lin::history<M> make(const std::vector<row>& rows) {
  lin::history<M> h;
  for (const row& r : rows) {
    lin::operation<queue_input, queue_output> o;
    o.client = r.client;
    o.input = {r.kind, r.arg};
    o.call = r.call;
    if (r.ret >= 0) {
      o.output = queue_output{r.ok, r.value};
      o.ret = static_cast<std::uint64_t>(r.ret);
    }
    h.ops.push_back(o);
  }
  return h;
}

template <class M>
bool linearizable(const std::vector<row>& rows) {
  return lin::check(M{}, make<M>(rows)).linearizable();
}

using Fifo = lockstep::models::fifo_queue_model<2>;
using Lifo = lockstep::models::lifo_queue_model<2>;
using Prio = lockstep::models::priority_queue_model<2>;
static_assert(lin::model<Fifo> && lin::model<Lifo> && lin::model<Prio>);

constexpr auto put = queue_op::put, try_put = queue_op::try_put, put_for = queue_op::put_for,
               get = queue_op::get, try_get = queue_op::try_get, get_for = queue_op::get_for,
               close_op = queue_op::close, size = queue_op::size;

}  // namespace

LOCKSTEP_UNIT_TEST(queue_model_orders_sequential) {
  // put 1, put 2, get, get: FIFO gets 1 then 2, LIFO 2 then 1, priority 1 then 2.
  auto seq = [](std::int64_t first, std::int64_t second) {
    return std::vector<row>{{0, put, 1, true, 0, 0, 1},
                            {0, put, 2, true, 0, 2, 3},
                            {0, get, 0, true, first, 4, 5},
                            {0, get, 0, true, second, 6, 7}};
  };
  LOCKSTEP_ASSERT(linearizable<Fifo>(seq(1, 2)));
  LOCKSTEP_ASSERT(!linearizable<Fifo>(seq(2, 1)));
  LOCKSTEP_ASSERT(linearizable<Lifo>(seq(2, 1)));
  LOCKSTEP_ASSERT(!linearizable<Lifo>(seq(1, 2)));
  LOCKSTEP_ASSERT(linearizable<Prio>(seq(1, 2)));
  LOCKSTEP_ASSERT(!linearizable<Prio>(seq(2, 1)));
  // Priority is by value, not arrival: put 5, put 3 -> get 3 first.
  std::vector<row> prio{
      {0, put, 5, true, 0, 0, 1}, {0, put, 3, true, 0, 2, 3}, {0, get, 0, true, 3, 4, 5}};
  LOCKSTEP_ASSERT(linearizable<Prio>(prio));
  LOCKSTEP_ASSERT(!linearizable<Fifo>(prio));
}

LOCKSTEP_UNIT_TEST(queue_model_concurrent_puts_either_order) {
  // Two overlapping puts: a later get may see either first.
  for (std::int64_t first : {1, 2}) {
    std::vector<row> h{
        {0, put, 1, true, 0, 0, 3}, {1, put, 2, true, 0, 1, 2}, {0, get, 0, true, first, 4, 5}};
    LOCKSTEP_ASSERT(linearizable<Fifo>(h)) << "first " << first;
  }
  // A got value that was never put is not linearizable.
  LOCKSTEP_ASSERT(!linearizable<Fifo>({{0, put, 1, true, 0, 0, 1}, {1, get, 0, true, 9, 2, 3}}));
  // The same item got twice is not linearizable.
  LOCKSTEP_ASSERT(!linearizable<Fifo>(
      {{0, put, 1, true, 0, 0, 1}, {1, get, 0, true, 1, 2, 3}, {0, try_get, 0, true, 1, 4, 5}}));
}

LOCKSTEP_UNIT_TEST(queue_model_capacity_and_failures) {
  // Capacity 2: a third try_put fails only while full.
  std::vector<row> full{
      {0, put, 1, true, 0, 0, 1}, {0, put, 2, true, 0, 2, 3}, {0, try_put, 3, false, 0, 4, 5}};
  LOCKSTEP_ASSERT(linearizable<Fifo>(full));
  LOCKSTEP_ASSERT(!linearizable<Fifo>({{0, try_put, 3, false, 0, 0, 1}}))
      << "try_put may not fail on an empty open queue";
  LOCKSTEP_ASSERT(!linearizable<Fifo>(
      {{0, put, 1, true, 0, 0, 1}, {0, put, 2, true, 0, 2, 3}, {0, put, 3, true, 0, 4, 5}}))
      << "a third accepted put exceeds capacity 2 without a get";
  // A timed-out put_for is allowed only when full; a blocking put fails only when closed.
  LOCKSTEP_ASSERT(!linearizable<Fifo>({{0, put_for, 1, false, 0, 0, 1}}));
  LOCKSTEP_ASSERT(linearizable<Fifo>(
      {{0, put, 1, true, 0, 0, 1}, {0, put, 2, true, 0, 2, 3}, {0, put_for, 3, false, 0, 4, 5}}));
  LOCKSTEP_ASSERT(!linearizable<Fifo>(
      {{0, put, 1, true, 0, 0, 1}, {0, put, 2, true, 0, 2, 3}, {0, put, 3, false, 0, 4, 5}}))
      << "blocking put failed on a full but open queue";
  // Empty gets: try_get/get_for only when empty; blocking get only when closed and empty.
  LOCKSTEP_ASSERT(
      linearizable<Fifo>({{0, try_get, 0, false, 0, 0, 1}, {0, get_for, 0, false, 0, 2, 3}}));
  LOCKSTEP_ASSERT(
      !linearizable<Fifo>({{0, put, 1, true, 0, 0, 1}, {0, get_for, 0, false, 0, 2, 3}}))
      << "get_for timed out although an item was queued";
  LOCKSTEP_ASSERT(!linearizable<Fifo>({{0, get, 0, false, 0, 0, 1}}))
      << "blocking get returned empty on an open queue";
}

LOCKSTEP_UNIT_TEST(queue_model_close_drains_then_fails) {
  // put 1, close, put 2 fails, get 1 (drain), get -> nothing.
  std::vector<row> h{{0, put, 1, true, 0, 0, 1},
                     {0, close_op, 0, true, 0, 2, 3},
                     {0, put, 2, false, 0, 4, 5},
                     {0, get, 0, true, 1, 6, 7},
                     {0, get, 0, false, 0, 8, 9}};
  LOCKSTEP_ASSERT(linearizable<Fifo>(h));
  // Losing the queued item at close is not linearizable.
  LOCKSTEP_ASSERT(!linearizable<Fifo>(
      {{0, put, 1, true, 0, 0, 1}, {0, close_op, 0, true, 0, 2, 3}, {0, get, 0, false, 0, 4, 5}}));
  // A put accepted after close returned is not linearizable.
  LOCKSTEP_ASSERT(
      !linearizable<Fifo>({{0, close_op, 0, true, 0, 0, 1}, {0, try_put, 2, true, 0, 2, 3}}));
  // A blocked get concurrent with close may return nothing.
  LOCKSTEP_ASSERT(
      linearizable<Fifo>({{0, get, 0, false, 0, 0, 3}, {1, close_op, 0, true, 0, 1, 2}}));
}

LOCKSTEP_UNIT_TEST(queue_model_size_and_open_ops) {
  LOCKSTEP_ASSERT(linearizable<Fifo>({{0, put, 1, true, 0, 0, 1}, {0, size, 0, true, 1, 2, 3}}));
  LOCKSTEP_ASSERT(!linearizable<Fifo>({{0, put, 1, true, 0, 0, 1}, {0, size, 0, true, 0, 2, 3}}));
  // An open put may have taken effect: its item may be got...
  LOCKSTEP_ASSERT(linearizable<Fifo>({{0, put, 7, true, 0, 0, -1}, {1, get, 0, true, 7, 1, 2}}));
  // ...or not: then a try_get may find the queue empty.
  LOCKSTEP_ASSERT(
      linearizable<Fifo>({{0, put, 7, true, 0, 0, -1}, {1, try_get, 0, false, 0, 1, 2}}));
  // An open get may have removed the only item.
  LOCKSTEP_ASSERT(linearizable<Fifo>(
      {{0, put, 1, true, 0, 0, 1}, {1, get, 0, true, 0, 2, -1}, {0, try_get, 0, false, 0, 3, 4}}));
}
