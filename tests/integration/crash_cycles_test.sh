#!/usr/bin/env bash
# kill -9 under mixed load, 20 times: nothing acknowledged lost or doubled,
# every queued delivery delivered (tests/integration/crash_cycles.py).
# Usage: crash_cycles_test.sh TOCSIN_BINARY SOURCE_DIR [CYCLES]
set -uo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$(dirname "$0")/crash_cycles.py" "$1" "$work" "${3:-20}"
