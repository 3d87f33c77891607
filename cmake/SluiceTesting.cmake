# Helpers that register tests with the labels of the design brief: `unit`,
# `integration`, and one per component (core, protocol, bus, state, model,
# engine, http, aws, orchestrator, api, cli).
#
# sluice_unit_test(NAME <n> SOURCES <files> LIBS <libs> LABELS <component labels>)
#   A test binary of pure logic: labelled `unit` plus its component.
# sluice_integration_test(NAME <n> SOURCES <files> LIBS <libs> LABELS <labels> [TIMEOUT s])
#   A test that needs the shared Kafka broker and Redis server started by the
#   `integration_env` fixture; it reads their addresses from SLUICE_TEST_ENV_FILE.
set(SLUICE_TEST_ENV_DIR "${CMAKE_BINARY_DIR}/test-env")
set(SLUICE_TEST_ENV_FILE "${SLUICE_TEST_ENV_DIR}/env")

function(sluice_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  sluice_target_warnings(${T_NAME})
  target_include_directories(${T_NAME} PRIVATE "${CMAKE_SOURCE_DIR}/tests/support")
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT 120
    ENVIRONMENT "SLUICE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

function(sluice_integration_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT SLUICE_INTEGRATION)
    return()
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  sluice_target_warnings(${T_NAME})
  target_include_directories(${T_NAME} PRIVATE "${CMAKE_SOURCE_DIR}/tests/support")
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} sluice_testenv)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "integration;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    FIXTURES_REQUIRED integration_env
    RESOURCE_LOCK integration_env_serial
    ENVIRONMENT "SLUICE_TEST_ENV_FILE=${SLUICE_TEST_ENV_FILE};SLUICE_SOURCE_DIR=${CMAKE_SOURCE_DIR};SLUICE_BINARY_DIR=${CMAKE_BINARY_DIR}")
endfunction()
