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
if(LOCKSTEP_TSAN)
  # -Wno-tsan: g++ warns that TSan ignores atomic_thread_fence; the fence-based paths are
  # excluded from the TSan stress tests (see tests/stress).
  target_compile_options(lockstep_build_flags INTERFACE -fsanitize=thread -g -O1)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(lockstep_build_flags INTERFACE -Wno-tsan)
  endif()
  target_link_options(lockstep_build_flags INTERFACE -fsanitize=thread)
endif()
if(LOCKSTEP_ASAN)
  target_compile_options(lockstep_build_flags INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(lockstep_build_flags INTERFACE -fsanitize=address,undefined)
endif()
