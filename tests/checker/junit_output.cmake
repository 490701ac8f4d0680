# --junit=FILE writes JUnit XML that CI systems read (validated by junit_check.py with
# python3's xml.etree): one testcase per test and mode, failures carrying the replay token.
# EXE: checker_model_tests (passing rows), FIXTURES: checker_output_fixtures (failing rows).
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
set(out ${WORK}/results.xml)
function(check exe cases failures)
  get_filename_component(name ${exe} NAME)
  execute_process(COMMAND ${PYTHON} ${CMAKE_CURRENT_LIST_DIR}/junit_check.py ${out} ${name}
                          ${cases} ${failures} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  if(NOT rc EQUAL 0)
    file(READ ${out} xml)
    message(FATAL_ERROR "${e}${o}\n${xml}")
  endif()
  message(STATUS "${o}")
endfunction()

# Two tests that pass (one a caught twin), each in exhaustive and random mode: 4 testcases.
file(REMOVE ${out})
execute_process(COMMAND ${EXE} --filter=deadlock_opposite_lock_order:try_lock_fails_while_held
                        --exact --junit=${out}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0 OR NOT EXISTS ${out})
  message(FATAL_ERROR "--junit run failed (${rc})")
endif()
check(${EXE} 4 0)

# A failing test in both modes: 2 testcases, 2 failures with the token and the trace.
file(REMOVE ${out})
execute_process(COMMAND ${FIXTURES} --filter=lost_update_fails --exact --junit=${out}
                RESULT_VARIABLE rc OUTPUT_VARIABLE stdout)
if(NOT rc EQUAL 1 OR NOT EXISTS ${out})
  message(FATAL_ERROR "a failing --junit run must exit 1 and write the file (${rc})")
endif()
if(stdout MATCHES "<testcase")
  message(FATAL_ERROR "XML on stdout:\n${stdout}")
endif()
check(${FIXTURES} 2 2 "lost_update_fails@1.")

# An unwritable path is refused before the run.
execute_process(COMMAND ${EXE} --filter=try_lock_fails_while_held --exact
                        --junit=${WORK}/no-such-dir/results.xml
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
if(NOT rc EQUAL 2 OR NOT e MATCHES "cannot write")
  message(FATAL_ERROR "an unwritable --junit path: exit ${rc}\n${o}${e}")
endif()
