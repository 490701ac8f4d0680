// Applies one operation of the queue models (models/queue.hpp) to a BlockingQueue and returns
// its output; timed operations wait `timeout`. Shared by the property and stress tests.
#pragma once

#include <lockstep/models/queue.hpp>

#include <cstdint>
#include <optional>

template <class Q, class Duration>
lockstep::models::queue_output apply_queue_op(Q& q, const lockstep::models::queue_input& in,
                                              Duration timeout) {
  using lockstep::models::queue_op;
  using lockstep::models::queue_output;
  auto got = [](std::optional<int> v) { return queue_output{v.has_value(), v.value_or(0)}; };
  const int v = static_cast<int>(in.value);
  switch (in.kind) {
    case queue_op::put:
      return {q.put(v)};
    case queue_op::put_for:
      return {q.put_for(v, timeout)};
    case queue_op::try_put:
      return {q.try_put(v)};
    case queue_op::get:
      return got(q.get());
    case queue_op::get_for:
      return got(q.get_for(timeout));
    case queue_op::try_get:
      return got(q.try_get());
    case queue_op::close:
      q.close();
      return {};
    case queue_op::size:
      return {true, static_cast<std::int64_t>(q.size())};
  }
  return {};
}
