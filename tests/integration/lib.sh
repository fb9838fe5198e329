# Shared by the integration scripts: source it, then either call
# start_integration_test or set $work, the pids array and a fail function.

# start_integration_test: a temporary $work directory, the $pids array every
# process the test starts is added to (killed with -9 at exit, when $work is
# removed), and a fail function that stops the test.
start_integration_test() {
  work=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
  fail() { echo "FAIL: $*"; exit 1; }
}

# serve_tocsin NAME ARGS...: starts `tocsin serve ARGS...` on 127.0.0.1:0 and
# waits for its "tocsin listening" line (text or JSON log format). Sets $pid and $addr; the rest of its
# log goes to $work/tocsin.NAME.log.
serve_tocsin() {
  local name="$1"; shift
  mkfifo "$work/log.$name"
  "$bin" serve "$@" --listen 127.0.0.1:0 2>"$work/log.$name" &
  pid=$!
  pids+=("$pid")
  exec 3<"$work/log.$name"
  addr=""
  local line
  while IFS= read -r -t 30 line <&3; do
    # text: address=http://...; JSON: "address":"http://..."
    if [[ "$line" =~ address(=|\":\")(https?://[0-9.]+:[0-9]+) ]]; then addr="${BASH_REMATCH[2]}"; break; fi
  done
  [ -n "$addr" ] || fail "tocsin did not start"
  cat <&3 >"$work/tocsin.$name.log" &
}

# wait_for SECONDS COMMAND...: re-checks COMMAND until it succeeds or SECONDS
# pass; no fixed sleeps: each check is a real request, so the wait ends as
# soon as the condition holds.
wait_for() {
  local seconds="$1"; shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
  done
}
