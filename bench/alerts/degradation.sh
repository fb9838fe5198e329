#!/usr/bin/env bash
# Diagnostic for docs/benchmarks.md: how Tocsin's one-alert-per-
# request ingestion rate changes as open incidents accumulate in ONE server.
# Sends CHUNKS x CHUNK distinct alerts (SINGLE_CONNS connections) and prints,
# per chunk: alerts/s, p99, open incidents, WAL size, and the CPU seconds of
# the server's busiest thread vs all threads during the chunk (the engine
# thread that rescans every open incident after each ingestion shows up there).
#   bench/alerts/degradation.sh   (CHUNKS=6 CHUNK=2000 SINGLE_CONNS=32)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
CHUNKS=${CHUNKS:-6}
CHUNK=${CHUNK:-2000}
SINGLE_CONNS=${SINGLE_CONNS:-32}
source "$ROOT/bench/alerts/lib.sh"
[[ -x "$TOOLS/alertload" ]] || SKIP_BUILD=1 build_all
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-degradation.XXXXXX")
trap 'stop_all; rm -rf "$WORK"' EXIT
new_tocsin "$ROOT/bench/alerts/tocsin-alerts.yaml" "$WORK/data"
ticks() { # "tid utime+stime" per thread, in clock ticks
  for t in /proc/"$T_PID"/task/*; do awk -v t="${t##*/}" '{print t, $14 + $15}' "$t/stat" 2>/dev/null; done
}
hz=$(getconf CLK_TCK)
printf '%-6s %-12s %-10s %-10s %-9s %-22s\n' chunk incidents alerts/s p99_ms wal_MB "busiest_thread/all_cpu_s"
for c in $(seq 1 "$CHUNKS"); do
  ticks >"$WORK/before"
  line=$("$TOOLS/alertload" --port "$T_PORT" --auth "Bearer $T_KEY" --batch 1 --conns "$SINGLE_CONNS" \
    --total "$CHUNK" --prefix "c$c")
  ticks >"$WORK/after"
  read -r busiest all < <(join "$WORK/before" "$WORK/after" | awk -v hz="$hz" \
    '{d = ($3 - $2) / hz; s += d; if (d > m) m = d} END {printf "%.1f %.1f\n", m, s}')
  wal=$(stat -c %s "$WORK/data/tocsin.db-wal" 2>/dev/null || echo 0)
  printf '%-6s %-12s %-10s %-10s %-9s %-22s\n' "$c" $((c * CHUNK)) "$(kv "$line" alerts_per_s)" \
    "$(kv "$line" svc_p99_ms)" $((wal / 1048576)) "$busiest/$all"
done
