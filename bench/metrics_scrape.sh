#!/usr/bin/env bash
# /metrics scrape time end to end (curl's time_total over loopback), on a data
# directory of COUNT synthetic incidents (bench/seed_incidents; the newest
# RECENT in every state, the rest closed): the exposition reads the outbox
# counts, the escalation lag and the open incidents by severity and by
# workflow phase (one faceted search) at each scrape. Prints the median and
# p90 of SCRAPES scrapes.
#
#   BUILD=build/dev COUNT=20000 RECENT=1000 SCRAPES=50 bench/metrics_scrape.sh
# TOCSIN=other/tocsin CONFIG=other/tocsin.yaml compares another build side by side.
set -euo pipefail
build=${BUILD:-build/dev}
count=${COUNT:-20000}
recent=${RECENT:-1000}
scrapes=${SCRAPES:-50}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""
"$build/bench/seed_incidents" --data "$work/data" --count "$count" --recent "$recent" >/dev/null
config="${CONFIG:-$src/examples/v-commerce/tocsin.yaml}"
"${TOCSIN:-$build/apps/tocsin/tocsin}" serve --config "$config" --data "$work/data" --listen 127.0.0.1:0 2>"$work/log" &
pid=$!
addr=""
for _ in $(seq 1 300); do
  addr=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/log" | head -1 || true)
  [ -n "$addr" ] && curl -sf "$addr/readyz" >/dev/null && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start: $(cat "$work/log")" >&2; exit 1; }
# /metrics is open on loopback only when server.metrics_public is on; use a read key otherwise.
keys=$("$build/apps/tocsin/tocsin" keys create --config "$config" --data "$work/data" --name bench --scope read --json 2>/dev/null || true)
auth=()
if [ -n "$keys" ]; then
  a=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
  b=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
  auth=(-u "$a:$b")
fi
curl -sf "${auth[@]}" "$addr/metrics" >/dev/null  # warm up
for _ in $(seq 1 "$scrapes"); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "${auth[@]}" "$addr/metrics"
done | awk '$1 != 200 {print "HTTP " $1 > "/dev/stderr"; exit 1} {print $2}' | sort -n |
  awk -v n="$scrapes" '{t[NR]=$1} END {printf "scrape over %d incidents: median %.2f ms, p90 %.2f ms (%d scrapes)\n", '"$count"', t[int((n+1)/2)]*1000, t[int(n*0.9)]*1000, n}'
