#!/usr/bin/env bash
# Installs what the tests need, builds with ASan+UBSan and runs the whole suite,
# then runs the fuzz targets briefly (clang 14; fuzz/run.sh).
# Usage: scripts/test.sh [preset]   (default preset: asan; also dev, release)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-asan}"
bash scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
# Fuzzing (issue 16): every libFuzzer target for a bounded time (fuzz/README.md).
# TOCSIN_FUZZ_SECONDS sets the seconds per target (default 10); 0 skips it.
fuzz_seconds="${TOCSIN_FUZZ_SECONDS:-10}"
if [ "$fuzz_seconds" != 0 ]; then
  ./fuzz/run.sh "$fuzz_seconds"
fi
