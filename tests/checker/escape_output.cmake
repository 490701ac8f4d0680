# Tests that leave lockstep's control end the run with a report naming the test, the thread
# and a replay token (checker/rt/src/escape.hpp), never a hang or a silent crash; the token
# reproduces the report. FIXTURES: the checker_escape_fixtures binary.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# Source lines in call stacks need debug info (LINES=0: a Release build has none).
set(line "escape_fixtures.cpp:[0-9]+")
set(foreign_line "at tests/checker/escape_fixtures.cpp:[0-9]+")
if(DEFINED LINES AND NOT LINES)
  set(line "#0 ")
  set(foreign_line "misuse: ")
endif()

# run(<test> <expected status regex> <stderr regex>...) runs one fixture with a 1 s stall
# bound (and a --timeout far beyond it: a hang fails this script instead of CTest's timeout).
function(run test status)
  execute_process(COMMAND ${FIXTURES} --filter=${test} --exact --stall-timeout=1 --timeout=60
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
  if(NOT rc MATCHES "^(${status})$")
    message(FATAL_ERROR "${test}: expected exit status ${status}, got '${rc}'\n${out}\n${err}")
  endif()
  # Reports that end the process go to stderr; a misuse verdict is a row on stdout.
  set(all "${err}${out}")
  foreach(re IN LISTS ARGN)
    if(NOT all MATCHES "${re}")
      message(FATAL_ERROR "${test}: the report lacks '${re}':\n${all}")
    endif()
  endforeach()
  string(REGEX MATCH "--replay=([^ \n]+)" m "${all}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "${test}: no replay token in the report:\n${all}")
  endif()
  set(token "${CMAKE_MATCH_1}" PARENT_SCOPE)
  set(report "${all}" PARENT_SCOPE)
endfunction()

function(run_pass test)
  execute_process(COMMAND ${FIXTURES} --filter=${test} --exact --stall-timeout=1 --timeout=60
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "pass \\(complete")
    message(FATAL_ERROR "${test} should pass (${rc}):\n${out}\n${err}")
  endif()
endfunction()

# A signal keeps its default action: execute_process reports the signal's name.
run(abort_in_a_simulated_thread "Subprocess aborted|134"
    "lockstep: test abort_in_a_simulated_thread aborted \\(SIGABRT"
    "simulated thread 1 \\(strategy graph\\)")
# The token replays the same crash, traced up to it.
execute_process(COMMAND ${FIXTURES} --replay=${token} --stall-timeout=1 RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
if(NOT err MATCHES "aborted \\(SIGABRT" OR NOT err MATCHES "--replay=${token}")
  message(FATAL_ERROR "replaying ${token} did not reproduce the abort (${rc}):\n${out}\n${err}")
endif()

run(segfault_in_a_simulated_thread "Segmentation fault|139"
    "test segfault_in_a_simulated_thread crashed \\(SIGSEGV" "simulated thread 1")
run(exit_in_a_simulated_thread "4"
    "test exit_in_a_simulated_thread called std::exit\\(\\) \\(the test did not finish\\), simulated thread 1")
if(report MATCHES "Segmentation|FIBER STACK")
  message(FATAL_ERROR "std::exit inside a test crashed:\n${report}")
endif()

run(std_mutex_held_across_a_scheduling_point "4"
    "stopped by the watchdog"
    "uncontrolled blocking: simulated thread [01] is blocked outside lockstep for [0-9]+ ms, in the kernel \\(futex"
    "${line}")
run(spin_on_a_std_atomic "4" "uncontrolled spinning: simulated thread 0 has run for [0-9]+ ms"
    "${line}")
# The foreign thread's timing is outside the model: the verdict names it, located at the
# foreign thread's line; its token cannot replay it (the row says so).
run(model_operation_from_a_foreign_thread "1"
    "misuse: a model operation was called from an OS thread lockstep does not control"
    "${foreign_line}")
# ... so it is not replayed (a replay would only run, traced, to the 3,000,000-step bound).
if(report MATCHES "trace \\([0-9]+ steps")
  message(FATAL_ERROR "the foreign-thread failure was replayed:\n${report}")
endif()
# The correct version of the blocking fixture passes under the same 1 s bound.
run_pass(platform_mutex_held_across_a_scheduling_point)
