# AddressSanitizer + UndefinedBehaviorSanitizer for every target when
# SLUICE_SANITIZE is on; libFuzzer coverage instrumentation (clang only) when
# SLUICE_FUZZ is on, with the sanitizers, so fuzz targets catch memory errors.
if(SLUICE_SANITIZE OR SLUICE_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SLUICE_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SLUICE_FUZZ needs clang (CC=clang-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
