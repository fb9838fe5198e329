#!/usr/bin/env bash
# HTTP load benchmark of `tocsin serve` on loopback with wrk.
#
#   bench/http_bench.sh            (from the repository root; figures go in docs/benchmarks.md)
#
# What it does:
#   1. builds the release binaries in build/bench (tocsin, seed_incidents);
#   2. RUNS times, each on a fresh temporary data directory:
#        start-up time and idle RSS with an empty database; durable creations/s
#        (POST, wrk -c64); GET one incident; list a page of 100;
#   3. seeds SEED_COUNT incidents (default 1,000,000) once, into
#      build/bench/bench-data/seed-v2-N (kept for later runs; RESEED=1 rebuilds
#      it), and copies it to a temporary directory;
#   4. RUNS times on that copy: start-up time, idle RSS and idle CPU; list page
#      of 100 (newest, and at random offsets); search (narrow and broad); GET
#      one; single list requests at deep offsets;
#   5. prints the median of the runs and every run.
# Everything it starts (servers, wrk) stops by itself or is stopped on exit;
# it only talks to 127.0.0.1. Sleeps are deliberate (let the machine settle).
#
# Settings (environment):
#   RUNS=3 DURATION=10s  CREATE_CONNECTIONS=64  READ_CONNECTIONS=8
#   MODEST_CONNECTIONS=4 (the 1M list/search "modest load")  WRK_THREADS=2
#   SEED_COUNT=1000000 (0: skip steps 3-4) RESEED=0 SKIP_BUILD=0  BUILD_DIR=build/bench
#   TMPDIR (temporary data directories; keep it on a real disk, not tmpfs)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WRK_THREADS=${WRK_THREADS:-2}
CREATE_CONNECTIONS=${CREATE_CONNECTIONS:-64}
READ_CONNECTIONS=${READ_CONNECTIONS:-8}
MODEST_CONNECTIONS=${MODEST_CONNECTIONS:-4}
SEED_COUNT=${SEED_COUNT:-1000000}
RESEED=${RESEED:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
CONFIG=$ROOT/bench/tocsin-bench.yaml
LIB=$ROOT/bench/benchlib.py
WRK_DIR=$ROOT/bench/wrk

for tool in wrk curl jq python3 cmake ninja; do
  command -v "$tool" >/dev/null || { echo "http_bench: needs $tool" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-http-bench.XXXXXX")
RESULTS=$WORK/results.tsv
LOG=$WORK/tocsin.log
: >"$RESULTS"
BENCH_NAME=http_bench
source "$ROOT/bench/server_lib.sh"

cleanup() {
  stop_server
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then
    echo "http_bench: kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# start_server DATA_DIR [line]: sets SERVER_PID, PORT, STARTUP_MS. With
# "line", logs at info and waits for the listening line (start-up time);
# otherwise logs at warn and waits for /healthz.
start_server() {
  local data=$1 mode=${2:-}
  local out
  if [[ "$mode" == line ]]; then
    out=$(TOCSIN_BENCH_LOG_LEVEL=info python3 "$LIB" start --bin "$TOCSIN" --config "$CONFIG" --data "$data" \
      --log "$LOG" --wait-line)
  else
    out=$(TOCSIN_BENCH_LOG_LEVEL=warn python3 "$LIB" start --bin "$TOCSIN" --config "$CONFIG" --data "$data" \
      --log "$LOG")
  fi
  read -r SERVER_PID PORT STARTUP_MS <<<"$out"
  BASE=http://127.0.0.1:$PORT
}

rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
CLK_TCK=$(getconf CLK_TCK)
# idle_cpu_pct PID: CPU the process uses over 5 s of no requests, in % of one core.
idle_cpu_pct() {
  local t0 t1
  t0=$(cpu_ticks "$1")
  sleep 5
  t1=$(cpu_ticks "$1")
  awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" 'BEGIN {printf "%.1f", d / hz / 5 * 100}'
}

new_key() {
  local json
  json=$("$TOCSIN" keys create --config "$CONFIG" --data "$1" --name "bench-$RANDOM$RANDOM" --user alex --json)
  DD_API_KEY=$(jq -r .api_key <<<"$json")
  DD_APP_KEY=$(jq -r .application_key <<<"$json")
  export DD_API_KEY DD_APP_KEY
}

# run_wrk NAME RUN CONNECTIONS SCRIPT URL: records NAME_rps, NAME_p50_ms,
# NAME_p99_ms and NAME_cpu_us (server CPU time, all threads, per request).
run_wrk() {
  local name=$1 run=$2 conns=$3 script=$4 url=$5 out line t0 t1
  t0=$(cpu_ticks "$SERVER_PID")
  out=$(wrk -t"$WRK_THREADS" -c"$conns" -d"$DURATION" --timeout 10s --latency -s "$WRK_DIR/$script" "$url")
  t1=$(cpu_ticks "$SERVER_PID")
  echo "$out" | grep -v WRK_RESULT | sed 's/^/    /' >&2
  line=$(echo "$out" | sed -n 's/^WRK_RESULT //p')
  local non2xx errors requests
  non2xx=$(jq .non2xx <<<"$line")
  errors=$(jq .socket_errors <<<"$line")
  requests=$(jq .requests <<<"$line")
  if [[ "$non2xx" != 0 || "$errors" != 0 ]]; then
    echo "http_bench: $name run $run: $non2xx non-2xx responses, $errors socket errors" >&2
  fi
  if [[ "$requests" == 0 ]]; then
    echo "http_bench: $name run $run: no request completed; nothing recorded" >&2
    return 0
  fi
  record "${name}_cpu_us" "$run" \
    "$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.0f", d / hz * 1e6 / n}')"
  record "${name}_rps" "$run" "$(jq .rps <<<"$line")"
  record "${name}_p50_ms" "$run" "$(jq '.p50_us / 1000' <<<"$line")"
  record "${name}_p99_ms" "$run" "$(jq '.p99_us / 1000' <<<"$line")"
}

# one_request_ms URL: median of 3 sequential requests' total time, in ms.
one_request_ms() {
  local url=$1 times=()
  for _ in 1 2 3; do
    times+=("$(curl -sg -o /dev/null -w '%{time_total}' -H "DD-API-KEY: $DD_API_KEY" \
      -H "DD-APPLICATION-KEY: $DD_APP_KEY" "$url")")
  done
  printf '%s\n' "${times[@]}" | sort -g | sed -n 2p | awk '{printf "%.2f", $1 * 1000}'
}

# --- build -----------------------------------------------------------------
TOCSIN=$BUILD_DIR/apps/tocsin/tocsin
SEEDER=$BUILD_DIR/bench/seed_incidents
if [[ "$SKIP_BUILD" != 1 ]]; then
  say "building release binaries in $BUILD_DIR"
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_TESTS=OFF \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  fi
  ninja -C "$BUILD_DIR" -j2 tocsin seed_incidents >&2
fi

TREE=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
say "tree: $TREE; machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- phase 1: a small database ------------------------------------------------
for run in $(seq 1 "$RUNS"); do
  data=$WORK/data-$run
  say "run $run/$RUNS: empty database ($data)"
  start_server "$data" line
  record startup_empty_ms "$run" "$STARTUP_MS"
  sleep 1
  record rss_empty_mb "$run" "$(rss_mb "$SERVER_PID")"
  stop_server

  new_key "$data"
  start_server "$data"
  sleep 1
  say "run $run: durable creations, wrk -c$CREATE_CONNECTIONS"
  run_wrk create "$run" "$CREATE_CONNECTIONS" create.lua "$BASE"
  sleep 2

  id=$(curl -sg -X POST "$BASE/api/v2/incidents" -H "DD-API-KEY: $DD_API_KEY" -H "DD-APPLICATION-KEY: $DD_APP_KEY" \
    -H 'Content-Type: application/json' \
    -d '{"data":{"type":"incidents","attributes":{"title":"bench get target","severity":"SEV-2","customer_impacted":false}}}' |
    jq -r .data.id)
  [[ "$id" =~ ^[0-9a-f-]{36}$ ]] || { echo "http_bench: could not create an incident ($id)" >&2; exit 1; }
  say "run $run: GET one incident, wrk -c$READ_CONNECTIONS"
  run_wrk get "$run" "$READ_CONNECTIONS" get.lua "$BASE/api/v2/incidents/$id"
  sleep 2
  count=$(curl -sg "$BASE/api/v2/incidents/search?query=state:*&page[size]=1" -H "DD-API-KEY: $DD_API_KEY" \
    -H "DD-APPLICATION-KEY: $DD_APP_KEY" | jq .data.attributes.total)
  say "run $run: list a page of 100 of $count incidents, wrk -c$READ_CONNECTIONS"
  record small_db_incidents "$run" "$count"
  run_wrk list "$run" "$READ_CONNECTIONS" get.lua "$BASE/api/v2/incidents?page[size]=100&page[offset]=0"
  sleep 1
  record idle_cpu_small_pct "$run" "$(idle_cpu_pct "$SERVER_PID")"
  stop_server
  rm -rf "$data"
  sleep 2
done

# --- phase 2: 1,000,000 incidents --------------------------------------------------
# SEED_COUNT=0 skips it (phase 1 only).
if [[ "$SEED_COUNT" != 0 ]]; then
  # The seeded database is kept pristine for later invocations; the runs use a
  # copy (the server writes to it: keys, and its reminder engine).
  SEED_CACHE=$BUILD_DIR/bench-data/seed-v2-$SEED_COUNT
  if [[ "$RESEED" == 1 || ! -f "$SEED_CACHE/complete" ]]; then
    say "seeding $SEED_COUNT incidents into $SEED_CACHE"
    rm -rf "$SEED_CACHE"
    mkdir -p "$SEED_CACHE"
    "$SEEDER" --data "$SEED_CACHE" --count "$SEED_COUNT" >&2
    touch "$SEED_CACHE/complete"
  fi
  SEED_DIR=$WORK/data-seeded
  mkdir -p "$SEED_DIR"
  say "copying $(du -sh "$SEED_CACHE/tocsin.db" | cut -f1) database to $SEED_DIR"
  cp --reflink=auto "$SEED_CACHE/tocsin.db" "$SEED_DIR/tocsin.db"
  new_key "$SEED_DIR"
  sleep 5

  for run in $(seq 1 "$RUNS"); do
    say "run $run/$RUNS: $SEED_COUNT incidents"
    start_server "$SEED_DIR" line
    record startup_1m_ms "$run" "$STARTUP_MS"
    sleep 1
    record rss_1m_mb "$run" "$(rss_mb "$SERVER_PID")"
    record idle_cpu_1m_pct "$run" "$(idle_cpu_pct "$SERVER_PID")"
    stop_server

    start_server "$SEED_DIR"
    sleep 1
    say "run $run: list newest page of 100, wrk -c$MODEST_CONNECTIONS"
    run_wrk list1m "$run" "$MODEST_CONNECTIONS" get.lua "$BASE/api/v2/incidents?page[size]=100&page[offset]=0"
    sleep 2
    say "run $run: list page of 100 at random offsets, wrk -c$MODEST_CONNECTIONS"
    MAX_OFFSET=$((SEED_COUNT - 100)) run_wrk listrand1m "$run" "$MODEST_CONNECTIONS" list_random_offset.lua "$BASE"
    sleep 2
    say "run $run: search, wrk -c$MODEST_CONNECTIONS"
    run_wrk search1m "$run" "$MODEST_CONNECTIONS" get.lua \
      "$BASE/api/v2/incidents/search?query=state:active+AND+severity:SEV-1&page[size]=100"
    sleep 2
    say "run $run: broad search (severity:SEV-1, about 5% of all incidents), wrk -c$MODEST_CONNECTIONS"
    run_wrk searchbroad1m "$run" "$MODEST_CONNECTIONS" get.lua \
      "$BASE/api/v2/incidents/search?query=severity:SEV-1&page[size]=100"
    sleep 2
    id=$(curl -sg "$BASE/api/v2/incidents?page[size]=1&page[offset]=$((SEED_COUNT / 8))" -H "DD-API-KEY: $DD_API_KEY" \
      -H "DD-APPLICATION-KEY: $DD_APP_KEY" | jq -r '.data[0].id')
    [[ "$id" =~ ^[0-9a-f-]{36}$ ]] || { echo "http_bench: no incident id from the list ($id)" >&2; exit 1; }
    say "run $run: GET one incident, wrk -c$READ_CONNECTIONS"
    run_wrk get1m "$run" "$READ_CONNECTIONS" get.lua "$BASE/api/v2/incidents/$id"
    sleep 2
    say "run $run: single list requests at deep offsets"
    record offset0_ms "$run" "$(one_request_ms "$BASE/api/v2/incidents?page[size]=100&page[offset]=0")"
    record offset_half_ms "$run" "$(one_request_ms "$BASE/api/v2/incidents?page[size]=100&page[offset]=$((SEED_COUNT / 2))")"
    record offset_deep_ms "$run" \
      "$(one_request_ms "$BASE/api/v2/incidents?page[size]=100&page[offset]=$((SEED_COUNT * 9 / 10))")"
    record rss_1m_after_mb "$run" "$(rss_mb "$SERVER_PID")"
    stop_server
    sleep 2
  done
fi

say "summary for $TREE (median of $RUNS runs; every run in the last column; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
python3 "$LIB" summary "$RESULTS"
cp "$RESULTS" "$BUILD_DIR/http_bench_results.tsv"
echo "(raw results: $BUILD_DIR/http_bench_results.tsv)"
