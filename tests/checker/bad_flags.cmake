# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# Bad usage exits with status 2 and says why.
foreach(args "--mode=sideways" "--iterations=abc" "--bogus" "--replay=nonsense"
             "--filter=no_such_test_xyz" "--seed=18446744073709551616" "--seed=-1"
             "--preemption-bound=x" "--json" "--junit" "--html" "--html=${WORK}/no-such-dir/x.html"
             "--replay=try_lock_fails_while_held@1.nosuchstrategy.0.100.1.0"
             "--replay=try_lock_fails_while_held@2.dfs.0.100.1.0"
             "--replay=try_lock_fails_while_held@1.dfs.0.100"
             "--frontier=${WORK}/no-such-dir/frontier.txt"
             "--json=${WORK}/no-such-dir/results.json")
  execute_process(COMMAND ${EXE} --filter=try_lock_fails_while_held --exact ${args}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "'${args}': exit status ${rc}, expected 2 (bad usage):\n${out}${err}")
  endif()
  if("${err}" STREQUAL "")
    message(FATAL_ERROR "'${args}' failed without a message on stderr:\n${out}")
  endif()
endforeach()
# The seeds that tokens print are full 64-bit integers.
execute_process(COMMAND ${EXE} --filter=try_lock_fails_while_held --exact --mode=random
                        --iterations=3 --seed=18446744073709551615
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "a 20-digit seed was refused (${rc}):\n${out}${err}")
endif()
