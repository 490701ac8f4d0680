// A model test that overflows its fiber stack: the checker must print a clear report with a
// replay token and exit non-zero, not crash silently. Run by CTest with a regex on the output.
#include <lockstep/check.hpp>

using P = lockstep::model_platform;

namespace {
int deep(int n, volatile char* sink) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  *sink = frame[0];
  return n == 0 ? 0 : deep(n - 1, sink) + frame[0];
}
}  // namespace

LOCKSTEP_TEST(unbounded_recursion_overflows, {.stack_size = 32 * 1024}) {
  P::atomic<int> depth{1 << 20};
  volatile char sink = 0;
  P::thread t([&] { deep(depth.load(), &sink); });
  t.join();
}
