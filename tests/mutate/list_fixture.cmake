# `ci/mutate --list` on fixture.hpp.in must print exactly fixture.expected: every operator
# applies where it should, and comments, strings, includes, asserts and non-try returns give
# no mutant. After a deliberate change to the operators, regenerate the file:
#   ci/mutate --list --header tests/mutate/fixture.hpp.in > tests/mutate/fixture.expected
execute_process(COMMAND ${PYTHON} ${TOOL} --list --header ${FIXTURE}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ci/mutate --list failed (${rc}):\n${err}")
endif()
file(READ ${EXPECTED} expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "ci/mutate --list on ${FIXTURE} differs from ${EXPECTED}.\n"
                      "got:\n${out}\nexpected:\n${expected}")
endif()
