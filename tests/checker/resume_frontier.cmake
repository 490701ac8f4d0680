# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# A budget-limited exhaustive run saves its frontier; resuming it explores exactly the
# executions the uninterrupted run would have explored after that point.
function(executions_of out)
  string(REGEX MATCH "${TEST} +exhaustive +([0-9]+) " m "${out}")
  set(result "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()
foreach(dpor on off)
  set(f ${WORK}/frontier-${dpor}.txt)
  file(REMOVE ${f})
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --dpor=${dpor}
                  OUTPUT_VARIABLE full RESULT_VARIABLE rc)
  executions_of("${full}")
  set(n_full ${result})
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --dpor=${dpor}
                          --budget=5 --frontier=${f} --verbose
                  OUTPUT_VARIABLE part RESULT_VARIABLE rc1)
  executions_of("${part}")
  set(n_part ${result})
  if(NOT EXISTS ${f} OR NOT part MATCHES "budget spent")
    message(FATAL_ERROR "no frontier written (dpor=${dpor}):\n${part}")
  endif()
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --dpor=${dpor}
                          --resume=${f}
                  OUTPUT_VARIABLE rest RESULT_VARIABLE rc2)
  executions_of("${rest}")
  set(n_rest ${result})
  math(EXPR sum "${n_part} + ${n_rest}")
  if(NOT rc EQUAL 0 OR NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT sum EQUAL n_full)
    message(FATAL_ERROR "dpor=${dpor}: full ${n_full} != ${n_part} + ${n_rest} (rc ${rc} ${rc1} ${rc2})\n${rest}")
  endif()
  message(STATUS "dpor=${dpor}: ${n_full} = ${n_part} + ${n_rest}")
endforeach()
execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --resume=${WORK}/no-such-file
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "cannot resume")
  message(FATAL_ERROR "a missing frontier was accepted:\n${out}")
endif()
