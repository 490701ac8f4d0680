# --json=FILE writes the documented report (checker/REPORTS.md) and nothing goes to stdout
# but the human table; bare --json is refused. EXE: checker_model_tests (a caught twin),
# FIXTURES: checker_output_fixtures (a failing test).
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
function(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${what}\n${js}")
  endif()
endfunction()

# A caught broken twin: two passing rows, each with its token.
set(out ${WORK}/results.json)
file(REMOVE ${out})
execute_process(COMMAND ${EXE} --filter=deadlock_opposite_lock_order --exact --json=${out}
                RESULT_VARIABLE rc OUTPUT_VARIABLE stdout)
if(NOT rc EQUAL 0 OR NOT EXISTS ${out})
  message(FATAL_ERROR "--json run failed (${rc})")
endif()
if(stdout MATCHES "\"schema\"|\"verdict\"")
  message(FATAL_ERROR "JSON on stdout:\n${stdout}")
endif()
file(READ ${out} js)
string(JSON schema GET "${js}" schema)
string(JSON version GET "${js}" version)
string(JSON ntests LENGTH "${js}" tests)
string(JSON name GET "${js}" tests 0 name)
string(JSON status GET "${js}" tests 0 status)
string(JSON n LENGTH "${js}" tests 0 modes)
string(JSON exit_code GET "${js}" summary exit_code)
expect("header" schema STREQUAL "lockstep-results" AND version EQUAL 1 AND ntests EQUAL 1
       AND name STREQUAL "deadlock_opposite_lock_order" AND status STREQUAL "passed"
       AND exit_code EQUAL 0)
expect("expected 2 modes (exhaustive, random), got ${n}" n EQUAL 2)
foreach(i 0 1)
  string(JSON verdict GET "${js}" tests 0 modes ${i} verdict)
  string(JSON token GET "${js}" tests 0 modes ${i} token)
  string(JSON status GET "${js}" tests 0 modes ${i} status)
  string(JSON kind GET "${js}" tests 0 modes ${i} failure kind)
  expect("mode ${i}: verdict '${verdict}', token '${token}', status '${status}', kind '${kind}'"
         verdict STREQUAL "caught: deadlock" AND token MATCHES "^deadlock_opposite_lock_order@1\\."
         AND status STREQUAL "passed" AND kind STREQUAL "deadlock")
endforeach()

# A failing test: the trace is an array of step objects ending where the assertion failed.
file(REMOVE ${out})
execute_process(COMMAND ${FIXTURES} --filter=lost_update_fails --exact --mode=exhaustive
                        --json=${out}
                RESULT_VARIABLE rc OUTPUT_VARIABLE stdout)
expect("a failing run must exit 1 (got ${rc})" rc EQUAL 1 AND EXISTS ${out})
file(READ ${out} js)
string(JSON status GET "${js}" tests 0 status)
string(JSON exit_code GET "${js}" summary exit_code)
string(JSON nfailed GET "${js}" summary failed)
string(JSON file GET "${js}" tests 0 at file)
expect("failed test: status '${status}', exit_code '${exit_code}', file '${file}'"
       status STREQUAL "failed" AND exit_code EQUAL 1 AND nfailed EQUAL 1
       AND file STREQUAL "tests/checker/output_fixtures.cpp")
string(JSON verdict GET "${js}" tests 0 modes 0 verdict)
string(JSON kind GET "${js}" tests 0 modes 0 failure kind)
string(JSON message GET "${js}" tests 0 modes 0 failure message)
string(JSON fline GET "${js}" tests 0 modes 0 failure at line)
string(JSON type TYPE "${js}" tests 0 modes 0 trace)
string(JSON steps LENGTH "${js}" tests 0 modes 0 trace)
expect("failure: '${verdict}' '${kind}' '${message}' line ${fline}, trace ${type} of ${steps}"
       verdict STREQUAL "FAIL: assertion" AND kind STREQUAL "assertion"
       AND message MATCHES "lost update" AND fline GREATER 0 AND type STREQUAL "ARRAY"
       AND steps GREATER 3)
math(EXPR last "${steps} - 1")
set(threads "")
set(want 0)
foreach(i RANGE ${last})
  string(JSON step GET "${js}" tests 0 modes 0 trace ${i} step)
  string(JSON thread GET "${js}" tests 0 modes 0 trace ${i} thread)
  string(JSON op GET "${js}" tests 0 modes 0 trace ${i} op)
  string(JSON order GET "${js}" tests 0 modes 0 trace ${i} order)
  # Steps are numbered 1, 2, ...; a var access (read/write of a var<T>) happened inside the
  # step before it and has that step's number.
  if(NOT op MATCHES "^(read|write)$")
    math(EXPR want "${want} + 1")
  endif()
  expect("entry ${i}: step ${step} (expected ${want}), thread ${thread}, op '${op}'"
         step EQUAL want AND thread GREATER_EQUAL 0 AND op MATCHES "^[a-z]")
  # Atomic steps carry their memory order, the others none (null reads back as "").
  if(op MATCHES "^(load|store|rmw|cas|fetch)")
    expect("step ${i}: atomic '${op}' with order '${order}'"
           order MATCHES "^(relaxed|consume|acquire|release|acq_rel|seq_cst)$")
    set(saw_atomic TRUE)
  else()
    expect("step ${i}: '${op}' with order '${order}'" NOT order)
  endif()
  list(APPEND threads ${thread})
endforeach()
expect("the trace has atomic steps with their orders" saw_atomic)
list(REMOVE_DUPLICATES threads)
list(LENGTH threads nthreads)
expect("the trace shows ${nthreads} threads, expected 3" nthreads EQUAL 3)
string(JSON at_file GET "${js}" tests 0 modes 0 trace ${last} at file)
expect("trace step locations: '${at_file}'" at_file STREQUAL "tests/checker/output_fixtures.cpp")

# A replay writes the same shape (one row, mode "replay", the full trace).
string(JSON token GET "${js}" tests 0 modes 0 token)
file(REMOVE ${out})
execute_process(COMMAND ${FIXTURES} --replay=${token} --json=${out} RESULT_VARIABLE rc
                OUTPUT_QUIET)
file(READ ${out} js)
string(JSON mode GET "${js}" tests 0 modes 0 mode)
string(JSON rsteps LENGTH "${js}" tests 0 modes 0 trace)
expect("replay: rc ${rc}, mode '${mode}', ${rsteps} steps (exploration: ${steps})"
       rc EQUAL 1 AND mode STREQUAL "replay" AND rsteps EQUAL steps)

# stdout is for people: --json without a file is refused.
execute_process(COMMAND ${EXE} --filter=deadlock_opposite_lock_order --exact --json
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
expect("bare --json: exit ${rc}\n${o}${e}" rc EQUAL 2 AND e MATCHES "--json=FILE")
