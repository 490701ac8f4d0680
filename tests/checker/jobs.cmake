# --jobs=N: worker processes explore one search together (checker/rt/src/parallel.hpp; they
# start after 1,000 executions). The summary — executions, verdict, reported token — is the
# same for N = 1, 2, 3 on searches big enough to fork (graph engine, DFS without reduction,
# random mode, the DPOR engine when asked for (split: the search of --shard=0/1), a twin whose failure comes late in the search,
# and sharded), and a reported failure replays in a plain run.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
function(summary out)
  execute_process(COMMAND ${EXE} --no-progress --verbose ${ARGN}
                  OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc)
  # The table's rows without their times, and every replay line.
  string(REGEX MATCHALL "\n[a-z_0-9]+ +[a-z]+ +[0-9]+ [^\n]*" rows "\n${o}")
  list(TRANSFORM rows REPLACE " +[0-9]+\\.[0-9]+$" "")
  string(REGEX MATCHALL "replay: --replay=[^\n]+" tokens "${o}")
  set(${out} "rc ${rc} ${rows} ${tokens}" PARENT_SCOPE)
  set(${out}_text "${o}${e}" PARENT_SCOPE)
endfunction()
foreach(args "--filter=big_graph:big_random:late_twin"
             "--filter=dpor_c11;--shard=0/1"
             "--filter=big_graph:late_twin;--shard=1/3")
  summary(one ${args} --jobs=1)
  if(NOT one MATCHES "big|late|dpor")
    message(FATAL_ERROR "no rows for ${args}:\n${one_text}")
  endif()
  foreach(j 2 3)
    summary(many ${args} --jobs=${j})
    if(NOT many STREQUAL one)
      message(FATAL_ERROR "${args}: --jobs=${j} gives\n${many}\n--jobs=1 gives\n${one}\n${many_text}")
    endif()
  endforeach()
  message(STATUS "${args}: the same for --jobs=1,2,3: ${one}")
endforeach()
# The late twin's failure, found with 3 workers, replays in a plain run.
summary(out --filter=late_twin --mode=exhaustive --jobs=3)
string(REGEX MATCH "replay: --replay=([^\n]+)" m "${out_text}")
execute_process(COMMAND ${EXE} --replay=${CMAKE_MATCH_1} OUTPUT_VARIABLE r RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT r MATCHES "caught: assertion")
  message(FATAL_ERROR "the token of --jobs=3 does not replay:\n${r}")
endif()
# A search over max_executions is incomplete whatever the number of workers.
summary(a --filter=big_dfs --jobs=1)
summary(b --filter=big_dfs --jobs=2)
if(NOT a STREQUAL b OR NOT a MATCHES "FAIL: incomplete")
  message(FATAL_ERROR "max_executions with --jobs:\n${a}\n${b}")
endif()
foreach(bad 0 x -1 257)
  execute_process(COMMAND ${EXE} --jobs=${bad} RESULT_VARIABLE rc ERROR_VARIABLE e OUTPUT_QUIET)
  if(NOT rc EQUAL 2 OR NOT e MATCHES "--jobs needs")
    message(FATAL_ERROR "--jobs=${bad}: rc ${rc}\n${e}")
  endif()
endforeach()
