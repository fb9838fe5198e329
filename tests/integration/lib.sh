# Shared by the integration scripts (source it after setting $bin, $work and
# the pids array and a fail function).

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
    if [[ "$line" =~ address(=|\":\")(http://[0-9.]+:[0-9]+) ]]; then addr="${BASH_REMATCH[2]}"; break; fi
  done
  [ -n "$addr" ] || fail "tocsin did not start"
  cat <&3 >"$work/tocsin.$name.log" &
}
