# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# A token whose schedule does not fit the test's execution is refused with a clear error,
# whether it is too short or too long; the token itself replays. Tokens of both engines.
foreach(engine dpor graph)
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=${engine}
                          --verbose
                  OUTPUT_VARIABLE out)
  string(REGEX MATCH "--replay=(${TEST}@1\\.${engine}\\.[0-9]+\\.[0-9]+\\.[0-9]+\\.)([^ \n]+)" m
         "${out}")
  if(NOT CMAKE_MATCH_2)
    message(FATAL_ERROR "no replay token of the ${engine} engine printed:\n${out}")
  endif()
  set(prefix "${CMAKE_MATCH_1}")
  set(choices "${CMAKE_MATCH_2}")
  execute_process(COMMAND ${EXE} --replay=${prefix}${choices} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE o)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the token itself does not replay (${rc}):\n${o}")
  endif()
  foreach(bad "${prefix}${choices}0" "${prefix}${choices}0123" "${prefix}")
    execute_process(COMMAND ${EXE} --replay=${bad} RESULT_VARIABLE rc OUTPUT_VARIABLE o
                    ERROR_VARIABLE e)
    if(NOT rc EQUAL 1 OR NOT o MATCHES "FAIL: token does not fit"
       OR NOT o MATCHES "outcome: the token does not fit this test: the replay token")
      message(FATAL_ERROR "token '${bad}' (exit ${rc}) was not refused as not fitting:\n${o}${e}")
    endif()
  endforeach()
  message(STATUS "${prefix}${choices} replays; longer and shorter schedules are refused")
endforeach()
