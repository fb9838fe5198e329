#!/usr/bin/env bash
# Notification delivery benchmark (issue 5): Tocsin's durable outbox to a local
# webhook receiver, and alert-to-webhook latency side by side with Prometheus
# Alertmanager 0.25.
#
#   bench/notify_bench.sh      (from anywhere; figures in docs/benchmarks.md)
#
# Each run:
#   1. Backlog drain = deliveries/s and memory. A fresh Tocsin (config
#      bench/notify/tocsin-notify.yaml: one rule for every monitor, notifying
#      one webhook channel) opens 4 incidents from 4 alerts and delivers their
#      4 notifications; it is stopped, and BACKLOG (default 1,000,000) queued
#      deliveries of those incidents are inserted straight into its SQLite
#      `outbox` table (the schema of src/storage/sqlite/migrations.cpp). It is
#      started again and drains the backlog into bench/notify/notifybench
#      `recv` (an epoll C++ receiver that answers 200 at once). Every
#      SAMPLE_SECONDS for DRAIN_SECONDS (default 60): deliveries received and
#      Tocsin's VmRSS. deliveries/s = received / elapsed over the window after
#      the first sample (start-up excluded). If the backlog is not drained
#      within DRAIN_SECONDS the run says how much was left (a full 1M drain at
#      the measured rate would take far longer than the time box).
#   2. End to end: E2E_N (default 1,000) alerts sent one by one (each waits for
#      the previous webhook to arrive, then E2E_GAP_MS), from just before the
#      POST to the webhook request read by the receiver, same clock, same
#      process (notifybench e2e): into a fresh Tocsin (generic alert ->
#      committed -> incident -> outbox -> webhook) and into a fresh
#      Alertmanager (POST /api/v2/alerts, route group_by [alertname],
#      group_wait 0s, webhook_configs to the receiver). p50/p99 and the ratio
#      Tocsin/Alertmanager per run.
#
# Settings (environment): RUNS=3 BACKLOG=1000000 DRAIN_SECONDS=60
#   SAMPLE_SECONDS=2 E2E_N=1000 E2E_GAP_MS=2 SKIP_BUILD=0 BUILD_DIR=build/bench2
#   TMPDIR (data directories; a real disk, not tmpfs)
# Everything started is stopped on exit; only 127.0.0.1 is used.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
BACKLOG=${BACKLOG:-1000000}
DRAIN_SECONDS=${DRAIN_SECONDS:-60}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-2}
E2E_N=${E2E_N:-1000}
E2E_GAP_MS=${E2E_GAP_MS:-2}
source "$ROOT/bench/alerts/lib.sh"
CONFIG=$ROOT/bench/notify/tocsin-notify.yaml

for tool in python3 curl g++ sqlite3 "$AM_BIN"; do
  command -v "$tool" >/dev/null || { echo "notify_bench: needs $tool" >&2; exit 1; }
done
build_all

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-notify-bench.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
trap 'stop_all; rm -rf "$WORK"/data-* "$WORK"/am-*' EXIT
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }
received() { tail -n 1 "$1" | awk '{print $2}'; }

echo "notify_bench: $RUNS runs, backlog $BACKLOG, drain window ${DRAIN_SECONDS}s, e2e $E2E_N alerts, work dir $WORK"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  echo "run $run/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  sleep 2
  # --- 1. backlog drain -------------------------------------------------------
  RP=$(free_port)
  "$TOOLS/notifybench" recv --port "$RP" --seconds $((DRAIN_SECONDS + 600)) >"$WORK/recv-$run.txt" &
  RECV_PID=$!
  STARTED_PIDS+=("$RECV_PID")
  export BENCH_HOOK_URL="http://127.0.0.1:$RP/hook"
  DATA=$WORK/data-drain
  new_tocsin "$CONFIG" "$DATA"
  for i in 1 2 3 4; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $T_KEY" -H 'Content-Type: application/json' \
      -d "{\"monitor\":\"seed-$i\",\"state\":\"alert\",\"scope\":\"host:s$i\",\"id\":\"seed-$run-$i\"}" \
      "http://127.0.0.1:$T_PORT/api/integrations/generic"
  done
  for _ in $(seq 1 100); do [[ "$(received "$WORK/recv-$run.txt")" -ge 4 ]] && break; sleep 0.1; done
  stop_pid "$T_PID"
  t0=$(date +%s.%N)
  sqlite3 "$DATA/tocsin.db" <<SQL
CREATE TEMP TABLE ids AS SELECT row_number() OVER (ORDER BY public_id) - 1 AS k, id FROM incidents;
WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < $BACKLOG - 1)
INSERT INTO outbox (incident_id, channel, kind, reason, created, state, next_attempt_at)
SELECT ids.id, 'bench-hook', 'incident_opened', 'benchmark backlog', CAST(strftime('%s','now') AS INTEGER) * 1000000,
       'queued', 0
FROM c JOIN ids ON ids.k = c.x % (SELECT count(*) FROM ids);
SQL
  queued=$(sqlite3 "$DATA/tocsin.db" "SELECT count(*) FROM outbox WHERE state = 'queued'")
  echo "  backlog: $queued queued rows inserted in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s; db $(du -sh "$DATA" | cut -f1)"
  before=$(received "$WORK/recv-$run.txt")
  start_tocsin "$CONFIG" "$DATA"
  start_ts=$(date +%s.%N)
  samples=""
  first_n=""; first_t=""; max_rss=0; n=0; el=0
  while :; do
    sleep "$SAMPLE_SECONDS"
    el=$(python3 -c "print(round($(date +%s.%N) - $start_ts, 2))")
    n=$(( $(received "$WORK/recv-$run.txt") - before ))
    rss=$(rss_kb "$T_PID")
    (( rss > max_rss )) && max_rss=$rss
    samples+=" ${el}s:${n}:$((rss / 1024))MB"
    if [[ -z "$first_n" ]]; then first_n=$n; first_t=$el; fi
    if (( n >= queued )) || python3 -c "import sys; sys.exit(0 if $el >= $DRAIN_SECONDS else 1)"; then break; fi
  done
  end_rss=$(rss_kb "$T_PID")
  stop_pid "$T_PID"
  left=$(sqlite3 "$DATA/tocsin.db" "SELECT count(*) FROM outbox WHERE state IN ('queued','sending')")
  rate=$(python3 -c "print(round(($n - $first_n) / max(0.001, $el - $first_t), 1))")
  echo "  drain (elapsed:delivered:RSS):$samples"
  echo "  drain: $n delivered in ${el}s, $rate deliveries/s after the first sample, max RSS $((max_rss / 1024)) MB, $left left queued"
  record deliveries_per_s "$run" "$rate"
  record delivered_in_window "$run" "$n"
  record drain_window_s "$run" "$el"
  record backlog_left_after_window "$run" "$left"
  record drain_rss_first_sample_mb "$run" "$(awk '{split($1,a,":"); sub("MB","",a[3]); print a[3]}' <<<"${samples# }")"
  record drain_rss_max_mb "$run" "$((max_rss / 1024))"
  record drain_rss_end_mb "$run" "$((end_rss / 1024))"
  record receiver_expect100_seen "$run" "$(tail -n 1 "$WORK/recv-$run.txt" | awk '{print $3}')"
  stop_pid "$RECV_PID"
  rm -rf "$DATA"

  # --- 2. end to end ----------------------------------------------------------
  EP=$(free_port)
  export BENCH_HOOK_URL="http://127.0.0.1:$EP/hook"
  new_tocsin "$CONFIG" "$WORK/data-e2e"
  tline=$("$TOOLS/notifybench" e2e --port "$EP" --send-port "$T_PORT" --path /api/integrations/generic \
    --auth "Bearer $T_KEY" --format generic --n "$E2E_N" --prefix "t$run" --gap-ms "$E2E_GAP_MS") || true
  stop_pid "$T_PID"
  echo "  tocsin e2e: $tline"
  cat >"$WORK/am-e2e.yml" <<YAML
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$EP/hook
        send_resolved: false
YAML
  start_am "$WORK/am-e2e.yml" "$WORK/am-e2e"
  aline=$("$TOOLS/notifybench" e2e --port "$EP" --send-port "$A_PORT" --path /api/v2/alerts \
    --format amv2 --n "$E2E_N" --prefix "a$run" --gap-ms "$E2E_GAP_MS") || true
  stop_pid "$A_PID"
  echo "  alertmanager e2e: $aline"
  tp50=$(kv "$tline" e2e_p50_ms); tp99=$(kv "$tline" e2e_p99_ms)
  ap50=$(kv "$aline" e2e_p50_ms); ap99=$(kv "$aline" e2e_p99_ms)
  record tocsin_e2e_arrived "$run" "$(kv "$tline" arrived)"
  record tocsin_e2e_p50_ms "$run" "$tp50"
  record tocsin_e2e_p99_ms "$run" "$tp99"
  record tocsin_post_p50_ms "$run" "$(kv "$tline" post_p50_ms)"
  record tocsin_post_p99_ms "$run" "$(kv "$tline" post_p99_ms)"
  record am_e2e_arrived "$run" "$(kv "$aline" arrived)"
  record am_e2e_p50_ms "$run" "$ap50"
  record am_e2e_p99_ms "$run" "$ap99"
  record ratio_e2e_p50_tocsin_over_am "$run" "$(python3 -c "print(round($tp50/$ap50, 3))")"
  record ratio_e2e_p99_tocsin_over_am "$run" "$(python3 -c "print(round($tp99/$ap99, 3))")"
done

echo
echo "Results (median of $RUNS runs, then every run); targets: deliveries_per_s >= 10,000; bounded RSS while"
echo "draining; e2e p50 and p99 at or below Alertmanager's (ratio <= 1)."
python3 "$ROOT/bench/alerts/summary.py" "$RESULTS"
cp "$RESULTS" "${RESULTS_OUT:-/dev/null}" 2>/dev/null || true
