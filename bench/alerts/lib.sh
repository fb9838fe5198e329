# Shared shell helpers of bench/alerts_vs_alertmanager.sh and bench/notify_bench.sh
# (sourced). Everything started is recorded in STARTED_PIDS and stopped by
# stop_all (the scripts trap EXIT to it). Loopback only.
ROOT=${ROOT:?}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench2}
TOCSIN=$BUILD_DIR/apps/tocsin/tocsin
TOOLS=$BUILD_DIR/bench-alerts-notify
AM_BIN=${AM_BIN:-prometheus-alertmanager}
STARTED_PIDS=()

build_all() {
  if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_TESTS=OFF \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
    ninja -C "$BUILD_DIR" -j2 tocsin >/dev/null
  fi
  mkdir -p "$TOOLS"
  g++ -O2 -std=c++20 -pthread -o "$TOOLS/alertload" "$ROOT/bench/alerts/alertload.cpp"
  g++ -O2 -std=c++20 -pthread -o "$TOOLS/notifybench" "$ROOT/bench/notify/notifybench.cpp"
  g++ -O2 -std=c++20 -I "$ROOT/src" -o "$TOOLS/sqlite_floor" "$ROOT/bench/alerts/sqlite_floor.cpp" \
    "$ROOT/src/storage/sqlite/wal_buffer_vfs.cpp" -lsqlite3
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

stop_pid() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
  STARTED_PIDS=()
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

# new_tocsin CONFIG DATA_DIR: fresh data directory, an ingestion key, and a
# started server; sets T_PID T_PORT T_KEY.
new_tocsin() {
  local config=$1 data=$2
  rm -rf "$data"
  mkdir -p "$data"
  T_KEY=$("$TOCSIN" keys create --config "$config" --data "$data" --name bench-ingest --kind ingest --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
  start_tocsin "$config" "$data"
}

# start_tocsin CONFIG DATA_DIR: sets T_PID T_PORT (ready = /healthz answers).
start_tocsin() {
  local out
  out=$(python3 "$ROOT/bench/benchlib.py" start --bin "$TOCSIN" --config "$1" --data "$2" --log "$2.log")
  read -r T_PID T_PORT _ <<<"$out"
  STARTED_PIDS+=("$T_PID")
}

# start_am CONFIG_FILE STORAGE_DIR: sets A_PID A_PORT (ready = /-/ready).
start_am() {
  local config=$1 storage=$2
  rm -rf "$storage"
  mkdir -p "$storage"
  A_PORT=$(free_port)
  "$AM_BIN" --config.file="$config" --storage.path="$storage" --web.listen-address="127.0.0.1:$A_PORT" \
    --cluster.listen-address="" --log.level=warn </dev/null >"$storage.log" 2>&1 &
  A_PID=$!
  STARTED_PIDS+=("$A_PID")
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$A_PORT/-/ready" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "alertmanager did not start; see $storage.log" >&2
  return 1
}
