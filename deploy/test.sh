#!/usr/bin/env bash
# The one command that installs what the tests need, builds, and runs every test with ctest.
# DESKSIDE_SHARED points at the shared models/corpus/eval folder (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install.sh --test
BUILD_DIR="${BUILD_DIR:-build}" bash deploy/build.sh
export DESKSIDE_SHARED="${DESKSIDE_SHARED:-$(realpath ../shared)}"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
