#!/usr/bin/env bash
# Issue 11 ("Working an incident") on a real server, 127.0.0.1 only:
#
#   bench/workflow_bench.sh        (from the repository root; figures go in docs/benchmarks.md)
#
# 1. Creation cost of the workflow: durable creations/s (POST /api/v2/incidents,
#    wrk -c64, as bench/http_bench.sh), alternating in one sitting, RUNS times,
#    each on a fresh data directory:
#      today     bench/tocsin-bench.yaml as it is, today's create body
#                (no types, no checklists: the workflow adds nothing);
#      workflow  the same config plus the v-commerce example's templates:,
#                types:, dashboards:, postmortem: and checklists:
#                (examples/v-commerce/tocsin.yaml), and a body naming the
#                Security type: each creation also gets the 4 "On Incident
#                Creation" todos, the type's 4 template fields, its dashboard
#                link and 2 more timeline events;
#      before    (only with BASE_TOCSIN=path/to/tocsin, e.g. a Release build of
#                7d4cf65, the commit before usecases::WorkflowStore) that
#                binary, bench config, today's body.
#    Prints the medians, every run and the ratios today/workflow (and
#    before/workflow), and the server's CPU time per creation (less sensitive
#    to a shared machine than the rate).
# 2. Post-mortem end to end: seeds a resolved SEV-1 incident with a post-mortem
#    draft and PM_EVENTS (10,000) timeline events (bench/seed_postmortem), then
#    RUNS times starts the server (workflow config) and times PM_REQUESTS (50)
#    sequential GET /api/v2/incidents/{id}/postmortem with Accept: text/markdown
#    (curl, keep-alive off: one connection each, as a browser's first load),
#    after 3 warm-up requests; and as many with Accept: application/json.
#
# Settings (environment): RUNS=3 DURATION=5s CREATE_CONNECTIONS=64 WRK_THREADS=2
#   BASE_TOCSIN= (empty: no "before")  PM_EVENTS=10000 PM_REQUESTS=50
#   SKIP_CREATE=0 SKIP_POSTMORTEM=0 SKIP_BUILD=0 BUILD_DIR=build/bench
#   TMPDIR (temporary data directories; keep it on a real disk, not tmpfs)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
WRK_THREADS=${WRK_THREADS:-2}
CREATE_CONNECTIONS=${CREATE_CONNECTIONS:-64}
BASE_TOCSIN=${BASE_TOCSIN:-}
PM_EVENTS=${PM_EVENTS:-10000}
PM_REQUESTS=${PM_REQUESTS:-50}
SKIP_CREATE=${SKIP_CREATE:-0}
SKIP_POSTMORTEM=${SKIP_POSTMORTEM:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
BENCH_CONFIG=$ROOT/bench/tocsin-bench.yaml
EXAMPLE=$ROOT/examples/v-commerce/tocsin.yaml
LIB=$ROOT/bench/benchlib.py
WRK_DIR=$ROOT/bench/wrk

for tool in wrk curl jq python3 cmake ninja; do
  command -v "$tool" >/dev/null || { echo "workflow_bench: needs $tool" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-workflow-bench.XXXXXX")
LOG=$WORK/tocsin.log
BENCH_NAME=workflow_bench
source "$ROOT/bench/server_lib.sh"
cleanup() {
  stop_server
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "workflow_bench: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
CLK_TCK=$(getconf CLK_TCK)

# start_server BIN CONFIG DATA: sets SERVER_PID, BASE.
start_server() {
  local out pid port _ms
  out=$(TOCSIN_BENCH_LOG_LEVEL=warn python3 "$LIB" start --bin "$1" --config "$2" --data "$3" --log "$LOG")
  read -r pid port _ms <<<"$out"
  SERVER_PID=$pid
  BASE=http://127.0.0.1:$port
}
new_key() {  # new_key BIN CONFIG DATA
  local json
  json=$("$1" keys create --config "$2" --data "$3" --name "bench-$RANDOM$RANDOM" --user alex --json)
  DD_API_KEY=$(jq -r .api_key <<<"$json")
  DD_APP_KEY=$(jq -r .application_key <<<"$json")
  export DD_API_KEY DD_APP_KEY
}

# --- build -----------------------------------------------------------------
TOCSIN=$BUILD_DIR/apps/tocsin/tocsin
SEEDER=$BUILD_DIR/bench/seed_postmortem
if [[ "$SKIP_BUILD" != 1 ]]; then
  say "building release binaries in $BUILD_DIR"
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_TESTS=OFF \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  fi
  ninja -C "$BUILD_DIR" -j2 tocsin seed_postmortem >&2
fi

# The workflow config: the bench config plus the example's workflow sections.
WORKFLOW_CONFIG=$WORK/tocsin-workflow.yaml
{
  cat "$BENCH_CONFIG"
  printf '\n# --- added by bench/workflow_bench.sh from examples/v-commerce/tocsin.yaml ---\n'
  awk '/^[a-z_]+:/ { keep = ($1 == "templates:" || $1 == "types:" || $1 == "dashboards:" ||
                            $1 == "postmortem:" || $1 == "checklists:") }
       keep' "$EXAMPLE"
} >"$WORKFLOW_CONFIG"
"$TOCSIN" check-config "$WORKFLOW_CONFIG" >/dev/null 2>&1 ||
  "$TOCSIN" check-config "$WORKFLOW_CONFIG" >&2 || { echo "workflow_bench: bad workflow config" >&2; exit 1; }

TREE=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
say "tree: $TREE; machine: $(nproc) cores; load average $(loadavg)"

RESULTS=$WORK/results.tsv
: >"$RESULTS"

# create_run VARIANT RUN: one wrk run of durable creations on a fresh directory.
create_run() {
  local variant=$1 run=$2 bin=$TOCSIN config=$BENCH_CONFIG type="" data out line
  case $variant in
    workflow) config=$WORKFLOW_CONFIG type=Security ;;
    before) bin=$BASE_TOCSIN ;;
  esac
  data=$WORK/data-$variant-$run
  new_key "$bin" "$config" "$data"
  start_server "$bin" "$config" "$data"
  sleep 1
  say "run $run: $variant, load average $(loadavg)"
  local t0 t1
  t0=$(cpu_ticks "$SERVER_PID")
  out=$(INCIDENT_TYPE=$type wrk -t"$WRK_THREADS" -c"$CREATE_CONNECTIONS" -d"$DURATION" --timeout 10s --latency \
    -s "$WRK_DIR/create.lua" "$BASE")
  t1=$(cpu_ticks "$SERVER_PID")
  line=$(echo "$out" | sed -n 's/^WRK_RESULT //p')
  echo "$out" | grep -E 'Requests/sec|Non-2xx' | sed 's/^/    /' >&2
  if [[ $(jq .non2xx <<<"$line") != 0 || $(jq .socket_errors <<<"$line") != 0 ]]; then
    echo "workflow_bench: $variant run $run: $(jq .non2xx <<<"$line") non-2xx, $(jq .socket_errors <<<"$line") socket errors" >&2
  fi
  record "${variant}_rps" "$run" "$(jq .rps <<<"$line")"
  record "${variant}_p50_ms" "$run" "$(jq '.p50_us / 1000' <<<"$line")"
  record "${variant}_p99_ms" "$run" "$(jq '.p99_us / 1000' <<<"$line")"
  record "${variant}_cpu_us" "$run" \
    "$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$(jq .requests <<<"$line")" 'BEGIN {printf "%.0f", d / hz * 1e6 / n}')"
  record "${variant}_load1" "$run" "$(cut -d' ' -f1 /proc/loadavg)"
  if [[ "$run" == 1 ]]; then  # what one creation of this variant stored
    local id
    id=$(curl -sg "$BASE/api/v2/incidents?page[size]=1" -H "DD-API-KEY: $DD_API_KEY" -H "DD-APPLICATION-KEY: $DD_APP_KEY" |
      jq -r '.data[0].id')
    echo "    one $variant incident: $(curl -sg "$BASE/api/v2/incidents/$id/relationships/todos" -H "DD-API-KEY: $DD_API_KEY" \
      -H "DD-APPLICATION-KEY: $DD_APP_KEY" | jq '.data | length' 2>/dev/null || echo '?') todos, $(curl -sg \
      "$BASE/api/v2/incidents/$id/timeline" -H "DD-API-KEY: $DD_API_KEY" -H "DD-APPLICATION-KEY: $DD_APP_KEY" |
      jq '.data | length' 2>/dev/null || echo '?') timeline events" >&2
  fi
  stop_server
  rm -rf "$data"
  sleep 2
}

if [[ "$SKIP_CREATE" != 1 ]]; then
  variants=(today workflow)
  [[ -n "$BASE_TOCSIN" ]] && variants+=(before)
  for run in $(seq 1 "$RUNS"); do
    # Rotate the order so that no variant always runs first (or last) in a round.
    n=${#variants[@]}
    for k in $(seq 0 $((n - 1))); do
      create_run "${variants[$(((k + run - 1) % n))]}" "$run"
    done
  done
fi

# --- post-mortem end to end ------------------------------------------------------
if [[ "$SKIP_POSTMORTEM" != 1 ]]; then
  PM_DATA=$WORK/data-postmortem
  say "seeding one incident with $PM_EVENTS timeline events"
  PM_ID=$("$SEEDER" --data "$PM_DATA" --events "$PM_EVENTS")
  new_key "$TOCSIN" "$WORKFLOW_CONFIG" "$PM_DATA"
  for run in $(seq 1 "$RUNS"); do
    start_server "$TOCSIN" "$WORKFLOW_CONFIG" "$PM_DATA"
    sleep 1
    url="$BASE/api/v2/incidents/$PM_ID/postmortem"
    for accept in text/markdown application/json; do
      name=pm_md
      [[ "$accept" == application/json ]] && name=pm_json
      for _ in 1 2 3; do
        curl -sf -o "$WORK/pm.out" -H "Accept: $accept" -H "DD-API-KEY: $DD_API_KEY" -H "DD-APPLICATION-KEY: $DD_APP_KEY" "$url"
      done
      if [[ "$run" == 1 ]]; then
        echo "    $accept: $(wc -c <"$WORK/pm.out") bytes, $(grep -c '^- [0-9]' "$WORK/pm.out" || true) timeline lines" >&2
      fi
      times=$WORK/times-$name-$run
      for _ in $(seq 1 "$PM_REQUESTS"); do
        curl -sf -o /dev/null -w '%{time_total}\n' -H "Accept: $accept" -H "DD-API-KEY: $DD_API_KEY" \
          -H "DD-APPLICATION-KEY: $DD_APP_KEY" "$url"
      done >"$times"
      read -r p50 p90 max < <(python3 -c '
import statistics, sys
v = sorted(float(x) * 1000 for x in open(sys.argv[1]))
print(f"{statistics.median(v):.2f} {v[int(0.9 * (len(v) - 1))]:.2f} {v[-1]:.2f}")' "$times")
      say "run $run: GET postmortem ($accept): p50 $p50 ms, p90 $p90 ms, max $max ms; load average $(loadavg)"
      record "${name}_p50_ms" "$run" "$p50"
      record "${name}_p90_ms" "$run" "$p90"
    done
    stop_server
    sleep 1
  done
fi

# --- summary -------------------------------------------------------------------------
say "summary for $TREE (median of $RUNS runs, every run after it; load average now $(loadavg))"
python3 - "$RESULTS" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    k, r, v = line.rstrip("\n").split("\t")
    runs.setdefault(k, {})[int(r)] = float(v)
def row(label, key, unit):
    if key not in runs: return
    vs = [runs[key][r] for r in sorted(runs[key])]
    print(f"  {label:<44} {statistics.median(vs):>10.2f} {unit:<3} runs: {', '.join(f'{v:.2f}' for v in vs)}")
for v in ("today", "workflow", "before"):
    row(f"{v}: durable creations/s (wrk -c64)", f"{v}_rps", "/s")
    row(f"{v}: creation p50", f"{v}_p50_ms", "ms")
    row(f"{v}: creation p99", f"{v}_p99_ms", "ms")
    row(f"{v}: server CPU per creation", f"{v}_cpu_us", "us")
    row(f"{v}: load average (1 min) after its runs", f"{v}_load1", "")
for base in ("today", "before"):
    if f"{base}_rps" in runs and "workflow_rps" in runs:
        b, w = runs[f"{base}_rps"], runs["workflow_rps"]
        med = statistics.median(b.values()) / statistics.median(w.values())
        paired = [b[r] / w[r] for r in sorted(b) if r in w]
        print(f"  cost of a workflow create vs {base}: {base}/workflow = {med:.3f} (target <= 1.5); "
              f"per round: {', '.join(f'{p:.3f}' for p in paired)}")
        if f"{base}_cpu_us" in runs and "workflow_cpu_us" in runs:
            cb, cw = runs[f"{base}_cpu_us"], runs["workflow_cpu_us"]
            print(f"    server CPU per creation, workflow/{base}: "
                  f"{statistics.median(cw.values()) / statistics.median(cb.values()):.3f}")
row("GET postmortem, text/markdown, p50", "pm_md_p50_ms", "ms")
row("GET postmortem, text/markdown, p90", "pm_md_p90_ms", "ms")
row("GET postmortem, application/json, p50", "pm_json_p50_ms", "ms")
row("GET postmortem, application/json, p90", "pm_json_p90_ms", "ms")
EOF
