# Checks that each layer of src/ includes only the layers it may use.
# RULES: a list of "own:own;allowed;..." entries, one per library, from the
# rcptguard_layers() calls in CMakeLists.txt; entries for the same layer are
# merged. The public headers (rcptguard/...) are open to every layer.
# Run by ctest: cmake -DSOURCE_DIR=... -DRULES=... -P check_layers.cmake
string(REPLACE "|" ";" RULES "${RULES}")
set(layers "")
foreach(entry IN LISTS RULES)
  # A rule arrives as "core:core" or "milter:milter;platform;..." joined by ';'.
  if(entry MATCHES "^([a-z_]+):(.*)$")
    set(current ${CMAKE_MATCH_1})
    list(APPEND layers ${current})
    list(APPEND allowed_${current} ${CMAKE_MATCH_2})
  else()
    list(APPEND allowed_${current} ${entry})
  endif()
endforeach()
list(REMOVE_DUPLICATES layers)

set(broken 0)
foreach(layer IN LISTS layers)
  file(GLOB_RECURSE files ${SOURCE_DIR}/src/${layer}/*.h ${SOURCE_DIR}/src/${layer}/*.cc)
  foreach(file IN LISTS files)
    file(STRINGS ${file} lines REGEX "^#include \"[a-z_]+/")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^#include \"([a-z_]+)/.*" "\\1" included "${line}")
      if(included STREQUAL "rcptguard")
        continue()
      endif()
      list(FIND allowed_${layer} ${included} found)
      if(found EQUAL -1)
        file(RELATIVE_PATH where ${SOURCE_DIR} ${file})
        message(SEND_ERROR "${where}: ${line}: the ${layer} layer may include only "
                           "${allowed_${layer}} (and rcptguard/)")
        math(EXPR broken "${broken} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()
list(LENGTH layers count)
if(broken GREATER 0)
  message(FATAL_ERROR "${broken} includes break the layering")
endif()
message(STATUS "${count} layers checked: every include is one its layer may use")
