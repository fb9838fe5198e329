#!/usr/bin/env bash
# /metrics as Prometheus reads it: after alerts, an incident and a few
# requests, the exposition passes `promtool check metrics` (format and naming
# rules) and holds the counters those actions made, with bounded labels; the
# shipped alerting rules pass `promtool check rules` and their unit tests.
# Skipped (77) without promtool (Debian package prometheus).
# Usage: prometheus_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
src="$2"
config="$src/examples/v-commerce/tocsin.yaml"
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; }
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
start_integration_test

keys=$("$bin" keys create --config "$config" --data "$work/data" --name t --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
ingest=$("$bin" keys create --config "$config" --data "$work/data" --name i --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
# A scraper holds a read key (sent below as basic auth).
scrape=$("$bin" keys create --config "$config" --data "$work/data" --name scraper --scope read --json) || fail "scrape key"
scrape_api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$scrape")
scrape_app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$scrape")
serve_tocsin 1 --config "$config" --data "$work/data"

curl -sf -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" \
  -d '{"monitor": "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"}' >/dev/null || fail "alert not taken"
curl -sf -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" \
  -d '{"monitor": "Disk 80%", "state": "ok"}' >/dev/null || fail "second alert not taken"
curl -sf -X POST "$addr/api/v2/incidents" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" \
  -H 'Content-Type: application/json' \
  -d '{"data": {"type": "incidents", "attributes": {"title": "Checkout down", "fields": {"severity": {"type": "dropdown", "value": "SEV-2"}}}}}' \
  >/dev/null || fail "incident not created"
curl -s "$addr/api/v2/incidents/nope" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" >/dev/null
curl -s -X BREW "$addr/healthz" >/dev/null

# The scraper's key goes as basic auth (Prometheus' basic_auth); without
# one /metrics is refused (server.metrics_public is off by default).
status=$(curl -s -o /dev/null -w '%{http_code}' "$addr/metrics")
[ "$status" = 401 ] || fail "GET /metrics without a key answered $status, not 401"
curl -sf -u "$scrape_api:$scrape_app" "$addr/metrics" -o "$work/metrics.txt" || fail "GET /metrics failed"
promtool check metrics <"$work/metrics.txt" || fail "promtool check metrics: $(cat "$work/metrics.txt")"
want() { grep -qE "$1" "$work/metrics.txt" || fail "no line matching '$1' in: $(cat "$work/metrics.txt")"; }
want '^tocsin_alerts_received_total\{source="generic",decision="opened"\} 1$'
want '^tocsin_incidents_opened_total\{severity="SEV-[0-9]",origin="alert"\} 1$'
want '^tocsin_incidents_opened_total\{severity="SEV-2",origin="api"\} 1$'
want '^tocsin_http_requests_total\{route="/api/v2/incidents/\{incident_id\}",method="GET",code="400"\} 1$'
want '^tocsin_http_requests_total\{route="/healthz",method="other",code="[0-9]+"\} 1$'
want '^tocsin_http_request_duration_seconds_bucket\{route="/api/integrations/generic",le="\+Inf"\} 2$'
want '^tocsin_open_incidents\{severity="SEV-2"\} [0-9]+$'
# Both open incidents are unacknowledged: in Detection & Triage; every phase is listed.
want '^tocsin_open_incidents_by_phase\{phase="Detection & Triage"\} 2$'
want '^tocsin_open_incidents_by_phase\{phase="Investigation"\} 0$'
want '^tocsin_open_incidents_by_phase\{phase="Mitigation"\} 0$'
# Crossed with the severity: every configured severity with every phase.
want '^tocsin_open_incidents_by_severity_and_phase\{severity="SEV-2",phase="Detection & Triage"\} 1$'
want '^tocsin_open_incidents_by_severity_and_phase\{severity="SEV-2",phase="Mitigation"\} 0$'
want '^tocsin_open_incidents_by_severity_and_phase\{severity="SEV-1",phase="Detection & Triage"\} 1$'
want '^tocsin_open_incidents_by_severity_and_phase\{severity="SEV-1",phase="Resolution & Post-Mortem"\} 0$'
want '^tocsin_outbox_depth [0-9]+$'
want '^tocsin_outbox_oldest_due_age_seconds [0-9.e+-]+$'
want '^tocsin_escalation_oldest_due_age_seconds [0-9.e+-]+$'
want '^tocsin_ready 1$'
# The SQLite writer's group commits: every write above went through one.
want '^tocsin_storage_commit_seconds_count [1-9][0-9]*$'
want '^tocsin_storage_commit_seconds_bucket\{le="\+Inf"\} [1-9][0-9]*$'
want '^tocsin_storage_commit_group_size_bucket\{le="1"\} [0-9]+$'
want '^# TYPE tocsin_pages_sent_total counter$'
want '^# TYPE tocsin_notices_sent_total counter$'
want '^process_resident_memory_bytes [0-9]+$'
want '^process_open_fds [0-9]+$'
# Bounded labels: no incident id (UUID) anywhere.
if grep -qE '[0-9a-f]{8}-[0-9a-f]{4}-' "$work/metrics.txt"; then fail "an id in a label: $(grep -E '[0-9a-f]{8}-' "$work/metrics.txt")"; fi

promtool check rules "$src/examples/prometheus/tocsin-rules.yml" || fail "promtool check rules"
(cd "$src/examples/prometheus" && promtool test rules tocsin-rules.test.yml) || fail "promtool test rules"
echo "PASS"
