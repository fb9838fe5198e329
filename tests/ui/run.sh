#!/usr/bin/env bash
# The web UI in a real browser: @playwright/test (pinned in package-lock.json)
# drives Debian's chromium (/usr/bin/chromium; never `npx playwright install`)
# against a real `tocsin serve` started by global-setup.mjs.
# Usage: run.sh TOCSIN_BINARY SOURCE_DIR. Exits 77 (ctest: skipped) when
# chromium or node is missing. Screenshots land in tests/ui/screenshots/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(realpath "$1")"
source_dir="$(realpath "$2")"
cd "$here"
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIP: /usr/bin/chromium is missing (apt-get install chromium; scripts/install-deps.sh does)" >&2
  exit 77
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are missing" >&2
  exit 77
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --silent --prefer-offline
export TOCSIN_BINARY="$binary" TOCSIN_SOURCE_DIR="$source_dir"
exec npx --no-install playwright test
