# Project-wide warning and sanitizer flags, applied through an INTERFACE target so that
# installed targets do not carry them.
add_library(lockstep_build_flags INTERFACE)
target_compile_options(lockstep_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 at -O3 reports false -Wrestrict positives inside std::string concatenation
  # (GCC bug 105329); they are not in our code.
  target_compile_options(lockstep_build_flags INTERFACE -Wno-restrict)
endif()
if(LOCKSTEP_WERROR)
  target_compile_options(lockstep_build_flags INTERFACE -Werror)
endif()
# The sanitizer flags, also named for tests/install: a package built with them is consumed
# with the same flags (its static libraries need the sanitizer runtime at link time).
set(LOCKSTEP_SANITIZER_COMPILE_FLAGS "")
set(LOCKSTEP_SANITIZER_LINK_FLAGS "")
if(LOCKSTEP_TSAN)
  set(LOCKSTEP_SANITIZER_COMPILE_FLAGS -fsanitize=thread -g -O1)
  set(LOCKSTEP_SANITIZER_LINK_FLAGS -fsanitize=thread)
  # -Wno-tsan: g++ warns that TSan ignores atomic_thread_fence; the fence-based paths are
  # excluded from the TSan stress tests (see tests/stress).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(lockstep_build_flags INTERFACE -Wno-tsan)
  endif()
endif()
if(LOCKSTEP_ASAN)
  set(LOCKSTEP_SANITIZER_COMPILE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                                       -fno-sanitize-recover=undefined)
  set(LOCKSTEP_SANITIZER_LINK_FLAGS -fsanitize=address,undefined)
endif()
target_compile_options(lockstep_build_flags INTERFACE ${LOCKSTEP_SANITIZER_COMPILE_FLAGS})
target_link_options(lockstep_build_flags INTERFACE ${LOCKSTEP_SANITIZER_LINK_FLAGS})
