#!/usr/bin/env bash
# Installs what the tests need, builds with ASan+UBSan and runs the whole suite.
# Usage: scripts/test.sh [preset]   (default preset: asan; also dev, release)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-asan}"
bash scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
