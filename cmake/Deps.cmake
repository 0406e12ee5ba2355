# Every third-party dependency is found here, once.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
find_program(MOLD_PROGRAM mold)
if(MOLD_PROGRAM AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_link_options(-fuse-ld=mold)
endif()

# Boost 1.81, header-only, from the private prefix that scripts/deps.sh unpacks.
list(APPEND CMAKE_PREFIX_PATH "$ENV{HOME}/.cache/eddy/boost-1.81/usr")
if(DEFINED ENV{EDDY_BOOST_PREFIX})
  list(PREPEND CMAKE_PREFIX_PATH "$ENV{EDDY_BOOST_PREFIX}/usr")
endif()
find_package(Boost 1.81 REQUIRED CONFIG)

find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
# Lambda deployment packages (zip, with Unix mode bits from the central directory).
find_package(LibArchive REQUIRED)
# CCTZ: civil time and IANA time zones (reads /usr/share/zoneinfo) for schedule expressions. Debian ships
# no CMake config or pkg-config file for it.
find_path(CCTZ_INCLUDE_DIR cctz/time_zone.h REQUIRED)
find_library(CCTZ_LIBRARY cctz REQUIRED)
add_library(cctz::cctz UNKNOWN IMPORTED)
set_target_properties(cctz::cctz PROPERTIES IMPORTED_LOCATION ${CCTZ_LIBRARY}
                                            INTERFACE_INCLUDE_DIRECTORIES ${CCTZ_INCLUDE_DIR})
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
if(EDDY_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
