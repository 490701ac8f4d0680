# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# A search that reaches the test's max_executions is "FAIL: incomplete" (exit 1) in
# exhaustive and icb mode alike, and exhaustive mode suggests the preemption bound that
# finishes — which does finish. An explicit --budget is a partial pass in both.
# FIXTURES: checker_output_fixtures.
set(t four_threads_over_the_cap)
execute_process(COMMAND ${FIXTURES} --filter=${t} --exact RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1 OR NOT out MATCHES "${t} +exhaustive +2000 FAIL: incomplete")
  message(FATAL_ERROR "exhaustive: exit ${rc}, expected 1 and FAIL: incomplete:\n${out}")
endif()
string(REGEX MATCH "try \\.preemption_bound = ([0-9]+) in the test's options, or --preemption-bound=([0-9]+)"
       m "${out}")
if(NOT m OR NOT CMAKE_MATCH_1 STREQUAL CMAKE_MATCH_2)
  message(FATAL_ERROR "no preemption bound suggested:\n${out}")
endif()
set(k ${CMAKE_MATCH_1})
execute_process(COMMAND ${FIXTURES} --filter=${t} --exact --preemption-bound=${k}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "${t} +exhaustive +[0-9]+ pass \\(complete, pb<=${k}\\)")
  message(FATAL_ERROR "the suggested --preemption-bound=${k} does not finish (${rc}):\n${out}")
endif()
math(EXPR k1 "${k} + 1")
execute_process(COMMAND ${FIXTURES} --filter=${t} --exact --preemption-bound=${k1}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "--preemption-bound=${k1} finishes too: ${k} is not the largest:\n${out}")
endif()
execute_process(COMMAND ${FIXTURES} --filter=${t} --exact --mode=icb --max-preemptions=8
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1 OR NOT out MATCHES "${t} +icb +2000 FAIL: incomplete"
   OR NOT out MATCHES "the icb search stopped at max_executions = 2000 at preemption bound ${k1}")
  message(FATAL_ERROR "icb: exit ${rc}, expected 1 and FAIL: incomplete at bound ${k1}:\n${out}")
endif()
foreach(mode exhaustive icb)
  execute_process(COMMAND ${FIXTURES} --filter=${t} --exact --mode=${mode} --budget=100
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "${t} +${mode} +100 budget spent \\(partial\\)")
    message(FATAL_ERROR "${mode} --budget=100: exit ${rc}, expected a partial pass:\n${out}")
  endif()
endforeach()
message(STATUS "suggested --preemption-bound=${k} finishes; ${k1} does not")
