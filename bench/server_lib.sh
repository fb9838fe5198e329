# Shared shell helpers of bench/http_bench.sh and bench/workflow_bench.sh
# (sourced after BENCH_NAME and RESULTS are set): stopping the server under
# test (SERVER_PID), progress lines and result rows. Loopback only.
BENCH_NAME=${BENCH_NAME:?}
SERVER_PID=""

# SIGTERM, then up to 30 s for a graceful stop, then SIGKILL.
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "$BENCH_NAME: tocsin $SERVER_PID did not stop on SIGTERM; killing it" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

say() { printf '\n== %s\n' "$*" >&2; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of the whole process
