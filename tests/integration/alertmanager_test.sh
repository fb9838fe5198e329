#!/usr/bin/env bash
# A real Prometheus Alertmanager (Debian prometheus-alertmanager) on loopback,
# with a webhook receiver pointing at a real tocsin: alerts pushed into
# Alertmanager must open the seed's incidents in Tocsin, and their resolution
# must show on the incident's timeline.
# Usage: alertmanager_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
src="$2"
am=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "$am" ]; then
  echo "prometheus-alertmanager is not installed (scripts/install-deps.sh installs it)"
  exit 1
fi
config="$src/examples/v-commerce/tocsin.yaml"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"  # wait_for

# 1. tocsin on a free port, with an API key pair and an ingestion key.
keys=$("$bin" keys create --config "$config" --data "$work/data" --name test --json)
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
ingest=$("$bin" keys create --config "$config" --data "$work/data" --name alertmanager --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
mkfifo "$work/log"
"$bin" serve --config "$config" --data "$work/data" --listen 127.0.0.1:0 2>"$work/log" &
pids+=($!)
exec 3<"$work/log"
addr=""
while IFS= read -r -t 30 line <&3; do
  if [[ "$line" =~ address=(http://[0-9.]+:[0-9]+) ]]; then addr="${BASH_REMATCH[1]}"; break; fi
done
[ -n "$addr" ] || { echo "tocsin did not start"; exit 1; }
cat <&3 >"$work/tocsin.log" &

# 2. Alertmanager on a free port, routing everything to tocsin at once.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat >"$work/alertmanager.yml" <<YAML
route:
  receiver: tocsin
  group_by: ['alertname', 'env']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: tocsin
    webhook_configs:
      - url: '$addr/api/integrations/alertmanager'
        send_resolved: true
        http_config:
          authorization:
            credentials: '$ingest'
YAML
"$am" --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address="" >"$work/am.log" 2>&1 &
pids+=($!)
amurl="http://127.0.0.1:$port"
wait_for 30 curl -sf "$amurl/-/ready" -o /dev/null || { echo "alertmanager did not start"; cat "$work/am.log"; exit 1; }

incidents() { curl -gsf "$addr/api/v2/incidents?page[size]=100" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app"; }
count_incidents() { incidents | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'; }
has_incidents() { [ "$(count_incidents)" = "$1" ]; }

# 3. Push the seed's prompt-injection alert and a tier:1 alert into Alertmanager.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
curl -sf -X POST "$amurl/api/v2/alerts" -H 'Content-Type: application/json' -d "[
  {\"labels\": {\"alertname\": \"[V-Commerce] LLM Prompt Injection / Adversarial Input Detection\", \"env\": \"prod\", \"service\": \"chatbotservice\"},
   \"annotations\": {\"summary\": \"Prompt injection attempts above threshold\", \"runbook_url\": \"https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#prompt-injection\"},
   \"startsAt\": \"$now\", \"generatorURL\": \"http://prometheus.local/graph\"},
  {\"labels\": {\"alertname\": \"CheckoutErrorRate\", \"env\": \"prod\", \"tier\": \"1\"},
   \"annotations\": {\"summary\": \"Checkout errors above SLO\"}, \"startsAt\": \"$now\"}
]" >/dev/null || fail "alertmanager refused the alerts"

wait_for 60 has_incidents 2 || fail "expected 2 incidents from Alertmanager, got $(count_incidents)"
report=$(incidents | python3 -c '
import json,sys
for i in json.load(sys.stdin)["data"]:
    a = i["attributes"]
    print(a["severity"], "|", a["title"], "|", a.get("commander_handle"), "|", a["fields"].get("runbook", {}).get("value"))
')
echo "$report"
grep -q "SEV-1 | Security: Prompt Injection Detected | @security-oncall | https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#prompt-injection" \
  <<<"$report" || fail "no security incident with the alert's runbook"
grep -q "SEV-1 | Critical: Tier 1 Service Degradation | @platform-oncall" <<<"$report" || fail "no tier 1 incident"

# 4. Resolve the prompt-injection alert in Alertmanager: the recovery reaches the incident's timeline.
curl -sf -X POST "$amurl/api/v2/alerts" -H 'Content-Type: application/json' -d "[
  {\"labels\": {\"alertname\": \"[V-Commerce] LLM Prompt Injection / Adversarial Input Detection\", \"env\": \"prod\", \"service\": \"chatbotservice\"},
   \"annotations\": {\"summary\": \"Prompt injection attempts above threshold\", \"runbook_url\": \"https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#prompt-injection\"},
   \"startsAt\": \"$now\", \"endsAt\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}
]" >/dev/null || fail "alertmanager refused the resolution"
security_id=$(incidents | python3 -c '
import json,sys
print([i["id"] for i in json.load(sys.stdin)["data"] if i["attributes"]["title"].startswith("Security")][0])')
recovered() {
  curl -gsf "$addr/api/v2/incidents/$security_id/timeline" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" |
    grep -q '"alert_recovered"'
}
wait_for 60 recovered || fail "the recovery did not reach the incident's timeline"
has_incidents 2 || fail "the resolution opened another incident"

if [ "$failures" -gt 0 ]; then
  echo "--- tocsin log"; tail -20 "$work/tocsin.log"; echo "--- alertmanager log"; tail -20 "$work/am.log"
  echo "$failures failure(s)"; exit 1
fi
echo "alertmanager integration: all checks passed"
