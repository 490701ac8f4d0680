# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# The graph engine's counts must not depend on the allocator: the test explored in this
# process's environment (the ctest entry sets GLIBC_TUNABLES=glibc.malloc.tcache_count=0, so
# freed nodes come back from other free lists than with the thread cache) prints the same
# "allocator history:" lines as a run with the default allocator.
if(NOT "$ENV{GLIBC_TUNABLES}" MATCHES "tcache_count=0")
  message(FATAL_ERROR "run with GLIBC_TUNABLES=glibc.malloc.tcache_count=0 (the ctest entry sets it)")
endif()
function(counts_of out result)
  string(REGEX MATCHALL "allocator history: [^\n]*" lines "${out}")
  set(${result} "${lines}" PARENT_SCOPE)
endfunction()
execute_process(COMMAND ${EXE} --filter=${TEST} --exact
                OUTPUT_VARIABLE off_out ERROR_VARIABLE off_err RESULT_VARIABLE off_rc)
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=GLIBC_TUNABLES ${EXE} --filter=${TEST} --exact
                OUTPUT_VARIABLE on_out ERROR_VARIABLE on_err RESULT_VARIABLE on_rc)
if(NOT off_rc EQUAL 0 OR NOT on_rc EQUAL 0)
  message(FATAL_ERROR "the test failed (tcache off: ${off_rc}, on: ${on_rc}):\n"
                      "${off_out}${off_err}\n---\n${on_out}${on_err}")
endif()
counts_of("${off_out}" off)
counts_of("${on_out}" on)
if(NOT off)
  message(FATAL_ERROR "no \"allocator history:\" lines printed:\n${off_out}")
endif()
if(NOT off STREQUAL on)
  string(REPLACE ";" "\n" off "${off}")
  string(REPLACE ";" "\n" on "${on}")
  message(FATAL_ERROR "the counts depend on the allocator:\n--- tcache off\n${off}\n--- default\n${on}")
endif()
string(REPLACE ";" "\n" on "${on}")
message(STATUS "the same counts with and without glibc's thread cache:\n${on}")
