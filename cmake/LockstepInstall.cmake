# find_package(lockstep) support: exports the installed targets as lockstep::<name>, installs
# lockstep_add_test_executable (LockstepTesting.cmake) with the package, and writes lockstep.pc
# for pkg-config users. lockstep::dist has an export of its own (lockstepDistTargets), loaded
# by the config only when its client libraries are found: see lockstepConfig.cmake.in.
include(CMakePackageConfigHelpers)
set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/lockstep)
install(EXPORT lockstepTargets NAMESPACE lockstep:: DESTINATION ${_cmake_dir})
set(LOCKSTEP_EXPORTS_DIST OFF)
if(TARGET lockstep_dist)
  set(LOCKSTEP_EXPORTS_DIST ON)
  install(EXPORT lockstepDistTargets NAMESPACE lockstep:: DESTINATION ${_cmake_dir})
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/lockstepDistDependencies.cmake DESTINATION ${_cmake_dir})
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/lockstepConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/lockstepConfig.cmake
  INSTALL_DESTINATION ${_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/lockstepConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lockstepConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/lockstepConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/LockstepTesting.cmake
              ${CMAKE_CURRENT_LIST_DIR}/LockstepDiscover.cmake
        DESTINATION ${_cmake_dir})

# lockstep.pc: the primitives, the harness and (when built) the model checker and lincheck.
# prefix is derived from the .pc file's own place (${pcfiledir}), so the installed tree can
# be moved. The libraries are static: Libs lists what they link (Boost.Context, GCC's
# libbacktrace by name: g++ and clang++ both search GCC's library directory).
set(_pc_up "")
string(REPLACE "/" ";" _pc_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
foreach(_part IN LISTS _pc_parts)
  string(APPEND _pc_up "/..")
endforeach()
set(LOCKSTEP_PC_PREFIX "\${pcfiledir}${_pc_up}")
set(LOCKSTEP_PC_LIBS "")
if(LOCKSTEP_MODEL_CHECKER)
  string(APPEND LOCKSTEP_PC_LIBS " -llockstep_checker")
endif()
string(APPEND LOCKSTEP_PC_LIBS " -llockstep_harness")
if(TARGET lockstep_lincheck)
  string(APPEND LOCKSTEP_PC_LIBS " -llockstep_lincheck")
endif()
if(LOCKSTEP_MODEL_CHECKER)
  string(APPEND LOCKSTEP_PC_LIBS " -lboost_context")
  get_target_property(_checker_defs lockstep_checker COMPILE_DEFINITIONS)
  if("LOCKSTEP_HAVE_LIBBACKTRACE" IN_LIST _checker_defs)
    string(APPEND LOCKSTEP_PC_LIBS " -lbacktrace")
  endif()
endif()
string(APPEND LOCKSTEP_PC_LIBS " -pthread")
string(STRIP "${LOCKSTEP_PC_LIBS}" LOCKSTEP_PC_LIBS)
configure_file(${CMAKE_CURRENT_LIST_DIR}/lockstep.pc.in ${CMAKE_CURRENT_BINARY_DIR}/lockstep.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lockstep.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
