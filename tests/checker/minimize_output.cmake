# Minimised counterexamples (checker/README.md, "Minimised counterexamples"): a reported
# failure is replaced by an execution with no more preemptions and no more steps that fails
# the same way; the original token is kept; both replay, to the same failure. FIXTURES:
# checker_output_fixtures; WORK: scratch. The runs are deterministic (seeded), the seeds are
# searched, not assumed.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
set(out ${WORK}/minimize.json)
function(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${what}\n${js}")
  endif()
endfunction()
# The failure ("outcome: ...") a replay of `token` shows.
function(outcome_of token var)
  execute_process(COMMAND ${FIXTURES} --replay=${token} RESULT_VARIABLE rc OUTPUT_VARIABLE o
                  ERROR_VARIABLE e)
  string(REGEX MATCH "outcome: [^\n]*" line "${o}")
  if(NOT rc EQUAL 1 OR NOT line MATCHES "^outcome: assertion: ")
    message(FATAL_ERROR "--replay=${token} did not fail (${rc}):\n${o}${e}")
  endif()
  set(${var} "${line}" PARENT_SCOPE)
endfunction()
# Runs `test` with `args`, reads row 0's minimisation into m_* and checks what always holds:
# no more preemptions or steps, both tokens replay to the same failure as the row reports.
function(run_and_check test)
  file(REMOVE ${out})
  execute_process(COMMAND ${FIXTURES} --filter=${test} --exact ${ARGN} --json=${out}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE err)
  expect("${test} ${ARGN}: exit ${rc}, expected 1\n${stdout}${err}" rc EQUAL 1 AND EXISTS ${out})
  file(READ ${out} js)
  set(js "${js}" PARENT_SCOPE)
  string(JSON type TYPE "${js}" tests 0 modes 0 minimized)
  expect("${test} ${ARGN}: no minimisation reported" type STREQUAL "OBJECT")
  foreach(f reduced original_token original_steps original_preemptions steps preemptions executions)
    string(JSON v GET "${js}" tests 0 modes 0 minimized ${f})
    set(m_${f} "${v}" PARENT_SCOPE)
    set(m_${f} "${v}")
  endforeach()
  string(JSON token GET "${js}" tests 0 modes 0 token)
  string(JSON message GET "${js}" tests 0 modes 0 failure message)
  set(m_token "${token}" PARENT_SCOPE)
  expect("${test} ${ARGN}: more preemptions or steps after minimising"
         m_preemptions LESS_EQUAL m_original_preemptions AND m_steps LESS_EQUAL m_original_steps)
  outcome_of(${token} now)
  outcome_of(${m_original_token} before)
  string(FIND "${now}" "${message}" at)
  expect("${test} ${ARGN}: the minimised execution fails another way:\n  ${now}\n  first found: ${before}\n  reported: ${message}"
         now STREQUAL before AND at GREATER 0)
  if(m_reduced)
    expect("${test} ${ARGN}: reduced, but the token is the original's"
           NOT token STREQUAL m_original_token AND stdout MATCHES "as first found: --replay=")
  else()
    expect("${test} ${ARGN}: not reduced, but the token changed" token STREQUAL m_original_token)
  endif()
  # The trace is the reported (minimised) execution's: its last entry is the last step (var
  # accesses — read/write — carry the number of the step they happened in).
  string(JSON nentries LENGTH "${js}" tests 0 modes 0 trace)
  math(EXPR last "${nentries} - 1")
  string(JSON nsteps GET "${js}" tests 0 modes 0 trace ${last} step)
  expect("${test} ${ARGN}: trace of ${nsteps} steps, minimised execution has ${m_steps}"
         nsteps EQUAL m_steps)
  set(m_outcome "${now}" PARENT_SCOPE)
endfunction()

# The graph engine (exhaustive mode's default): the token stays a graph token.
run_and_check(lost_update_fails --mode=exhaustive)
expect("graph-engine token after minimising: ${m_token}" m_token MATCHES "@1\\.graph\\.")
# A lost update needs one preemption: an original with more is reduced (the ICB phase).
if(m_original_preemptions GREATER 1)
  expect("graph: ${m_original_preemptions} preemptions not reduced (${m_preemptions})"
         m_reduced AND m_preemptions LESS m_original_preemptions)
endif()

# Random mode: a seed whose first failure has 2 or more preemptions (a lost update needs 1):
# the ICB phase must then find one with fewer.
set(found FALSE)
foreach(seed RANGE 1 40)
  run_and_check(lost_update_fails --mode=random --seed=${seed})
  if(m_original_preemptions GREATER 1)
    expect("seed ${seed}: ${m_original_preemptions} preemptions not reduced (${m_preemptions})"
           m_reduced AND m_preemptions LESS m_original_preemptions)
    set(found TRUE)
    break()
  endif()
endforeach()
expect("no seed in 1..40 gave a lost update with 2 or more preemptions" found)

# Two failures: seeing the writer's intermediate value needs preemptions, reading before the
# writer ran none. A seed whose first failure is the former: minimising must keep it (the
# non-preemptive schedule fails the other way and must be refused).
set(found FALSE)
foreach(seed RANGE 1 60)
  run_and_check(fails_in_two_ways --mode=random --seed=${seed})
  if(m_outcome MATCHES "saw the intermediate value")
    set(found TRUE)
    break()
  endif()
endforeach()
expect("no seed in 1..60 found the intermediate value first" found)

# --no-minimize: the failure as found, no minimisation in the report.
file(REMOVE ${out})
execute_process(COMMAND ${FIXTURES} --filter=lost_update_fails --exact --mode=exhaustive
                        --no-minimize --json=${out} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout)
file(READ ${out} js)
string(JSON type TYPE "${js}" tests 0 modes 0 minimized)
expect("--no-minimize: exit ${rc}, minimized ${type}" rc EQUAL 1 AND type STREQUAL "NULL"
       AND NOT stdout MATCHES "minimised from")
message(STATUS "minimisation checked")
