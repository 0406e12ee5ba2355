#!/usr/bin/env bash
# Quick start 2: install dependencies, build, and run every test: the unit tests under ASan+UBSan
# (clang-14), then the whole suite (unit + integration + crash) against the optimised build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

# 1. Unit tests with sanitizers.
CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DEDDY_SANITIZE=ON -DEDDY_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan --target eddy_unit_tests
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit -j "$jobs" --output-on-failure

# 2. Everything, against the build users run.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
ctest --test-dir build -j "$jobs" --output-on-failure
