# The --html page in a real browser: headless Chromium (Debian package chromium, in
# ci/packages.txt) loads the page, runs its script and dumps the resulting DOM. The script
# marks <body> with data-check="ok" when it ran without an error and data-arrows with the
# reads-from arrows it drew; the dump must hold those and the expected steps.
# Without a Chromium that can run, the test is skipped (CTest SKIP, via the "SKIP:" line),
# unless LOCKSTEP_REQUIRE_CHROMIUM is set (ci/test sets it: on CI it must run).
# FIXTURES: checker_output_fixtures; CHROMIUM: the browser (or ...-NOTFOUND); WORK: scratch.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
function(skip why)
  if(DEFINED ENV{LOCKSTEP_REQUIRE_CHROMIUM})
    message(FATAL_ERROR "chromium cannot run, but LOCKSTEP_REQUIRE_CHROMIUM is set: ${why}")
  endif()
  message("SKIP: chromium cannot run here: ${why}")
endfunction()
function(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${what}\n${dom}")
  endif()
endfunction()
# Renders file `page` and sets `dom` to the DOM after its scripts ran.
function(render page)
  execute_process(COMMAND ${CHROMIUM} --headless --disable-gpu --no-sandbox
                          --user-data-dir=${WORK}/chromium-profile --dump-dom file://${page}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  set(dom "${out}" PARENT_SCOPE)
  set(render_rc "${rc}" PARENT_SCOPE)
  set(render_err "${err}" PARENT_SCOPE)
endfunction()

if(NOT CHROMIUM)
  skip("no chromium executable found (apt-get install chromium)")
  return()
endif()
# Probe: a trivial page whose script writes a marker. Failing here is the browser's problem.
file(WRITE ${WORK}/probe.html "<!DOCTYPE html><html><body><p id=\"m\">no</p><script>document.getElementById('m').textContent='probe ran';</script></body></html>")
render(${WORK}/probe.html)
if(NOT render_rc EQUAL 0 OR NOT dom MATCHES "probe ran")
  skip("${CHROMIUM} --headless --dump-dom failed (${render_rc}): ${render_err}")
  return()
endif()

# The race: three thread columns, one arrow (T2's load of the flag reads T1's store), both
# racing accesses and the failure.
set(html ${WORK}/racy-chromium.html)
execute_process(COMMAND ${FIXTURES} --filter=racy_publication_fails --exact --html=${html}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
expect("the racy fixture must fail (exit 1, got ${rc})" rc EQUAL 1 AND EXISTS ${html})
file(READ ${html} page)
string(REGEX MATCHALL "data-rf=\"[1-9][0-9]*\"" reads "${page}")
list(LENGTH reads nreads)
render(${html})
expect("chromium failed (${render_rc}): ${render_err}" render_rc EQUAL 0)
expect("the page's script did not finish without errors" dom MATCHES "<body[^>]* data-check=\"ok\"")
expect("expected ${nreads} arrows (1)" nreads EQUAL 1 AND dom MATCHES "<body[^>]* data-arrows=\"1\"")
string(REGEX MATCH "data-rf=\"([0-9]+)\"" m "${page}")
expect("the arrow ends at the store of step ${CMAKE_MATCH_1}" dom MATCHES
       "<path [^>]*data-from=\"${CMAKE_MATCH_1}\" data-to=\"s[0-9]+\"")
foreach(t 0 1 2)
  expect("no column for T${t}" dom MATCHES "id=\"thread${t}\"")
endforeach()
expect("the racing accesses" dom MATCHES "id=\"race1\"[^>]*><span class=\"race-label\">data race: write by T1" AND
       dom MATCHES "id=\"race2\"[^>]*><span class=\"race-label\">data race: read by T2")
expect("the failure" dom MATCHES "id=\"failure\">data race: ")

# The lost update: an arrow for every load that read a store.
execute_process(COMMAND ${FIXTURES} --filter=lost_update_fails --exact --mode=exhaustive
                        --html=${html} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
file(READ ${html} page)
string(REGEX MATCHALL "data-rf=\"[1-9][0-9]*\"" reads "${page}")
list(LENGTH reads nreads)
render(${html})
expect("lost update: script" dom MATCHES "<body[^>]* data-check=\"ok\"")
expect("lost update: expected ${nreads} arrows" nreads GREATER 1 AND
       dom MATCHES "<body[^>]* data-arrows=\"${nreads}\"")
expect("lost update: the failure" dom MATCHES "id=\"failure\">assertion: ")
message(STATUS "chromium rendered the pages: scripts ran, ${nreads} arrows drawn")
