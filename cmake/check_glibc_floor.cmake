# cmake -DLIBRARY=<file.so> -DREADELF=<readelf> -DFLOOR=2.17 -P check_glibc_floor.cmake
# Fails when the library needs a glibc symbol version above FLOOR (the oldest glibc it must load
# on), or when it is not stripped. readelf reads the version needs (.gnu.version_r) of any ELF
# architecture, so the same check serves the x86-64 and the cross-compiled aarch64 library.
execute_process(COMMAND "${READELF}" --version-info --wide "${LIBRARY}"
                OUTPUT_VARIABLE versions RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} --version-info ${LIBRARY} failed (${rc})")
endif()
string(REGEX MATCHALL "Name: GLIBC_[0-9]+(\\.[0-9]+)*" needed "${versions}")
if(NOT needed)
  message(FATAL_ERROR "no GLIBC_ version needs found in ${LIBRARY}: the check would prove nothing")
endif()
set(highest 0)
set(too_new "")
foreach(entry IN LISTS needed)
  string(REPLACE "Name: GLIBC_" "" version "${entry}")
  if(version VERSION_GREATER highest)
    set(highest "${version}")
  endif()
  if(version VERSION_GREATER FLOOR)
    list(APPEND too_new "GLIBC_${version}")
  endif()
endforeach()
if(too_new)
  execute_process(COMMAND "${READELF}" --dyn-syms --wide "${LIBRARY}" OUTPUT_VARIABLE syms)
  string(REGEX MATCHALL "[^ \n]+@GLIBC_[0-9.]+" versioned "${syms}")
  message(FATAL_ERROR "${LIBRARY} needs ${too_new}, above the glibc floor ${FLOOR}; its glibc "
                      "symbols: ${versioned}. Call the system call (syscall(2)) or pin an older "
                      "version with .symver instead (see native/wal4j.c).")
endif()
execute_process(COMMAND "${READELF}" --section-headers --wide "${LIBRARY}" OUTPUT_VARIABLE sections)
if(sections MATCHES "\\.symtab|\\.debug_")
  message(FATAL_ERROR "${LIBRARY} is not stripped (it has .symtab or .debug_* sections)")
endif()
message(STATUS "glibc floor: ${LIBRARY} needs at most GLIBC_${highest} (floor ${FLOOR}), stripped")
