# --merge: the --json reports of the N shards of a run combine into the single run's summary:
# executions add up, a twin caught in one shard is caught, a failure in any shard fails with
# its token (which replays in a plain run); reports that are not the N shards of one run are
# refused with exit status 2.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
file(MAKE_DIRECTORY ${WORK})
set(tests "graph_sc:dpor_sc:random_sc:lost_update_twin")
execute_process(COMMAND ${EXE} --filter=${tests} --exact --no-progress OUTPUT_VARIABLE single)
set(files "")
foreach(i 0 1 2)
  execute_process(COMMAND ${EXE} --filter=${tests} --exact --no-progress --shard=${i}/3
                          --json=${WORK}/shard${i}.json OUTPUT_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "shard ${i}/3 failed (${rc})")
  endif()
  list(APPEND files ${WORK}/shard${i}.json)
endforeach()
execute_process(COMMAND ${EXE} --merge ${files} OUTPUT_VARIABLE merged RESULT_VARIABLE rc)
string(REGEX MATCH "graph_sc +exhaustive +([0-9]+)" m "${single}")
set(n_graph ${CMAKE_MATCH_1})
string(REGEX MATCH "random_sc +random +([0-9]+)" m "${single}")
set(n_random ${CMAKE_MATCH_1})
if(NOT rc EQUAL 0 OR NOT merged MATCHES "3 shards merged"
   OR NOT merged MATCHES "graph_sc +exhaustive +${n_graph} pass \\(complete, graph\\)"
   OR NOT merged MATCHES "random_sc +random +${n_random} pass"
   OR NOT merged MATCHES "lost_update_twin +exhaustive +[0-9]+ caught in [1-3] of 3 shards"
   OR NOT merged MATCHES "--- lost_update_twin \\[exhaustive\\] shard [0-2]: caught: assertion  --replay="
   OR NOT merged MATCHES "4 passed, 0 failed")
  message(FATAL_ERROR "merged (rc ${rc}):\n${merged}\nsingle:\n${single}")
endif()
# A failing test: the merged report fails and names the tokens, which replay in a plain run.
foreach(i 0 1)
  execute_process(COMMAND ${EXE} --filter=plain_lost_update --exact --no-progress --shard=${i}/2
                          --json=${WORK}/fail${i}.json OUTPUT_QUIET)
endforeach()
execute_process(COMMAND ${EXE} --merge ${WORK}/fail0.json ${WORK}/fail1.json
                OUTPUT_VARIABLE merged RESULT_VARIABLE rc)
string(REGEX MATCH "--replay=([^\n]+)" m "${merged}")
set(token "${CMAKE_MATCH_1}")
execute_process(COMMAND ${EXE} --replay=${token} OUTPUT_VARIABLE replayed)
if(NOT rc EQUAL 1 OR NOT merged MATCHES "plain_lost_update +exhaustive +[0-9]+ FAIL: assertion"
   OR NOT merged MATCHES "0 passed, 1 failed" OR NOT replayed MATCHES "outcome: assertion")
  message(FATAL_ERROR "merged failure (rc ${rc}):\n${merged}\nreplay of ${token}:\n${replayed}")
endif()
# Not the shards of one run: refused.
function(refused why)
  execute_process(COMMAND ${EXE} --merge ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE e OUTPUT_QUIET)
  if(NOT rc EQUAL 2 OR NOT e MATCHES "${why}")
    message(FATAL_ERROR "--merge ${ARGN}: rc ${rc}, expected 2 with '${why}':\n${e}")
  endif()
endfunction()
refused("are missing" ${WORK}/shard0.json ${WORK}/shard2.json)
refused("given twice" ${WORK}/shard0.json ${WORK}/shard0.json ${WORK}/shard1.json)
refused("the others of 3" ${WORK}/shard0.json ${WORK}/fail1.json)
refused("cannot be read" ${WORK}/no-such.json)
file(WRITE ${WORK}/garbage.json "{\"schema\": \"other\"}")
refused("not a lockstep" ${WORK}/garbage.json)
refused("needs the --json reports")
