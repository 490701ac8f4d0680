# Example 5 as a test: run the failing model test with --html, take the token it prints,
# replay it with --html: both pages show the race (EXE: the example binary, WORK: where the
# pages go; open them in a browser).
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
function(check_page file)
  file(READ ${file} page)
  if(NOT page MATCHES "^<!DOCTYPE html>" OR NOT page MATCHES "id=\"verdict\">FAIL: data race<"
     OR NOT page MATCHES "class=\"[^\"]*race\" id=\"race1\"" OR NOT page MATCHES "data-rf=\"[1-9]")
    message(FATAL_ERROR "${file} does not show the race with a reads-from arrow:\n${page}")
  endif()
endfunction()
execute_process(COMMAND ${EXE} --html=${WORK}/publish.html RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "the buggy test was expected to fail with status 1 (got ${rc}):\n${out}${err}")
endif()
check_page(${WORK}/publish.html)
string(REGEX MATCH "--replay=([^ \n]+)" m "${out}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "no replay token printed:\n${out}")
endif()
set(token "${CMAKE_MATCH_1}")
execute_process(COMMAND ${EXE} --replay=${token} --html=${WORK}/publish-replay.html
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "outcome: data race")
  message(FATAL_ERROR "--replay=${token} did not reproduce the race (${rc}):\n${out}${err}")
endif()
check_page(${WORK}/publish-replay.html)
message(STATUS "pages: ${WORK}/publish.html and ${WORK}/publish-replay.html (--replay=${token})")
