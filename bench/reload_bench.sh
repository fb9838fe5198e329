#!/usr/bin/env bash
# Issue 14: configuration reload under alert load, 127.0.0.1 only:
#
#   bench/reload_bench.sh        (from the repository root; figures go in docs/benchmarks.md)
#
# Each run starts a fresh server on bench/alerts/tocsin-alerts.yaml (one rule
# matching every alert) and sends RATE requests/s of BATCH alerts each
# (default 500 × 10 = 5,000 alerts/s, open loop: bench/alerts/alertload
# --rate, latency measured from each request's due time) for LOAD_SECONDS:
#   steady  no reload;
#   reload  the same load while the config file is rewritten (the rule's
#           severity toggled SEV-4/SEV-3) and POST /-/reload'ed every
#           RELOAD_EVERY seconds (curl, an API key pair).
# Prints, per run and as medians: failed requests (alertload exits 1 on any
# non-2xx or transport error), p50/p99/max latency, the reloads applied
# (HTTP 200) and the p99 added by reloading (reload p99 - steady p99).
#
# Settings (environment): RUNS=3 LOAD_SECONDS=10 RATE=500 BATCH=10 CONNS=16
#   RELOAD_EVERY=0.5 BUILD_DIR=build/bench2 (Release, built by
#   bench/alerts/lib.sh build_all unless SKIP_BUILD=1) TMPDIR
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
LOAD_SECONDS=${LOAD_SECONDS:-10}
RATE=${RATE:-500}
BATCH=${BATCH:-10}
CONNS=${CONNS:-16}
RELOAD_EVERY=${RELOAD_EVERY:-0.5}
source "$ROOT/bench/alerts/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-reload-bench.XXXXXX")
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

build_all
CONFIG_A=$ROOT/bench/alerts/tocsin-alerts.yaml
CONFIG_B=$WORK/b.yaml
sed 's/severity: SEV-4/severity: SEV-3/' "$CONFIG_A" >"$CONFIG_B"
cmp -s "$CONFIG_A" "$CONFIG_B" && { echo "reload_bench: the variant config is identical" >&2; exit 1; }
TOTAL=$((RATE * BATCH * (LOAD_SECONDS + 5)))

# phase NAME RUN: a fresh server, the load (and reloads for "reload"); sets LINE and RELOADS.
phase() {
  local name=$1 run=$2 data=$WORK/data-$1-$2 config=$WORK/tocsin-$1-$2.yaml
  cp "$CONFIG_A" "$config"
  rm -rf "$data"
  mkdir -p "$data"
  local keys
  keys=$("$TOCSIN" keys create --config "$config" --data "$data" --name bench-api --kind api --scope admin --json)
  local api app
  api=$(jq -r .api_key <<<"$keys")
  app=$(jq -r .application_key <<<"$keys")
  new_key_json=$("$TOCSIN" keys create --config "$config" --data "$data" --name bench-ingest --kind ingest --json)
  T_KEY=$(jq -r .api_key <<<"$new_key_json")
  start_tocsin "$config" "$data"
  local out=$WORK/load-$name-$run.txt status=0
  "$TOOLS/alertload" --port "$T_PORT" --auth "Bearer $T_KEY" --batch "$BATCH" --conns "$CONNS" --rate "$RATE" \
    --total "$TOTAL" --max-seconds "$LOAD_SECONDS" --prefix "r$run$name" >"$out" &
  local load_pid=$!
  RELOADS=0
  local refused=0 k=0
  if [[ $name == reload ]]; then
    while kill -0 "$load_pid" 2>/dev/null; do
      sleep "$RELOAD_EVERY"
      k=$((k + 1))
      if ((k % 2)); then cp "$CONFIG_B" "$config"; else cp "$CONFIG_A" "$config"; fi
      code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" \
        "http://127.0.0.1:$T_PORT/-/reload" || true)
      if [[ $code == 200 ]]; then RELOADS=$((RELOADS + 1)); else refused=$((refused + 1)); fi
    done
  fi
  wait "$load_pid" || status=$?
  LINE=$(cat "$out")
  [[ $status == 0 ]] || LINE="$LINE LOAD_FAILED=1"
  ((refused == 0)) || LINE="$LINE reloads_not_applied=$refused"
  stop_pid "$T_PID"
  echo "  run $run $name: $LINE reloads=$RELOADS" >&2
}

declare -a STEADY_P99 RELOAD_P99 ADDED
for run in $(seq 1 "$RUNS"); do
  phase steady "$run"
  s=$(kv "$LINE" lat_p99_ms)
  sf=$(kv "$LINE" failed)
  phase reload "$run"
  r=$(kv "$LINE" lat_p99_ms)
  rf=$(kv "$LINE" failed)
  STEADY_P99+=("$s")
  RELOAD_P99+=("$r")
  ADDED+=("$(python3 -c "print(f'{$r - $s:.3f}')")")
  echo "run $run: steady p99 ${s} ms (failed ${sf:-?}), with $RELOADS reloads p99 ${r} ms (failed ${rf:-?}), added $(python3 -c "print(f'{$r - $s:.3f}')") ms"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "medians over $RUNS runs at $((RATE * BATCH)) alerts/s: steady p99 $(median "${STEADY_P99[@]}") ms," \
  "with reloads p99 $(median "${RELOAD_P99[@]}") ms, added $(median "${ADDED[@]}") ms"
