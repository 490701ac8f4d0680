# The adapters report a failing model test as a failure of the framework's test, with the
# checker's report and a replay token; the token, set in LOCKSTEP_REPLAY, replays that one
# execution with its trace. EXE: the test binary; FRAMEWORK: gtest or catch2.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
if(FRAMEWORK STREQUAL "gtest")
  set(select --gtest_filter=DeliberatelyFailing.*)
  set(lost DeliberatelyFailing.LostUpdate)
  set(replay_select --gtest_filter=${lost})
  set(failed_marks "\\[  FAILED  \\] ${lost}" "\\[  FAILED  \\] DeliberatelyFailing.WrongExpectation")
else()
  set(select [deliberately_failing])
  set(lost "lost update")
  set(replay_select "${lost}")
  set(failed_marks "test cases: 2 \\| 2 failed")
endif()
execute_process(COMMAND ${EXE} ${select} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(APPEND out "${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "the deliberately failing model tests passed:\n${out}")
endif()
foreach(mark IN LISTS failed_marks ITEMS "expected deadlock to be found, got FAIL: assertion"
                                         "exhaustive mode: FAIL: assertion" "lost update")
  if(NOT out MATCHES "${mark}")
    message(FATAL_ERROR "the failure report lacks '${mark}':\n${out}")
  endif()
endforeach()
string(REGEX MATCH "LOCKSTEP_REPLAY='(${lost}@1\\.[^']+)'" m "${out}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "no replay token for ${lost} in the failure report:\n${out}")
endif()
set(token "${CMAKE_MATCH_1}")

set(ENV{LOCKSTEP_REPLAY} "${token}")
execute_process(COMMAND ${EXE} ${replay_select} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
string(APPEND out "${err}")
if(rc EQUAL 0 OR NOT out MATCHES "replaying ${lost}@1" OR
   NOT out MATCHES "outcome: assertion: assertion failed" OR
   NOT out MATCHES "adapter_models.hpp:[0-9]+")
  message(FATAL_ERROR "LOCKSTEP_REPLAY=${token} did not replay the failure with its trace (${rc}):\n${out}")
endif()
message(STATUS "${FRAMEWORK}: failure reported with token ${token}, replayed")
