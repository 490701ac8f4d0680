# lockstep_add_test_executable(<target> SOURCES <src>... [LIBRARIES <lib>...]
#                              [PROPERTIES <ctest-prop> <value>...])
#
# Builds a test executable on the lockstep harness (checker/harness) and registers every
# test it contains with CTest, one CTest test per harness test, named <target>.<test>.
# Discovery runs `<exe> --list` at ctest time (like gtest_discover_tests), so adding a
# LOCKSTEP_TEST needs no CMake edit. PROPERTIES are applied to every discovered test.
set(LOCKSTEP_TESTING_DIR ${CMAKE_CURRENT_LIST_DIR})

function(lockstep_add_test_executable target)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBRARIES;PROPERTIES" ${ARGN})
  add_executable(${target} ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE lockstep::harness ${arg_LIBRARIES} lockstep_build_flags)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake)
  set(props "${arg_PROPERTIES}")
  string(REPLACE ";" "\\;" props_escaped "${props}")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND}
      -D EXE=$<TARGET_FILE:${target}>
      -D PREFIX=${target}
      -D OUT=${include_file}
      -D "PROPS=${props_escaped}"
      -D WORKDIR=${CMAKE_CURRENT_SOURCE_DIR}
      -P ${LOCKSTEP_TESTING_DIR}/LockstepDiscover.cmake
    BYPRODUCTS ${include_file}
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
