# One place that decides the warning flags of every Sluice target.
function(sluice_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
    -Wpointer-arith -Wcast-qual -Wundef -Wvla -Wwrite-strings -Wold-style-definition
    -Wnull-dereference -Wimplicit-fallthrough -Wmissing-declarations)
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    # snprintf truncation is deliberate and bounded everywhere it happens.
    target_compile_options(${target} PRIVATE -Wno-format-truncation)
  endif()
  if(SLUICE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
endfunction()
