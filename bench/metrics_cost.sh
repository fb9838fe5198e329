#!/usr/bin/env bash
# What Tocsin's own Prometheus metrics cost alert ingestion (issue 13: ≤ 3 %).
#
#   bench/metrics_cost.sh      (from anywhere; figures in docs/benchmarks.md)
#
# Each run starts two fresh servers in turn from the same Release binary, one
# with TOCSIN_METRICS=off (counting off, families at zero) and one with the
# metrics on, and sends each TOTAL distinct alerts (POST /api/integrations/generic,
# the bench config's rule opens a SEV-4 incident per alert) in two shapes: one
# alert per request over SINGLE_CONNS connections and BATCH per request over
# BATCH_CONNS. The order of on and off alternates between runs so that a drift
# in the machine's load does not favour one side. Per run and shape: the
# ratio alerts/s on / alerts/s off, and the ratio of the server's CPU seconds
# per 1,000 alerts on / off (from /proc: steadier than rates on a shared
# machine, and what the metrics cost directly); the script prints every ratio
# and the medians (cost = 1 - median rate ratio; CPU cost = median CPU ratio - 1).
#
# Settings (environment): RUNS=5 TOTAL=20000 BATCH=100 SINGLE_CONNS=16 BATCH_CONNS=8
#   MAX_SECONDS=30 SKIP_BUILD=0 BUILD_DIR=build/bench2 TMPDIR (a real disk)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-5}
TOTAL=${TOTAL:-20000}
BATCH=${BATCH:-100}
SINGLE_CONNS=${SINGLE_CONNS:-16}
BATCH_CONNS=${BATCH_CONNS:-8}
MAX_SECONDS=${MAX_SECONDS:-30}
source "$ROOT/bench/alerts/lib.sh"
CONFIG=$ROOT/bench/alerts/tocsin-alerts.yaml
build_all

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-metrics-cost.XXXXXX")
trap 'stop_all; rm -rf "$WORK"' EXIT
echo "metrics_cost: $RUNS runs, $TOTAL alerts per phase, work dir $WORK"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# phase METRICS(on|off) RUN SHAPE BATCH CONNS: alerts/s of one fresh server.
phase() {
  local metrics=$1 run=$2 shape=$3 batch=$4 conns=$5
  if [[ $metrics == off ]]; then export TOCSIN_METRICS=off; else unset TOCSIN_METRICS; fi
  new_tocsin "$CONFIG" "$WORK/data-$metrics"
  unset TOCSIN_METRICS
  local enabled line
  enabled=$(curl -fsS "http://127.0.0.1:$T_PORT/metrics" | awk '$1 == "tocsin_metrics_enabled" {print $2}')
  line=$("$TOOLS/alertload" --port "$T_PORT" --auth "Bearer $T_KEY" --batch "$batch" --conns "$conns" \
    --prefix "r$run$shape$metrics" --max-seconds "$MAX_SECONDS" --total "$TOTAL") || echo "alertload reported failures" >&2
  local ticks cpu
  ticks=$(awk '{print $14 + $15}' "/proc/$T_PID/stat")
  cpu=$(python3 -c "print(round($ticks / $(getconf CLK_TCK) * 1000 / $TOTAL, 4))")
  stop_pid "$T_PID"
  echo "  run $run $shape metrics=$metrics (tocsin_metrics_enabled=$enabled): $line cpu_s_per_1000=$cpu" >&2
  echo "$(kv "$line" alerts_per_s) $cpu"
}

declare -A ratios cpu_ratios
for run in $(seq 1 "$RUNS"); do
  echo "run $run/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  for shape in single batch; do
    if [[ $shape == single ]]; then b=1; c=$SINGLE_CONNS; else b=$BATCH; c=$BATCH_CONNS; fi
    if (( run % 2 )); then
      read -r off off_cpu <<<"$(phase off "$run" "$shape" "$b" "$c")"
      read -r on on_cpu <<<"$(phase on "$run" "$shape" "$b" "$c")"
    else
      read -r on on_cpu <<<"$(phase on "$run" "$shape" "$b" "$c")"
      read -r off off_cpu <<<"$(phase off "$run" "$shape" "$b" "$c")"
    fi
    r=$(python3 -c "print(round($on/$off, 4))")
    rc=$(python3 -c "print(round($on_cpu/$off_cpu, 4))")
    echo "  $shape: on $on/s, off $off/s, ratio $r; CPU s per 1,000 alerts on $on_cpu, off $off_cpu, ratio $rc"
    ratios[$shape]="${ratios[$shape]:-} $r"
    cpu_ratios[$shape]="${cpu_ratios[$shape]:-} $rc"
  done
done
for shape in single batch; do
  python3 - "$shape" "${ratios[$shape]}" "${cpu_ratios[$shape]}" <<'PY'
import statistics, sys
shape = sys.argv[1]
rates = [float(v) for v in sys.argv[2].split()]
cpus = [float(v) for v in sys.argv[3].split()]
m, c = statistics.median(rates), statistics.median(cpus)
print(f"{shape}: rate ratios on/off {rates}; median {m:.4f}; cost {100 * (1 - m):+.1f} %")
print(f"{shape}: CPU ratios on/off {cpus}; median {c:.4f}; CPU cost {100 * (c - 1):+.1f} %")
PY
done
