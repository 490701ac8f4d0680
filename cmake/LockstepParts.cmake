# lockstep_add_parts(): add_subdirectory() every direct subdirectory of the current source
# directory that has a CMakeLists.txt, in name order, except those named in
# LOCKSTEP_SKIP_PARTS (e.g. -DLOCKSTEP_SKIP_PARTS=dist) or in the EXCEPT arguments. Lets each
# part (a test suite, a benchmark suite, primitives/dist, checker/lincheck) own its directory
# without edits to a shared list.
function(lockstep_add_parts)
  cmake_parse_arguments(arg "" "" "EXCEPT" ${ARGN})
  file(GLOB parts LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*/CMakeLists.txt)
  list(SORT parts)
  foreach(part IN LISTS parts)
    get_filename_component(dir ${part} DIRECTORY)
    get_filename_component(name ${dir} NAME)
    if(NOT name IN_LIST LOCKSTEP_SKIP_PARTS AND NOT name IN_LIST arg_EXCEPT)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()
