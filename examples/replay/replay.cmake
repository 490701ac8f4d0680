# Example 4 as a test: run the failing model test, take the token it prints, replay it.
# EXE: the example binary.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "the buggy test was expected to fail with status 1 (got ${rc}):\n${out}${err}")
endif()
string(REGEX MATCH "--replay=([^ \n]+)" m "${out}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "no replay token printed:\n${out}")
endif()
set(token "${CMAKE_MATCH_1}")
execute_process(COMMAND ${EXE} --replay=${token} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "outcome: assertion: assertion failed: balance.load\\(\\) >= 0"
   OR NOT out MATCHES "withdraw.cpp:[0-9]+")
  message(FATAL_ERROR "--replay=${token} did not show the failure with its trace (${rc}):\n${out}${err}")
endif()
message(STATUS "replayed ${token}:\n${out}")
