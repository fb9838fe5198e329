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
  "$bin" keys create --config "$config" --data "$data" --name local-admin --scope admin
  # And a web UI password for the config's first user (docs/ui.md), printed once.
  handle="$(sed -n 's/^ *- handle: *\([A-Za-z0-9._-]*\).*/\1/p' "$config" | head -n 1)"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  printf '%s\n' "$password" | "$bin" users set-password "$handle" --config "$config" --data "$data" >/dev/null
  # The address: --listen's if given (port 0: the one the server reports).
  listen=127.0.0.1:8080
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
      --listen=*) listen="${args[$i]#--listen=}" ;;
      --listen) listen="${args[$((i + 1))]:-$listen}" ;;
    esac
  done
  where="http://$listen/"
  [[ $listen == *:0 ]] && where='the address on the "listening" line below'
  echo "Web UI: open $where and sign in as $handle with password $password"
  echo "(change it with: $bin users set-password $handle --config $config --data $data)"
fi
exec "$bin" serve --config "$config" --data "$data" "$@"
