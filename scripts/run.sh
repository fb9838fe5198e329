#!/usr/bin/env bash
# Installs, builds (release) and runs tocsin with the v-commerce example config
# on 127.0.0.1:8080 with its SQLite database in ./data. On the first run it
# creates an API key pair and prints it.
# Usage: scripts/run.sh [extra `tocsin serve` flags, e.g. --listen 127.0.0.1:9000]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target tocsin
bin=build/release/apps/tocsin/tocsin
config=examples/v-commerce/tocsin.yaml
data="${TOCSIN_DATA:-./data}"
if ! "$bin" keys list --config "$config" --data "$data" | grep -q " live"; then
  echo "First run: creating an API key pair (use them as DD-API-KEY and DD-APPLICATION-KEY)"
  "$bin" keys create --config "$config" --data "$data" --name local-admin
fi
exec "$bin" serve --config "$config" --data "$data" "$@"
