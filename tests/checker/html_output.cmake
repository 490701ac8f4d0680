# --html=FILE (checker/README.md, "The HTML view of a failing execution"), without a browser:
# the page of a failing run and of its replay holds the token and verdict, one column per
# thread, the steps with their lines, the reads-from arrow's ends, the race's two accesses and
# the failure; it is self-contained; a run without a failure still writes a page.
# FIXTURES: checker_output_fixtures; WORK: a scratch directory.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
function(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${what}\n${page}")
  endif()
endfunction()
function(count_of out needle)
  string(REGEX MATCHALL "${needle}" all "${page}")
  list(LENGTH all n)
  set(${out} ${n} PARENT_SCOPE)
endfunction()

# Checks the page of racy_publication_fails: T1 writes `data` and stores the flag (relaxed),
# T2 loads the flag (reading T1's store) and then reads `data`: a data race. `family`: the
# token's family (a regular expression): every engine's page draws the reads-from arrow.
function(check_race_page mode family)
  expect("${mode}: not an HTML document" page MATCHES "^<!DOCTYPE html>")
  count_of(scripts "<script")
  expect("${mode}: ${scripts} script elements, expected 1" scripts EQUAL 1)
  expect("${mode}: refers to something outside the page"
         NOT page MATCHES " src=|href=\"http|url\\(http|@import")
  expect("${mode}: verdict" page MATCHES "id=\"verdict\">FAIL: data race<")
  expect("${mode}: token" page MATCHES "<code id=\"token\">racy_publication_fails@1\\.${family}\\.")
  expect("${mode}: replay line" page MATCHES "checker_output_fixtures --replay='racy_publication_fails@")
  foreach(t 0 1 2)
    expect("${mode}: no column for T${t}" page MATCHES "id=\"thread${t}\"")
  endforeach()
  expect("${mode}: no column for T3" NOT page MATCHES "id=\"thread3\"")
  # The load of the flag (T2, column 4) reads the store of the flag (T1, column 3).
  string(REGEX MATCH "grid-column:3\"><div class=\"step atomic\" id=\"s([0-9]+)\"[^>]*><span class=\"op\">store\\(relaxed\\)" m "${page}")
  set(store ${CMAKE_MATCH_1})
  expect("${mode}: T1's relaxed store of the flag is not a step in T1's column" store)
  expect("${mode}: T2's load does not point at step ${store}" page MATCHES
         "grid-column:4\"><div class=\"step atomic read\" id=\"s[0-9]+\" data-rf=\"${store}\"[^>]*><span class=\"op\">load\\(relaxed\\)")
  expect("${mode}: the link to the store read" page MATCHES "<a class=\"rf\" href=\"#s${store}\">reads the store of step ${store}</a>")
  expect("${mode}: source lines of the steps" page MATCHES "<span class=\"at\">tests/checker/output_fixtures.cpp:[0-9]+</span>")
  # The race's two accesses: their var-access cells in their threads' columns, highlighted
  # (no separate marker), and the failure.
  expect("${mode}: the racing write" page MATCHES
         "grid-column:3\"><div class=\"step[^\"]* race\" id=\"race1\"[^>]*><span class=\"race-label\">data race: write by T1 \\(the earlier access\\)</span><span class=\"op\">write</span>[^\n]*<span class=\"at\">tests/checker/output_fixtures.cpp:[0-9]+</span>")
  expect("${mode}: the racing read" page MATCHES
         "grid-column:4\"><div class=\"step[^\"]* race\" id=\"race2\"[^>]*><span class=\"race-label\">data race: read by T2</span><span class=\"op\">read</span>[^\n]*<span class=\"at\">tests/checker/output_fixtures.cpp:[0-9]+</span>")
  expect("${mode}: a race access drawn twice" NOT page MATCHES "class=\"mark race\"")
  expect("${mode}: the failure" page MATCHES "grid-column:4\"><div class=\"mark fail\" id=\"failure\">data race: ")
  # Time downward: T1 writes `data` before it stores the flag; T2 reads it after its load.
  string(FIND "${page}" "id=\"race1\"" write_at)
  string(FIND "${page}" "id=\"s${store}\"" store_at)
  string(FIND "${page}" "id=\"race2\"" read_at)
  expect("${mode}: the racing write is not above the store, or the read not below it"
         write_at LESS store_at AND store_at LESS read_at)
endfunction()

set(html ${WORK}/racy.html)
file(REMOVE ${html})
execute_process(COMMAND ${FIXTURES} --filter=racy_publication_fails --exact --html=${html}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect("the racy fixture must fail (exit 1, got ${rc}):\n${out}${err}" rc EQUAL 1 AND EXISTS ${html})
expect("stdout carries no HTML" NOT out MATCHES "<html")
file(READ ${html} page)
check_race_page(exploration graph)
string(REGEX MATCH "<code id=\"token\">([^<]+)</code>" m "${page}")
set(token ${CMAKE_MATCH_1})

# --replay=TOKEN --html=FILE: the same execution.
file(REMOVE ${html})
execute_process(COMMAND ${FIXTURES} --replay=${token} --html=${html} RESULT_VARIABLE rc
                OUTPUT_QUIET ERROR_QUIET)
expect("the replay must fail (exit 1, got ${rc})" rc EQUAL 1 AND EXISTS ${html})
file(READ ${html} page)
check_race_page(replay graph)
expect("replay: mode" page MATCHES "racy_publication_fails \\[replay\\]")

# The interleaving engine draws the reads-from arrow too: its loads read the latest store,
# whose step the trace names (a minimised failure has a preemption-bounded token).
file(REMOVE ${html})
execute_process(COMMAND ${FIXTURES} --filter=racy_publication_fails --exact --engine=dpor
                        --mode=exhaustive --html=${html} RESULT_VARIABLE rc OUTPUT_QUIET
                ERROR_QUIET)
expect("--engine=dpor: the racy fixture must fail (exit 1, got ${rc})" rc EQUAL 1 AND EXISTS ${html})
file(READ ${html} page)
check_race_page(dpor "(dpor|pb[0-9]+)")

# An assertion: the failure sits in the failing thread's column (T0 here), after the loads.
execute_process(COMMAND ${FIXTURES} --filter=lost_update_fails --exact --mode=exhaustive
                        --html=${html} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
file(READ ${html} page)
expect("lost update: exit ${rc}" rc EQUAL 1)
expect("lost update: the failure in T0's column" page MATCHES
       "grid-column:2\"><div class=\"mark fail\" id=\"failure\">assertion: assertion failed: n.load\\(\\) == 2")
# It was minimised (tests/checker/minimize_output.cmake): both tokens are on the page.
expect("lost update: the minimisation and the original token" page MATCHES
       "<dd id=\"minimized\">from [0-9]+ preemptions and [0-9]+ steps to [0-9]+ and [0-9]+. as first found: <code id=\"original-token\">lost_update_fails@1\\.graph\\.")
count_of(reads "data-rf=\"[1-9]")
expect("lost update: ${reads} reads of stores, expected at least 2" reads GREATER_EQUAL 2)

# A run without a failing execution still writes a page, and says so.
execute_process(COMMAND ${FIXTURES} --filter=four_threads_over_the_cap --exact
                        --preemption-bound=1 --html=${html} RESULT_VARIABLE rc OUTPUT_QUIET
                ERROR_QUIET)
file(READ ${html} page)
expect("passing run: exit ${rc}" rc EQUAL 0 AND page MATCHES "no failing execution in this run")
message(STATUS "--html pages checked (token ${token})")
