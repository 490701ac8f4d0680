# Runs the harness for its own checks: keep those runs out of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")
# --mode=icb: its note ("complete up to K preemptions") is a line of its own, not glued onto
# the failure report that follows. FIXTURES: checker_output_fixtures.
execute_process(COMMAND ${FIXTURES} --filter=lost_update_fails --exact --mode=icb
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1 OR NOT out MATCHES "FAIL: assertion")
  message(FATAL_ERROR "the lost update was not found by icb (${rc}):\n${out}")
endif()
if(NOT out MATCHES "\ncomplete up to 0 preemptions\nassertion: ")
  message(FATAL_ERROR "the icb note is not on a line of its own:\n${out}")
endif()
