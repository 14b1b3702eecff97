#!/usr/bin/env bash
# Configures and builds Deskside in Release into build/ (override with BUILD_DIR).
#   deploy/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "build.sh: built $build_dir/services/deskside"
