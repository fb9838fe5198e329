#!/usr/bin/env bash
# Secrets never leak: a real `tocsin serve` at debug level (text, then JSON
# logs) delivers to channels holding distinctive secrets (Slack bot token, a
# Slack webhook URL's secret path, PagerDuty routing keys, a webhook HMAC secret
# and Authorization header, a signed URL's query token, an SMTP password, a
# person's own routing key) while a hostile receiver fails in every way and
# echoes what it gets (500, 400 echoing the request, Slack's ok:false echoing
# the token, no answer before the timeout) and other targets refuse the
# connection. None of the secrets may appear in the logs, the API's answers
# (notifications, channels, timeline, channel tests), `tocsin notify test`
# or `tocsin check-config`.
# Usage: secrets_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/integration/lib.sh
source "$here/lib.sh"
start_integration_test

# The secrets, given to tocsin through the environment as an operator would.
export SLACK_WEBHOOK_PATH_SECRET=SlackWebhookPathSecret0001
export SLACK_BOT_TOKEN=xoxb-BotTokenSecret0002
export PD_ROUTING_KEY=TeamRoutingKeySecret000000000003
export WEBHOOK_HMAC_SECRET=HmacSharedSecret0004
export WEBHOOK_HEADER_TOKEN=HeaderTokenSecret0005
export SIGNED_QUERY_TOKEN=SignedQueryTokenSecret0006
export SMTP_PASSWORD=SmtpPasswordSecret0007
export PD_KEY_SAMIRA=PersonalRoutingKeySecret00000008
secrets=("$SLACK_WEBHOOK_PATH_SECRET" "$SLACK_BOT_TOKEN" "$PD_ROUTING_KEY" "$WEBHOOK_HMAC_SECRET"
         "$WEBHOOK_HEADER_TOKEN" "$SIGNED_QUERY_TOKEN" "$SMTP_PASSWORD" "$PD_KEY_SAMIRA")

/usr/bin/python3 "$here/hostile_receiver.py" >"$work/receiver.out" 2>&1 &
pids+=($!)
until grep -q ready "$work/receiver.out" 2>/dev/null; do :; done
rport=$(awk '/ready/ {print $2}' "$work/receiver.out")
# A port nobody listens on: bound by the OS, then released.
refused=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
r="http://127.0.0.1:$rport"

cat >"$work/tocsin.yaml" <<YAML
server:
  log_level: debug
users:
  - handle: samira
    contact_methods:
      - {type: pagerduty, routing_key: '\${PD_KEY_SAMIRA}', channel: pagerduty-people}
      - {type: email, after: 0m, address: samira@example.com, channel: email-refused}
teams:
  - {id: security, oncall_handle: security-oncall, members: [samira]}
schedules:
  - name: security-primary
    team: security
    layers:
      - {name: Weekly, rotation: {type: weekly, handoff: '09:00', start: 2026-01-05, members: [samira]}}
channels:
  - {name: slack-hook, type: slack, url: '$r/services/T0SECRET0/B0SECRET0/\${SLACK_WEBHOOK_PATH_SECRET}'}
  - {name: slack-bot, type: slack_webapi, api_url: '$r/api', token: '\${SLACK_BOT_TOKEN}', channel: C01}
  - {name: pagerduty-team, type: pagerduty, url: '$r/pd', routing_key: '\${PD_ROUTING_KEY}'}
  - {name: pagerduty-people, type: pagerduty, url: '$r/pd-people?token=\${SIGNED_QUERY_TOKEN}'}
  - name: hook-signed
    type: webhook
    url: '$r/hook?token=\${SIGNED_QUERY_TOKEN}'
    secret: '\${WEBHOOK_HMAC_SECRET}'
    headers: 'Authorization: Bearer \${WEBHOOK_HEADER_TOKEN}'
  - {name: hook-refused, type: webhook, url: 'http://127.0.0.1:$refused/x?token=\${SIGNED_QUERY_TOKEN}'}
  - {name: hook-slow, type: webhook, url: '$r/slow?token=\${SIGNED_QUERY_TOKEN}'}
  - name: email-refused
    type: email
    smtp_url: 'smtp://127.0.0.1:$refused'
    from: tocsin@example.com
    to: oncall@example.com
    username: tocsin
    password: '\${SMTP_PASSWORD}'
rules:
  - rule_name: everything
    trigger: {monitors: ['*']}
    incident_settings:
      title: Secrets test
      severity: SEV-1
      commander: '@security-oncall'
      notifications: [slack-hook, slack-bot, pagerduty-team, hook-signed, hook-refused, hook-slow, email-refused]
YAML

out="$work/outputs"   # every answer and command output, searched at the end
: >"$out"
"$bin" check-config "$work/tocsin.yaml" >>"$out" 2>&1 || fail "check-config rejected the config: $(cat "$out")"

for format in text json; do
  data="$work/data-$format"
  keys=$("$bin" keys create --config "$work/tocsin.yaml" --data "$data" --name t --json) || fail "keys"
  api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
  app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
  ingest=$("$bin" keys create --config "$work/tocsin.yaml" --data "$data" --name i --kind ingest --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
  serve_tocsin "$format" --config "$work/tocsin.yaml" --data "$data" --log-format "$format" --clock-start 2026-11-27T10:00:00Z
  get() { curl -gsf "$addr$1" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app"; }
  incident=$(curl -sf -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" -d '{"monitor": "disk full"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["relationships"]["incident"]["data"]["id"])')
  [ -n "$incident" ] || fail "no incident opened ($format)"
  # Re-reads the log until every delivery (7 channels, 2 contact methods) has had an attempt
  # (the slow one times out after 10 s).
  log="$work/tocsin.$format.log"
  attempted() { grep "notification attempt" "$log" | grep -oE 'delivery(=|":")[0-9]+' | sort -u | wc -l; }
  deadline=$((SECONDS + 60))
  until [ "$(attempted)" -ge 9 ]; do
    [ "$SECONDS" -ge "$deadline" ] && fail "deliveries not all attempted after 60 s ($format): $(get '/api/v2/notifications?page[size]=1000')"
  done
  for path in '/api/v2/notifications?page[size]=1000' /api/v2/channels "/api/v2/incidents/$incident/timeline?page[size]=1000" \
              "/api/v2/incidents/$incident"; do
    get "$path" >>"$out" || fail "GET $path"
    echo >>"$out"
  done
  for ch in slack-hook slack-bot pagerduty-team hook-signed hook-refused email-refused; do
    curl -s -X POST "$addr/api/v2/channels/$ch/test" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" >>"$out"
    echo >>"$out"
  done
  grep -q '\[redacted\]' "$out" || fail "no redacted receiver answer: the hostile receiver was not exercised ($format)"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null
  grep -q "notification attempt" "$log" || fail "no debug log lines ($format): $(head -5 "$log")"
  if [ "$format" = json ]; then
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$log" || fail "JSON log lines do not parse"
  fi
  cat "$log" >>"$out"
done

for ch in slack-hook slack-bot pagerduty-team pagerduty-people hook-signed hook-refused email-refused; do
  "$bin" notify test --config "$work/tocsin.yaml" "$ch" >>"$out" 2>&1
done
"$bin" notify test --config "$work/tocsin.yaml" --user samira >>"$out" 2>&1

leaks=0
for s in "${secrets[@]}"; do
  if grep -n -F -- "$s" "$out" | head -3; then echo "LEAK: $s"; leaks=$((leaks + 1)); fi
done
[ "$leaks" = 0 ] || fail "$leaks secret(s) leaked into logs, answers or command output"
echo "secrets: none of ${#secrets[@]} secrets in $(wc -l <"$out") lines of logs, answers and command output"
