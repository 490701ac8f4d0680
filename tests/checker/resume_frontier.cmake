# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# A budget-limited exhaustive run saves its frontier; resuming it explores exactly the
# executions the uninterrupted run would have explored after that point.
function(executions_of out)
  string(REGEX MATCH "${TEST} +exhaustive +([0-9]+) " m "${out}")
  set(result "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()
# The interleaving engine with and without DPOR, and the graph engine (graph/frontier.cpp).
foreach(dpor on off graph)
  if(dpor STREQUAL "graph")
    set(engine --engine=graph)
  else()
    set(engine --engine=dpor --dpor=${dpor})
  endif()
  set(f ${WORK}/frontier-${dpor}.txt)
  file(REMOVE ${f})
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive ${engine}
                  OUTPUT_VARIABLE full RESULT_VARIABLE rc)
  executions_of("${full}")
  set(n_full ${result})
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive ${engine}
                          --budget=5 --frontier=${f} --verbose
                  OUTPUT_VARIABLE part RESULT_VARIABLE rc1)
  executions_of("${part}")
  set(n_part ${result})
  if(NOT EXISTS ${f} OR NOT part MATCHES "budget spent")
    message(FATAL_ERROR "no frontier written (dpor=${dpor}):\n${part}")
  endif()
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive ${engine}
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
# A chain of resumes, 2 executions at a time, adds up to the uninterrupted graph run.
execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=graph
                OUTPUT_VARIABLE full)
executions_of("${full}")
set(n_full ${result})
set(f ${WORK}/frontier-chain.txt)
execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=graph
                        --budget=2 --frontier=${f} OUTPUT_VARIABLE out)
executions_of("${out}")
set(sum ${result})
foreach(round RANGE 20)
  if(NOT out MATCHES "budget spent")
    break()
  endif()
  execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=graph
                          --budget=2 --resume=${f} --frontier=${f} OUTPUT_VARIABLE out)
  executions_of("${out}")
  math(EXPR sum "${sum} + ${result}")
endforeach()
if(NOT sum EQUAL n_full OR NOT out MATCHES "pass \\(complete, graph\\)")
  message(FATAL_ERROR "graph resume chain: ${sum} executions, uninterrupted ${n_full}:\n${out}")
endif()
message(STATUS "graph resume chain: ${n_full} = ${sum}")
# A frontier of another engine, or a damaged one, is turned away (never crashes the engine).
execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=graph
                        --resume=${WORK}/frontier-on.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "cannot resume")
  message(FATAL_ERROR "a DPOR frontier was accepted by the graph engine:\n${out}")
endif()
execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=graph
                        --budget=5 --frontier=${WORK}/frontier-graph.txt OUTPUT_QUIET)
file(READ ${WORK}/frontier-graph.txt text)
string(REGEX REPLACE "\nloc [0-9]+ " "\nloc x " damaged "${text}")
file(WRITE ${WORK}/frontier-damaged.txt "${damaged}")
execute_process(COMMAND ${EXE} --filter=${TEST} --exact --mode=exhaustive --engine=graph
                        --resume=${WORK}/frontier-damaged.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "cannot resume")
  message(FATAL_ERROR "a damaged graph frontier was accepted:\n${out}")
endif()
