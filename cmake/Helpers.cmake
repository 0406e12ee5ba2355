# Warnings apply to our own targets only.
set(EDDY_WARNINGS -Wall -Wextra -Werror -Wshadow -Werror=unused-result)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND EDDY_WARNINGS -Wno-unused-private-field)
endif()

if(EDDY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=function -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# eddy_library(NAME name SRCS ... DEPS ...): static library eddy_<name>, alias eddy::<name>.
function(eddy_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(eddy_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(eddy::${ARG_NAME} ALIAS eddy_${ARG_NAME})
  target_include_directories(eddy_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(eddy_${ARG_NAME} PRIVATE ${EDDY_WARNINGS})
  target_link_libraries(eddy_${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

# Builds every unit-test binary (the sanitizer run builds only this).
add_custom_target(eddy_unit_tests)

# eddy_test(NAME name SRCS ... DEPS ...): a GoogleTest binary whose cases are registered with ctest,
# labelled "unit".
function(eddy_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT EDDY_BUILD_TESTS)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  add_dependencies(eddy_unit_tests ${ARG_NAME})
  target_compile_options(${ARG_NAME} PRIVATE ${EDDY_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${ARG_NAME} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 30)
endfunction()
