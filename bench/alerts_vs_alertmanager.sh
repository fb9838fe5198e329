#!/usr/bin/env bash
# Alert ingestion: Tocsin side by side with Prometheus Alertmanager 0.25 (issue 3).
#
#   bench/alerts_vs_alertmanager.sh      (from anywhere; figures in docs/benchmarks.md)
#
# Each run, on fresh data directories:
#   1. one alert per request: TOTAL distinct alerts (default 100,000) into Tocsin
#      (POST /api/integrations/generic: stored durably, matched by a rule that
#      takes every monitor, one SEV-4 incident opened per alert) and into
#      Alertmanager (POST /api/v2/alerts, a route to a receiver without
#      configs = "without receivers", group_by [alertname]); SINGLE_CONNS
#      keep-alive connections, closed loop (as fast as answered) = peak alerts/s.
#      RSS (VmRSS) of each server right after, with all those alerts active.
#   2. the same with BATCH alerts per request over BATCH_CONNS connections.
#   3. p99 request latency at half Tocsin's peak one-per-request rate of this
#      run: an open-loop paced client (bench/alerts/alertload --rate, latency
#      from each request's due time, so stalls are not hidden), PACED_SECONDS
#      long, into a fresh Tocsin and, for comparison, a fresh Alertmanager.
#   4. the SQLite floor (bench/alerts/sqlite_floor.cpp): SQLite alone inserting
#      the rows of TOTAL alert-opened incidents, with Tocsin's schema and with
#      a minimal one, committed SINGLE_CONNS and BATCH*BATCH_CONNS at a time
#      (the largest groups the two load shapes can form) and made durable;
#      reported as the writer-CPU-bound rate (cpu_bound_per_s), i.e. the most
#      any single SQLite writer could reach, and as a ratio to Alertmanager.
# PACED_RATE=R runs only step 3, at R requests/s (more runs of the latency
# measure without the throughput phases; R = half a peak measured before).
# A Tocsin phase stops starting requests after MAX_SECONDS (default 60) and
# reports how many alerts it sent: the figure is then "alerts/s over the first
# N alerts", not over TOTAL (the summary prints N).
# The load client is bench/alerts/alertload.cpp (C++, one blocking keep-alive
# connection per thread), built with the system g++; wrk is not used because a
# fixed count of distinct alerts and an open-loop paced mode are needed.
#
# Settings (environment): RUNS=3 TOTAL=100000 BATCH=100 SINGLE_CONNS=32
#   BATCH_CONNS=8 MAX_SECONDS=60 PACED_SECONDS=10 SKIP_BUILD=0
#   BUILD_DIR=build/bench2 TMPDIR (data directories; a real disk, not tmpfs)
# Everything started is stopped on exit; only 127.0.0.1 is used.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
TOTAL=${TOTAL:-100000}
BATCH=${BATCH:-100}
SINGLE_CONNS=${SINGLE_CONNS:-32}
BATCH_CONNS=${BATCH_CONNS:-8}
MAX_SECONDS=${MAX_SECONDS:-60}
PACED_SECONDS=${PACED_SECONDS:-10}
source "$ROOT/bench/alerts/lib.sh"
CONFIG=$ROOT/bench/alerts/tocsin-alerts.yaml

for tool in python3 curl g++ "$AM_BIN"; do
  command -v "$tool" >/dev/null || { echo "alerts_vs_alertmanager: needs $tool" >&2; exit 1; }
done
build_all

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-alerts-bench.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
trap 'stop_all; rm -rf "$WORK"/data-* "$WORK"/am-* "$WORK"/schema' EXIT

cat >"$WORK/am.yml" <<'YAML'
route:
  receiver: blackhole
  group_by: [alertname]
receivers:
  - name: blackhole
YAML

# A database made by this build, for the floor to copy its schema from.
mkdir -p "$WORK/schema"
"$TOCSIN" keys create --config "$CONFIG" --data "$WORK/schema" --name floor --kind ingest --json >/dev/null

echo "alerts_vs_alertmanager: $RUNS runs, $TOTAL alerts per phase, batches of $BATCH, work dir $WORK"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$AM_BIN" --version 2>&1 | head -1

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }

# tocsin_phase RUN NAME BATCH CONNS [extra alertload args]: fresh Tocsin, load, RSS, stop.
tocsin_phase() {
  local run=$1 name=$2 batch=$3 conns=$4
  shift 4
  new_tocsin "$CONFIG" "$WORK/data-$name"
  local line
  line=$("$TOOLS/alertload" --port "$T_PORT" --auth "Bearer $T_KEY" --batch "$batch" --conns "$conns" \
    --prefix "r$run$name" --max-seconds "$MAX_SECONDS" "$@") || echo "alertload reported failures" >&2
  local rss incidents
  rss=$(rss_kb "$T_PID")
  stop_pid "$T_PID"
  incidents=$(sqlite3 "$WORK/data-$name/tocsin.db" 'SELECT count(*) FROM incidents' 2>/dev/null || echo 0)
  echo "  tocsin $name: $line rss_kb=$rss incidents=$incidents" >&2
  PHASE_LINE="$line rss_kb=$rss incidents=$incidents"
}

am_phase() {
  local run=$1 name=$2 batch=$3 conns=$4
  shift 4
  start_am "$WORK/am.yml" "$WORK/am-$name"
  local line
  line=$("$TOOLS/alertload" --port "$A_PORT" --path /api/v2/alerts --format amv2 --batch "$batch" --conns "$conns" \
    --prefix "r$run$name" "$@") || echo "alertload reported failures" >&2
  sleep 1
  local rss active
  rss=$(rss_kb "$A_PID")
  active=$(curl -fsS "http://127.0.0.1:$A_PORT/api/v2/alerts/groups" | python3 -c 'import json,sys; print(sum(len(g["alerts"]) for g in json.load(sys.stdin)))' 2>/dev/null || echo 0)
  stop_pid "$A_PID"
  echo "  alertmanager $name: $line rss_kb=$rss active=$active" >&2
  PHASE_LINE="$line rss_kb=$rss active=$active"
}

for run in $(seq 1 "$RUNS"); do
  echo "run $run/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  sleep 2
  if [[ -z "${PACED_RATE:-}" ]]; then
    tocsin_phase "$run" single 1 "$SINGLE_CONNS" --total "$TOTAL"
    t1=$PHASE_LINE
    am_phase "$run" single 1 "$SINGLE_CONNS" --total "$TOTAL"
    a1=$PHASE_LINE
    tocsin_phase "$run" batch "$BATCH" "$BATCH_CONNS" --total "$TOTAL"
    tb=$PHASE_LINE
    am_phase "$run" batch "$BATCH" "$BATCH_CONNS" --total "$TOTAL"
    ab=$PHASE_LINE

    t1r=$(kv "$t1" alerts_per_s); a1r=$(kv "$a1" alerts_per_s)
    tbr=$(kv "$tb" alerts_per_s); abr=$(kv "$ab" alerts_per_s)
    record tocsin_single_alerts_per_s "$run" "$t1r"
    record tocsin_single_alerts_sent "$run" "$(kv "$t1" alerts)"
    record tocsin_single_p99_ms "$run" "$(kv "$t1" svc_p99_ms)"
    record am_single_alerts_per_s "$run" "$a1r"
    record am_single_p99_ms "$run" "$(kv "$a1" svc_p99_ms)"
    record ratio_single_tocsin_over_am "$run" "$(python3 -c "print(round($t1r/$a1r, 4))")"
    record tocsin_batch_alerts_per_s "$run" "$tbr"
    record tocsin_batch_alerts_sent "$run" "$(kv "$tb" alerts)"
    record am_batch_alerts_per_s "$run" "$abr"
    record ratio_batch_tocsin_over_am "$run" "$(python3 -c "print(round($tbr/$abr, 4))")"
    record tocsin_rss_mb_after_single "$run" "$(python3 -c "print(round($(kv "$t1" rss_kb)/1024, 1))")"
    record tocsin_incidents_after_single "$run" "$(kv "$t1" incidents)"
    record tocsin_rss_mb_after_batch "$run" "$(python3 -c "print(round($(kv "$tb" rss_kb)/1024, 1))")"
    record tocsin_incidents_after_batch "$run" "$(kv "$tb" incidents)"
    record am_rss_mb_active_alerts_single "$run" "$(python3 -c "print(round($(kv "$a1" rss_kb)/1024, 1))")"
    record am_active_alerts_single "$run" "$(kv "$a1" active)"
    record am_rss_mb_active_alerts_batch "$run" "$(python3 -c "print(round($(kv "$ab" rss_kb)/1024, 1))")"

    # The SQLite floor, as the most a single writer could do with these commit sizes.
    floor=$("$TOOLS/sqlite_floor" --schema-from "$WORK/schema/tocsin.db" --dir "$WORK" --total "$TOTAL" \
      --tx "$SINGLE_CONNS" --tx $((BATCH * BATCH_CONNS)))
    echo "$floor" | sed 's/^/  /' >&2
    for shape in tocsin minimal; do
      for mode in single batch; do
        if [[ $mode == single ]]; then tx=$SINGLE_CONNS; am=$a1r; else tx=$((BATCH * BATCH_CONNS)); am=$abr; fi
        fl=$(grep "shape=$shape tx=$tx " <<<"$floor")
        record "floor_${shape}_${mode}_cpu_bound_per_s" "$run" "$(kv "$fl" cpu_bound_per_s)"
        record "floor_${shape}_${mode}_over_am" "$run" "$(python3 -c "print(round($(kv "$fl" cpu_bound_per_s)/$am, 4))")"
      done
    done

  fi

  # p99 at half Tocsin's peak one-per-request rate, open loop.
  if [[ -n "${PACED_RATE:-}" ]]; then
    half=$PACED_RATE
  else
    half=$(python3 -c "print(max(1.0, round($t1r/2, 1)))")
  fi
  n=$(python3 -c "print(max(1, int($half*$PACED_SECONDS)))")
  tocsin_phase "$run" paced 1 "$SINGLE_CONNS" --total "$n" --rate "$half"
  tp=$PHASE_LINE
  am_phase "$run" paced 1 "$SINGLE_CONNS" --total "$n" --rate "$half"
  ap=$PHASE_LINE
  record paced_rate_req_per_s "$run" "$half"
  record tocsin_paced_p50_ms "$run" "$(kv "$tp" lat_p50_ms)"
  record tocsin_paced_p99_ms "$run" "$(kv "$tp" lat_p99_ms)"
  record tocsin_paced_achieved_req_per_s "$run" "$(kv "$tp" req_per_s)"
  record am_paced_p50_ms "$run" "$(kv "$ap" lat_p50_ms)"
  record am_paced_p99_ms "$run" "$(kv "$ap" lat_p99_ms)"
done

echo
echo "Results (median of $RUNS runs, then every run); targets: ratios >= 2, tocsin_paced_p99_ms <= 5,"
echo "Tocsin RSS <= 150 MB with 100,000 active alerts (see *_alerts_sent / incidents for how many it reached)."
python3 "$ROOT/bench/alerts/summary.py" "$RESULTS"
cp "$RESULTS" "${RESULTS_OUT:-/dev/null}" 2>/dev/null || true
