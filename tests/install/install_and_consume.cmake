# Installs the build tree into a scratch prefix and builds a consumer against it.
#   CONSUMER=find_package  configures consumer/ (find_package(lockstep COMPONENTS dist)),
#                          builds it and runs its CTest suite, which must list the tests that
#                          lockstep_add_test_executable discovered; the exported targets must
#                          hold no path of the build tree and lockstep::dist no library path;
#                          configured again with hiredis/libpqxx hidden, the package must load
#                          without lockstep::dist and refuse COMPONENTS dist.
#   CONSUMER=pkg_config    moves the installed tree elsewhere, then compiles
#                          consumer/pkg_config_consumer.cpp with `pkg-config --cflags --libs
#                          lockstep` and runs it.
# SAN_COMPILE / SAN_LINK: the sanitizer flags of the build, given to the consumer too.
set(prefix ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed: ${err}")
endif()
if(SAN_COMPILE AND NOT DEFINED ENV{ASAN_OPTIONS})
  # As in the asan test preset: fiber switches and ASan's fake stacks do not mix.
  set(ENV{ASAN_OPTIONS} "detect_leaks=0:detect_stack_use_after_return=0")
endif()
# The consumers' own runs are not part of ci/verify's summary table.
set(ENV{LOCKSTEP_SUMMARY_FILE} "")

if(CONSUMER STREQUAL "pkg_config")
  set(moved ${WORK}/moved)
  file(RENAME ${prefix} ${moved})
  set(ENV{PKG_CONFIG_PATH} ${moved}/${LIBDIR}/pkgconfig)
  execute_process(COMMAND pkg-config --cflags --libs lockstep RESULT_VARIABLE rc
                  OUTPUT_VARIABLE flags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs lockstep failed: ${err}")
  endif()
  if(NOT flags MATCHES "-I${moved}/")
    message(FATAL_ERROR "lockstep.pc does not follow the moved tree: ${flags}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(san_compile UNIX_COMMAND "${SAN_COMPILE}")
  separate_arguments(san_link UNIX_COMMAND "${SAN_LINK}")
  set(exe ${WORK}/pkg_config_consumer)
  execute_process(COMMAND ${CXX} -std=c++20 ${san_compile} ${SRC}/pkg_config_consumer.cpp
                          ${flags} ${san_link} -o ${exe}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling with pkg-config's flags failed:\n${out}\n${err}")
  endif()
  execute_process(COMMAND ${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "2 passed, 0 failed")
    message(FATAL_ERROR "pkg-config consumer failed (${rc}):\n${out}${err}")
  endif()
  message(STATUS "pkg-config consumer built from ${moved} and passed")
  return()
endif()

# Relocatable exports: no path into the build or source tree anywhere, and lockstep::dist
# names its client libraries by imported target (found again by find_dependency).
get_filename_component(source_root ${SRC}/../../.. ABSOLUTE)
file(GLOB exports ${prefix}/${LIBDIR}/cmake/lockstep/*.cmake)
foreach(f IN LISTS exports)
  file(READ ${f} text)
  foreach(root IN ITEMS ${BUILD} ${source_root})
    string(FIND "${text}" "${root}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${f} holds a path of the build machine (${root})")
    endif()
  endforeach()
endforeach()
file(READ ${prefix}/${LIBDIR}/cmake/lockstep/lockstepDistTargets.cmake dist)
if(dist MATCHES "INTERFACE_LINK_LIBRARIES \"[^\"]*/" OR
   NOT dist MATCHES "PkgConfig::lockstep_hiredis")
  message(FATAL_ERROR "lockstep::dist exports library paths instead of targets:\n${dist}")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build -G Ninja
                        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                        "-DCMAKE_CXX_FLAGS=${SAN_COMPILE}" "-DCMAKE_EXE_LINKER_FLAGS=${SAN_LINK}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer configure failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer build failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${WORK}/build --output-on-failure
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "100% tests passed, 0 tests failed out of 4")
  message(FATAL_ERROR "consumer's ctest failed (${rc}):\n${out}${err}")
endif()
foreach(test IN ITEMS consumer_tests.production_ticket_lock consumer_tests.model_ticket_lock
                      consumer_tests.broken_lock_is_caught dist_bank)
  if(NOT out MATCHES "Test +#[0-9]+: ${test} [.]+ +Passed")
    message(FATAL_ERROR "consumer's ctest did not run ${test}:\n${out}")
  endif()
endforeach()
message(STATUS "consumer's ctest ran its discovered model tests:\n${out}")

# Without lockstep::dist's client libraries (a pkg-config that finds nothing) the package
# still loads, without lockstep::dist; requiring the dist component fails.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build-no-dist -G Ninja
                        -DCMAKE_PREFIX_PATH=${prefix} -DHIDE_DIST_DEPENDENCIES=ON
                        -DPKG_CONFIG_EXECUTABLE=/bin/false
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "dist component missing as expected")
  message(FATAL_ERROR "consumer without dist's dependencies (${rc}):\n${out}\n${err}")
endif()
