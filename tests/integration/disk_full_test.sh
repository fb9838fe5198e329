#!/usr/bin/env bash
# A full disk (issue 16): the data directory on a small tmpfs. Writes answer
# 503 with Retry-After (never 500, never a crash), reads keep working; when
# space returns, writes resume; nothing acknowledged is lost, also across a
# kill -9 and restart. Needs root to mount the tmpfs (skipped otherwise).
# Usage: disk_full_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
config="$2/examples/v-commerce/tocsin.yaml"
here="$(dirname "$0")"
# shellcheck source=tests/integration/lib.sh
source "$here/lib.sh"
start_integration_test
mkdir -p "$work/data"
if [ "$(id -u)" != "0" ] || ! mount -t tmpfs -o size=6m tocsin-disk-full "$work/data" 2>/dev/null; then
  echo "SKIP: mounting a tmpfs needs root"
  exit 77
fi
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; umount "$work/data"; rm -rf "$work"' EXIT

keys=$("$bin" keys create --config "$config" --data "$work/data" --name t --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")

serve_tocsin 1 --config "$config" --data "$work/data"
first=$pid
python3 "$here/disk_full.py" fill "$addr" "$api" "$app" "$work/state.json" || fail "while the disk was full"
kill -0 "$first" 2>/dev/null || fail "tocsin died on a full disk"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$addr/healthz")" = "200" ] || fail "healthz on a full disk"

# Space returns: writes resume on the same process.
mount -o remount,size=64m "$work/data" || fail "cannot grow the tmpfs"
python3 "$here/disk_full.py" check "$addr" "$api" "$app" "$work/state.json" || fail "after space returned"

# And all of it survives a kill -9 and a restart.
kill -9 "$first"
wait "$first" 2>/dev/null
serve_tocsin 2 --config "$config" --data "$work/data"
python3 - "$addr" "$api" "$app" "$work/state.json" <<'PY' || fail "after kill -9 and restart"
import json, subprocess, sys
addr, api, app, state_file = sys.argv[1:5]
state = json.load(open(state_file))
out = subprocess.run(["curl", "-gsf", "%s/api/v2/incidents/%s/timeline?page[size]=1000" % (addr, state["incident"]),
                      "-H", "DD-API-KEY: " + api, "-H", "DD-APPLICATION-KEY: " + app], capture_output=True, check=True).stdout
text = out.decode()
missing = [t for t in state["acked"] + ["fill-999999"] if text.count(t) != 1]
if missing:
    print("FAIL: after restart, notes missing or doubled: %s" % missing[:5]); sys.exit(1)
print("restart: all %d notes present once" % (len(state["acked"]) + 1))
PY
echo "disk full: 503 + Retry-After while full, reads served, writes resumed, nothing acknowledged lost"
