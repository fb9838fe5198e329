#!/usr/bin/env bash
# A real Prometheus scrapes a running tocsin and evaluates the shipped rules
# for Tocsin's own health (examples/prometheus/tocsin-rules.yml): through
# Prometheus's HTTP API, the `up` series of the tocsin job is 1, a Tocsin
# metric (tocsin_ready) arrived, and every rule of the file evaluated without
# error. Tocsin listens on port 0; Prometheus cannot, so its port is one the
# kernel handed out a moment before (retried when another process took it).
# Skipped (77) only when the prometheus binary is missing (Debian package prometheus).
# Usage: prometheus_scrape_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
src="$2"
config="$src/examples/v-commerce/tocsin.yaml"
rules="$src/examples/prometheus/tocsin-rules.yml"
prom=$(command -v prometheus || true)
[ -n "$prom" ] || { echo "SKIP: prometheus not installed (Debian package prometheus)"; exit 77; }
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
start_integration_test

# Prometheus scrapes with a read-only key pair as basic auth (docs/operations.md).
scrape=$("$bin" keys create --config "$config" --data "$work/data" --name prometheus --scope read --json) ||
  fail "scrape key"
scrape_api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$scrape")
scrape_app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$scrape")
serve_tocsin 1 --config "$config" --data "$work/data"
target="${addr#http://}"

cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: tocsin
    basic_auth:
      username: $scrape_api
      password: $scrape_app
    static_configs:
      - targets: ["$target"]
YAML

# Prometheus on a free port; another process may take the port between the
# probe and Prometheus's bind, so a failed start is tried again on a new one.
promurl=""
for attempt in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  "$prom" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom.$attempt" \
    --web.listen-address="127.0.0.1:$port" >"$work/prometheus.$attempt.log" 2>&1 &
  ppid_=$!
  pids+=("$ppid_")
  if wait_for 30 curl -sf -m 2 "http://127.0.0.1:$port/-/ready" -o /dev/null; then
    promurl="http://127.0.0.1:$port"
    break
  fi
  kill -9 "$ppid_" 2>/dev/null
  echo "prometheus did not start on port $port (attempt $attempt): $(tail -3 "$work/prometheus.$attempt.log")"
done
[ -n "$promurl" ] || fail "prometheus did not start"

# value QUERY: the value of the query's first series, empty when none yet.
value() {
  curl -sf -m 5 --get "$promurl/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
is_one() { [ "$(value "$1")" = "1" ]; }
wait_for 60 is_one 'up{job="tocsin"}' || fail "up{job=\"tocsin\"} is '$(value 'up{job="tocsin"}')', not 1; targets: $(curl -s "$promurl/api/v1/targets")"
wait_for 30 is_one 'tocsin_ready{job="tocsin"}' || fail "tocsin_ready is '$(value 'tocsin_ready{job="tocsin"}')', not 1"
[ -n "$(value 'tocsin_outbox_depth{job="tocsin"}')" ] || fail "no tocsin_outbox_depth series"

# The rule file loaded, each rule evaluated at least once, none in error.
rules_state() {
  curl -sf -m 5 "$promurl/api/v1/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r["name"] + ": " + r.get("health", "?") + " " + r.get("lastError", "") for r in rules
       if r.get("health") != "ok" or r.get("lastEvaluation", "").startswith("0001")]
missing = {"TocsinDown", "TocsinNotReady", "TocsinOutboxStuck", "TocsinEscalationLagging"} - {r["name"] for r in rules}
print(len(rules), "rules; not evaluated or in error:", bad or "none", "; missing:", sorted(missing) or "none")
sys.exit(0 if rules and not bad and not missing else 1)'
}
wait_for 30 rules_state >/dev/null || fail "rules: $(rules_state)"
rules_state
# A healthy server fires none of its own health alerts.
firing=$(value 'count(ALERTS{alertstate="firing",alertname=~"Tocsin.*"})')
[ -z "$firing" ] || fail "health alerts firing against a healthy server: $(curl -s "$promurl/api/v1/alerts")"
echo "PASS"
