#!/usr/bin/env bash
# Runs Datadog's official npm client (@datadog/datadog-api-client) against a
# real tocsin process. Usage: run.sh TOCSIN_BINARY SOURCE_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ ! -d node_modules/@datadog/datadog-api-client ] || [ ! -d node_modules/@apidevtools/swagger-parser ]; then
  npm ci --no-audit --no-fund --silent
fi
exec node datadog_client.test.mjs "$1" "$2"
