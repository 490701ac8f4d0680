# The client libraries lockstep::dist links: hiredis and libpqxx (pkg-config) and SQLite3
# (CMake's FindSQLite3). Included by primitives/dist in the build tree and by the installed
# lockstepConfig.cmake, so both name the same imported targets (PkgConfig::lockstep_hiredis,
# PkgConfig::lockstep_pqxx, SQLite::SQLite3) and the installed export refers to them by name,
# not by the build machine's library paths. Sets lockstep_dist_deps_FOUND (and, if not,
# lockstep_dist_deps_MISSING).
set(lockstep_dist_deps_FOUND TRUE)
set(lockstep_dist_deps_MISSING "")
if(NOT TARGET SQLite::SQLite3)
  find_package(SQLite3 QUIET)
  if(NOT SQLite3_FOUND)
    set(lockstep_dist_deps_FOUND FALSE)
    list(APPEND lockstep_dist_deps_MISSING sqlite3)
  endif()
endif()
find_package(PkgConfig QUIET)
foreach(_lockstep_dep IN ITEMS hiredis:lockstep_hiredis libpqxx:lockstep_pqxx)
  string(REPLACE ":" ";" _lockstep_dep "${_lockstep_dep}")
  list(GET _lockstep_dep 0 _lockstep_module)
  list(GET _lockstep_dep 1 _lockstep_prefix)
  if(NOT TARGET PkgConfig::${_lockstep_prefix})
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(${_lockstep_prefix} QUIET IMPORTED_TARGET ${_lockstep_module})
    endif()
    if(NOT TARGET PkgConfig::${_lockstep_prefix})
      set(lockstep_dist_deps_FOUND FALSE)
      list(APPEND lockstep_dist_deps_MISSING "${_lockstep_module} (pkg-config)")
    endif()
  endif()
endforeach()
unset(_lockstep_dep)
unset(_lockstep_module)
unset(_lockstep_prefix)
