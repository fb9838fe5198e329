#!/usr/bin/env bash
# GET /api/v2/analytics/incidents end to end (curl's time_total over loopback)
# for a year by week grouped by severity, with the seed's five targets, on a
# data directory of COUNT synthetic incidents created over the year before now
# (bench/seed_incidents, one every SPACING seconds; the default puts
# 1,000,000 in 364 days). Prints:
#   - the first request (the server builds its analytics index from storage);
#   - the median and p90 of REQUESTS requests on a quiet server;
#   - the median and p90 of REQUESTS requests each after CHANGES incidents
#     were created and acknowledged through the API (the index re-reads them);
#   - the server's resident memory before and after the index was built.
#
#   BUILD=build/bench2 COUNT=1000000 REQUESTS=20 CHANGES=20 bench/analytics_bench.sh
# DATA=DIR reuses (and keeps) a seeded directory: seeding 1,000,000 takes minutes.
set -euo pipefail
build=${BUILD:-build/dev}
count=${COUNT:-1000000}
spacing=${SPACING:-31}
requests=${REQUESTS:-20}
changes=${CHANGES:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=""
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
data=${DATA:-$work/data}
if [ ! -f "$data/tocsin.db" ]; then
  "$build/bench/seed_incidents" --data "$data" --count "$count" --spacing-seconds "$spacing" >/dev/null
fi
config="${CONFIG:-$src/examples/v-commerce/tocsin.yaml}"
# Started and waited for by bench/benchlib.py (as the other benchmarks do).
read -r pid port _ < <(python3 "$src/bench/benchlib.py" start --bin "${TOCSIN:-$build/apps/tocsin/tocsin}" \
  --config "$config" --data "$data" --log "$work/log")
[ -n "${port:-}" ] || { echo "server did not start: $(cat "$work/log")" >&2; exit 1; }
addr="http://127.0.0.1:$port"
keys=$("$build/apps/tocsin/tocsin" keys create --config "$config" --data "$data" --name "bench-$$" --scope write --json)
a=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
b=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
auth=(-H "DD-API-KEY: $a" -H "DD-APPLICATION-KEY: $b")
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$pid/status"; }
to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
from=$(date -u -d "$to - 364 days" +%Y-%m-%dT%H:%M:%SZ)
url="$addr/api/v2/analytics/incidents?from=$from&to=$to&group_by=severity&interval=week"
ask() { curl -s -o "$work/body" -w '%{http_code} %{time_total}\n' "${auth[@]}" "$url"; }
stats() {  # label: median and p90 of the times on stdin
  awk '$1 != 200 {print "HTTP " $1 > "/dev/stderr"; exit 1} {print $2}' | sort -n |
    awk -v label="$1" '{t[NR]=$1} END {printf "%s: median %.1f ms, p90 %.1f ms (%d requests)\n", label, t[int((NR+1)/2)]*1000, t[(int(NR*0.9) > 0 ? int(NR*0.9) : 1)]*1000, NR}'
}
echo "server before the first request: $(rss)"
ask | stats "first request (builds the index from storage)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]["attributes"]; print("year by week: %d incidents, %d buckets, %d targets" % (d["total"]["incidents"], len(d["buckets"]), len(d["targets"])))' "$work/body"
echo "server after it: $(rss)"
for _ in $(seq 1 "$requests"); do ask; done | stats "quiet server"
for _ in $(seq 1 "$requests"); do
  for k in $(seq 1 "$changes"); do
    id=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' "$addr/api/v2/incidents" \
      -d '{"data":{"type":"incidents","attributes":{"title":"bench change '"$k"'","fields":{"severity":{"type":"dropdown","value":"SEV-3"}}}}}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
    curl -sf -o /dev/null "${auth[@]}" -X POST "$addr/api/v2/incidents/$id/acknowledge"
  done
  ask
done | stats "after $changes incidents created and acknowledged (each)"
