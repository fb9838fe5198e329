#!/usr/bin/env bash
# A failed fdatasync is fatal (issue 10, defect 7): after it the server never
# answers 2xx to a write again (the kernel may have dropped the dirty pages
# and cleared the error, so a later sync could succeed over a hole), says it
# is not ready, and stops with a non-zero status so that a supervisor starts
# it again; the restart recovers what is on disk and serves as before.
# The failure is injected with an LD_PRELOAD shim (fail_fdatasync.c).
# Usage: fsync_failure_test.sh TOCSIN_BINARY SOURCE_DIR SHIM_LIBRARY
set -uo pipefail
bin="$1"
config="$2/examples/v-commerce/tocsin.yaml"
shim="$3"
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
start_integration_test

keys=$("$bin" keys create --config "$config" --data "$work/data" --name t --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
create() {  # prints the HTTP status of an incident creation titled $1
  curl -s -o "$work/answer" -w '%{http_code}' -X POST "$addr/api/v2/incidents" \
    -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" -H "Content-Type: application/json" \
    -d "{\"data\":{\"type\":\"incidents\",\"attributes\":{\"title\":\"$1\",\"severity\":\"SEV-3\"}}}"
}
titles() {
  curl -gsf "$addr/api/v2/incidents?page[size]=100" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" |
    python3 -c 'import json,sys; print(" ".join(sorted(i["attributes"]["title"] for i in json.load(sys.stdin)["data"])))'
}

export TOCSIN_FAIL_FDATASYNC_FLAG="$work/fail-next-fdatasync"
# Under ASan the shim is preloaded ahead of the sanitizer's runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
LD_PRELOAD="$shim" serve_tocsin 1 --config "$config" --data "$work/data"
first=$pid
[ "$(create before)" = "201" ] || fail "a write before the failure was refused: $(cat "$work/answer")"

touch "$TOCSIN_FAIL_FDATASYNC_FLAG"
status=$(create during)
[ -e "$TOCSIN_FAIL_FDATASYNC_FLAG" ] && fail "the shim's fdatasync was never called"
[ "$status" = "503" ] || [ "$status" = "000" ] || fail "the write whose sync failed answered $status"

# From now on no write is acknowledged, though fdatasync works again; the
# process stops by itself (bounded wait: the test fails if it does not).
for k in 1 2 3; do
  status=$(create "after-$k")
  case "$status" in
    2*) fail "a write was acknowledged ($status) after a failed fdatasync" ;;
  esac
done
deadline=$((SECONDS + 30))
while kill -0 "$first" 2>/dev/null; do
  [ "$SECONDS" -ge "$deadline" ] && fail "tocsin kept running after a failed fdatasync"
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$addr/readyz")" = "200" ]; then
    fail "tocsin said it was ready after a failed fdatasync"
  fi
done
wait "$first"
code=$?
[ "$code" -ne 0 ] || fail "tocsin stopped with status 0 after a storage failure"
grep -q "storage failure" "$work/tocsin.1.log" || fail "the log does not name the storage failure"

# Started again (no shim): the acknowledged write is there, and writes work.
serve_tocsin 2 --config "$config" --data "$work/data"
case " $(titles) " in *" before "*) ;; *) fail "the acknowledged incident is gone after the restart: $(titles)" ;; esac
[ "$(create again)" = "201" ] || fail "writes do not work after the restart"
echo "fsync failure: 503 from the failed sync on, not ready, exit $code, recovered after restart"
