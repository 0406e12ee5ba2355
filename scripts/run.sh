#!/usr/bin/env bash
# Quick start 1: install dependencies, build, and start Eddy with durable storage in ./eddy-data.
# Extra arguments go to `eddy serve` (e.g. --port 4567, --in-memory).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_BENCH=OFF >/dev/null
cmake --build build --target eddy
exec build/eddy serve "$@"
