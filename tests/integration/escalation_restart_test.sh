#!/usr/bin/env bash
# The process is killed (kill -9) between escalation tiers and started again
# against the same database: the overdue tier fires exactly once, none twice.
# The server's clock is set with --clock-start so that no test waits minutes.
# Usage: escalation_restart_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
config="$2/examples/v-commerce/tocsin.yaml"
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
start_integration_test

keys=$("$bin" keys create --config "$config" --data "$work/data" --name t --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
ingest=$("$bin" keys create --config "$config" --data "$work/data" --name i --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')

start() {  # start N CLOCK_START
  serve_tocsin "$1" --config "$config" --data "$work/data" --clock-start "$2"
}
pages() {
  curl -gsf "$addr/api/v2/incidents/$incident/timeline?page[size]=1000" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" |
    python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["data"] if c["attributes"]["kind"] == "page"))'
}
wait_pages() {  # re-check until the timeline shows N pages (30 s at most)
  local deadline=$((SECONDS + 30))
  until [ "$(pages)" = "$1" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
  done
  return 0
}

# 1. 10:00: the security incident opens; tier 1 pages the primary at once.
start 1 2026-11-27T10:00:00Z
incident=$(curl -sf -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" \
  -d '{"monitor": "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["relationships"]["incident"]["data"]["id"])')
[ -n "$incident" ] || fail "no incident opened"
wait_pages 1 || fail "tier 1 did not page (pages: $(pages))"
kill -9 "$pid"; wait "$pid" 2>/dev/null

# 2. Back at 10:06: tier 2 (5 min) is overdue and fires once.
start 2 2026-11-27T10:06:00Z
wait_pages 2 || fail "tier 2 did not fire after the restart (pages: $(pages))"
kill -9 "$pid"; wait "$pid" 2>/dev/null

# 3. Again at 10:07: nothing new is due; no tier fires twice.
start 3 2026-11-27T10:07:00Z
# Ready means the engine has caught up with everything due at start.
curl -sf "$addr/readyz" >/dev/null || fail "not ready"
[ "$(pages)" = "2" ] || fail "expected 2 pages after the second restart, got $(pages)"
echo "escalation restart: tier 2 fired once after kill -9, nothing repeated"
