// Internal: the `thread_local` keyword under the checker. Every simulated thread of an
// execution is a fiber on one OS thread, so they all share that OS thread's copy of each
// thread_local variable, where in production each thread has its own. The watch finds that:
// the program's own thread_local variables (ELF symbols of type STT_TLS in the executable and
// in the shared objects it loaded that are not system libraries, less the checker's and the
// harness's own, in lockstep::rt and lockstep::detail) are found once per process; when there
// are any, the execution runs its steps from the scheduler's stack (not in direct mode), and
// after each step compares the variables' bytes with a copy: a change is a write by the thread
// that just ran. A variable written by two simulated threads of one execution is a misuse
// verdict naming it. Programs without such variables pay one test per execution, none per
// step (execution.cpp).
//
// Not seen: a thread that only reads a variable another thread wrote (it sees that value
// instead of its own copy's), a write that restores the bytes the variable had before the
// step, variables in a module loaded after the first execution or whose TLS block this OS
// thread has not allocated yet (dlopen), and an executable without a symbol table (stripped):
// then only the symbols it exports are known.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lockstep/test.hpp"

namespace lockstep::rt::tls_watch {

// The program has thread_local variables of its own (found on the first call; thread-safe).
bool any() noexcept;

// One execution's watch, on the OS thread that runs it: the variables' bytes as the execution
// started, and which simulated thread wrote each one first.
class session {
 public:
  session();
  // Thread tid ran since the last check, up to its operation at `next` (finished: it ended):
  // the verdict's message if it wrote a variable another simulated thread of this execution
  // wrote, else empty.
  std::string check(int tid, source_loc next, bool finished);

 private:
  struct var {
    unsigned char* addr;
    std::size_t size;
    std::size_t copy;  // offset of its bytes in copy_
    const std::string* name;
    int writer = -1;  // the simulated thread that wrote it first in this execution
    source_loc writer_next{nullptr, 0};
    bool writer_finished = false;
  };
  std::vector<var> vars_;
  std::vector<unsigned char> copy_;
};

}  // namespace lockstep::rt::tls_watch
