#!/usr/bin/env bash
# kill -9 with 1,000 deliveries pending: after a restart every one is
# delivered, none is lost, and each keeps its idempotency key.
# Usage: notify_crash_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/integration/lib.sh
source "$here/lib.sh"
start_integration_test
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

hook_port=$(free_port)
cat >"$work/tocsin.yaml" <<YAML
server:
  log_level: info
channels:
  - name: crash-hook
    type: webhook
    url: http://127.0.0.1:$hook_port/hook
rules:
  - rule_name: everything
    trigger:
      monitors: ['*']
    incident_settings:
      title: '{{monitor.name}}'
      severity: SEV-4
      notifications: [crash-hook]
YAML
ingest=$("$bin" keys create --config "$work/tocsin.yaml" --data "$work/data" --name ingest --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])') || fail "keys create"

start_tocsin() {
  serve_tocsin "$1" --config "$work/tocsin.yaml" --data "$work/data"
  tocsin_pid=$pid
}

# ingest_crash_alerts FROM TO WHAT: one generic push of alerts FROM..TO-1, each
# opening its own incident with a delivery to crash-hook.
ingest_crash_alerts() {
  python3 -c "
import json
print(json.dumps({'alerts': [{'monitor': 'crash monitor %d' % k, 'id': 'crash-%d' % k} for k in range($1, $2)]}))
" >"$work/alerts.json"
  local code
  code=$(curl -s -o "$work/answer.json" -w '%{http_code}' -X POST "$addr/api/integrations/generic" \
    -H "Authorization: Bearer $ingest" -H 'Content-Type: application/json' --data-binary @"$work/alerts.json")
  [ "$code" = "200" ] || fail "$3 answered $code: $(head -c 300 "$work/answer.json")"
}

# await_all_delivered EXPECTED WHAT: re-checks the database until no delivery
# is left undelivered (at most 120 s), then checks that EXPECTED deliveries
# exist and that the receiver saw EXPECTED distinct idempotency keys.
await_all_delivered() {
  local deadline=$((SECONDS + 120)) left
  while :; do
    left=$(sqlite3 "$work/data/tocsin.db" "SELECT COUNT(*) FROM outbox WHERE state <> 'delivered'" 2>/dev/null || echo busy)
    [ "$left" = "0" ] && break
    [ "$SECONDS" -ge "$deadline" ] && fail "$left deliveries still not delivered after 120 s$2"
  done
  total=$(sqlite3 "$work/data/tocsin.db" "SELECT COUNT(*) FROM outbox")
  unique=$(sort -u "$work/received" | grep -c tocsin-delivery-)
  [ "$total" = "$1" ] || fail "expected $1 deliveries, found $total"
  [ "$unique" = "$1" ] || fail "expected $1 distinct deliveries at the receiver, got $unique"
}

# 1. The receiver is down: 1,000 alerts open 1,000 incidents, each with a queued delivery.
start_tocsin 1
ingest_crash_alerts 0 1000 "ingest"
pending=$(sqlite3 "$work/data/tocsin.db" "SELECT COUNT(*) FROM outbox WHERE state IN ('queued','sending')")
echo "pending before the crash: $pending"
[ "$pending" -ge 900 ] || fail "expected about 1000 pending deliveries, found $pending"

# 2. kill -9 while they are pending; bring the receiver up; restart.
kill -9 "$tocsin_pid"
wait "$tocsin_pid" 2>/dev/null
: >"$work/received"
python3 "$here/receiver.py" "$hook_port" "$work/received" >"$work/receiver.out" 2>&1 &
pids+=($!)
until grep -q ready "$work/receiver.out" 2>/dev/null; do :; done
start_tocsin 2

# 3. Every delivery arrives.
await_all_delivered 1000 ""
echo "deliveries: $total, unique idempotency keys received: $unique, requests received: $(wc -l <"$work/received")"
echo "notify crash test: all 1000 delivered after kill -9"

# 4. kill -9 in the middle of sending (the receiver is up): some deliveries have
#    been sent and not recorded yet; after a restart every one arrives (again,
#    with the same idempotency key, for those whose outcome was not recorded).
before=$(wc -l <"$work/received")
ingest_crash_alerts 1000 2000 "second ingest"
deadline=$((SECONDS + 60))
until [ $(( $(wc -l <"$work/received") - before )) -ge 50 ]; do
  [ "$SECONDS" -ge "$deadline" ] && fail "no deliveries started after the second ingest"
done
kill -9 "$tocsin_pid"
wait "$tocsin_pid" 2>/dev/null
sent_before=$(( $(wc -l <"$work/received") - before ))
start_tocsin 3
await_all_delivered 2000 " (second crash)"
echo "second crash after $sent_before requests: deliveries $total, unique idempotency keys $unique, requests $(wc -l <"$work/received")"
echo "notify crash test: all 2000 delivered after a kill -9 while sending"
