#!/usr/bin/env bash
# Latency of deep page[offset] listing pages (GET /api/v2/incidents, size
# 100, newest first) on a seeded database: one request at a time with curl at
# pseudo-random offsets (fixed seed), after a short warm-up. Prints p50/p99 in
# ms and writes each page's incident ids to OUT (one line per request) so two
# binaries' answers can be compared with diff.
#
# Usage: bench/offset_bench.sh TOCSIN_BINARY DATA_DIR OUT [REQUESTS=200]
# DATA_DIR is used as is (migrations may run on it): pass a copy.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=$1 DATA=$2 OUT=$3 REQUESTS=${4:-200}
CONFIG=$PWD/bench/tocsin-bench.yaml
LOG=$(mktemp "${TMPDIR:-/tmp}/tocsin-offset-bench.XXXXXX.log")
SERVER_PID=""
trap '[[ -n "$SERVER_PID" ]] && kill -TERM "$SERVER_PID" 2>/dev/null; true' EXIT

json=$("$BIN" keys create --config "$CONFIG" --data "$DATA" --name "offset-$RANDOM$RANDOM" --user alex --json)
API=$(jq -r .api_key <<<"$json")
APP=$(jq -r .application_key <<<"$json")
read -r SERVER_PID PORT STARTUP_MS < <(TOCSIN_BENCH_LOG_LEVEL=warn python3 bench/benchlib.py start --bin "$BIN" \
  --config "$CONFIG" --data "$DATA" --log "$LOG" --timeout 600)
echo "server $SERVER_PID on $PORT, ready in $STARTUP_MS ms" >&2
total=$(sqlite3 -readonly "$DATA/tocsin.db" "SELECT COUNT(*) FROM incidents WHERE deleted = 0")

page() {  # offset -> seconds on stdout, ids appended to OUT
  local body=$LOG.body t
  t=$(curl -sS -o "$body" -w '%{time_total}' -H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP" \
    "http://127.0.0.1:$PORT/api/v2/incidents?page%5Bsize%5D=100&page%5Boffset%5D=$1")
  echo "$1 $(jq -r '[.data[].id] | join(",")' "$body")" >>"$OUT"
  echo "$t"
}

: >"$OUT"
offsets=$(python3 -c "import random; r = random.Random(7); n = $total
print(' '.join(str(r.randrange(n // 10, n)) for _ in range($REQUESTS + 20)))")
times=()
k=0
for o in $offsets; do
  t=$(page "$o")
  ((k++ >= 20)) && times+=("$t")  # the first 20 warm the caches
done
printf '%s\n' "${times[@]}" | python3 -c "import sys, statistics
t = sorted(float(x) * 1000 for x in sys.stdin)
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(f'{len(t)} requests at offsets in [{$total // 10}, {$total}): p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, mean {statistics.mean(t):.2f} ms')"
