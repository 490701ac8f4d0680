# lockstep_add_test_executable(<target> SOURCES <src>... [LIBRARIES <lib>...]
#                              [PROPERTIES <ctest-prop> <value>...])
#
# Builds a test executable on the lockstep harness (checker/harness) and registers every
# test it contains with CTest, one CTest test per harness test, named <target>.<test>.
# Discovery runs `<exe> --list` at ctest time (like gtest_discover_tests), so adding a
# LOCKSTEP_TEST needs no CMake edit. PROPERTIES are applied to every discovered test.
#
# The same file is installed with the package: after find_package(lockstep) (and
# enable_testing() or include(CTest)) a consumer uses it exactly as in this tree. In the tree
# the executable also gets the project's warning and sanitizer flags (lockstep_build_flags).
set(LOCKSTEP_TESTING_DIR ${CMAKE_CURRENT_LIST_DIR})

function(lockstep_add_test_executable target)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBRARIES;PROPERTIES" ${ARGN})
  add_executable(${target} ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE lockstep::harness ${arg_LIBRARIES})
  if(TARGET lockstep_build_flags)
    target_link_libraries(${target} PRIVATE lockstep_build_flags)
  endif()
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake)
  # Properties travel to the discovery script as one space-separated string ("A 1 B 2"):
  # a ';'-list would be split into separate -D arguments on the way.
  list(JOIN arg_PROPERTIES " " props_escaped)
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
  # The discovered list exists only once the executable is built: load it if present, else
  # register one failing test that says so (instead of CTest aborting on a missing include).
  set(loader ${CMAKE_CURRENT_BINARY_DIR}/${target}_load.cmake)
  file(WRITE ${loader}
    "if(EXISTS \"${include_file}\")\n"
    "  include(\"${include_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${CMAKE_COMMAND} -E echo \"${target} was not built\")\n"
    "  set_tests_properties(${target}_NOT_BUILT PROPERTIES WILL_FAIL TRUE)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${loader})
endfunction()
