# Small helpers so every folder declares its targets the same way.

# Warnings for every cutover target.
function(cutover_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# cutover_add_library(name SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares cutover_<name>, an internal static library whose public headers live
# in src/ (included as "<name>/header.hpp").
function(cutover_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(cutover_${name} STATIC ${ARG_SOURCES})
  add_library(cutover::${name} ALIAS cutover_${name})
  target_include_directories(cutover_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cutover_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  cutover_warnings(cutover_${name})
endfunction()

# cutover_add_unit_test(name SOURCES ... DEPS ... [FIXTURES ...] [TIMED])
# A GoogleTest binary whose tests carry the label `unit` (no network) unless
# FIXTURES names the CTest fixtures it needs (then it is labelled `lab`).
# TIMED: its tests assert wall-clock bounds, so each runs alone (RUN_SERIAL):
# no lab test's load, and no heavy test beside it either (beside `package`
# and `lab.up` the open loop's threads were starved: 16 of 100 operations
# 10 ms late, 3 attempts in a row). They still run in seconds.
function(cutover_add_unit_test name)
  if(NOT CUTOVER_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "TIMED" "" "SOURCES;DEPS;FIXTURES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  cutover_warnings(${name})
  # gtest_discover_tests cannot carry a list of labels, so a test binary has
  # one: `unit` (no network), or `lab` when it needs the lab fixture.
  if(ARG_FIXTURES)
    # CTest runs tests in parallel (ci/test); tests on the shared lab take
    # turns, so one test's damage or load never meets another's measurement.
    set(props LABELS lab TIMEOUT 120 FIXTURES_REQUIRED "${ARG_FIXTURES}" RESOURCE_LOCK lab)
  else()
    set(props LABELS unit TIMEOUT 120)
    if(ARG_TIMED)
      list(APPEND props RUN_SERIAL TRUE)
    endif()
    add_dependencies(unit_tests ${name})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 PROPERTIES ${props})
endfunction()

# cutover_add_bench(name SOURCES ... DEPS ... [FIXTURES ...] [SMOKE_ARGS ...])
# A Google Benchmark binary, registered as a `bench-smoke` test with a tiny
# minimum time so CI proves it runs.
function(cutover_add_bench name)
  if(NOT CUTOVER_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;FIXTURES;SMOKE_ARGS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  cutover_warnings(${name})
  if(CUTOVER_BUILD_TESTS)
    add_test(NAME ${name}.smoke COMMAND ${name} --benchmark_min_time=0.01 ${ARG_SMOKE_ARGS})
    set_tests_properties(${name}.smoke PROPERTIES LABELS bench-smoke TIMEOUT 300)
    if(ARG_FIXTURES)
      set_tests_properties(${name}.smoke PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES}" RESOURCE_LOCK lab)
    endif()
  endif()
endfunction()

# cutover_add_fuzz(reader SOURCES ... DEPS ...)
# A libFuzzer binary fuzz_<reader> (CUTOVER_BUILD_FUZZ, clang). Its seed corpus
# fuzz/corpus/<reader>/ also runs as the `fuzz` labelled CTest test
# fuzz.<reader>.seeds, so a fixed finding stays fixed.
function(cutover_add_fuzz reader)
  if(NOT CUTOVER_BUILD_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(name fuzz_${reader})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  cutover_warnings(${name})
  add_dependencies(fuzz_targets ${name})
  if(CUTOVER_BUILD_TESTS)
    add_dependencies(unit_tests ${name})
    add_test(NAME fuzz.${reader}.seeds
      COMMAND ${name} -runs=0 ${PROJECT_SOURCE_DIR}/fuzz/corpus/${reader})
    set_tests_properties(fuzz.${reader}.seeds PROPERTIES LABELS "fuzz;unit" TIMEOUT 120)
  endif()
endfunction()
