#!/usr/bin/env bash
# The command line as a user runs it: check-config, keys, serve refusing a bad
# config, serve answering, and a graceful stop on SIGTERM.
# Usage: cli_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
src="$2"
example="$src/examples/v-commerce/tocsin.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. The example config is valid.
out=$("$bin" check-config "$example") || fail "check-config rejected the example: $out"

# 2. A bad config lists every problem with file:line:column and exits non-zero.
cat > "$work/bad.yaml" <<'YAML'
server:
  listen: 127.0.0.1:8080
  read_timeout: soon
severities:
  - name: SEV-1
    response_time: 5m
rules:
  - rule_name: broken
    trigger:
      monitors: ['x']
    incident_settings:
      title: t
      severity: SEV-7
      commander: '@nobody'
bogus: 1
YAML
if out=$("$bin" check-config "$work/bad.yaml"); then fail "check-config accepted a bad file"; fi
grep -q "bad.yaml:3:17" <<<"$out" || fail "no position for read_timeout: $out"
grep -q "bad.yaml:13:.*SEV-7" <<<"$out" || fail "no position for the unknown severity: $out"
grep -q "nobody" <<<"$out" || fail "unknown commander not reported: $out"
grep -q "bad.yaml:15:1.*bogus" <<<"$out" || fail "unknown key not reported: $out"

# 2b. Channels: an unknown type, a malformed URL and a template that does not parse.
cat > "$work/channels.yaml" <<'YAML'
channels:
  - name: broken-hook
    type: webhook
    url: 'not a url'
  - name: broken-template
    type: slack
    url: https://hooks.slack.com/services/x
    template: '{{#is_alert}}never closed'
  - name: mystery
    type: carrier-pigeon
YAML
if out=$("$bin" check-config "$work/channels.yaml"); then fail "check-config accepted broken channels"; fi
grep -q "channels.yaml:2:.*broken-hook.*url: not a valid URL" <<<"$out" || fail "malformed URL not reported: $out"
grep -q "channels.yaml:5:.*broken-template.*template" <<<"$out" || fail "bad template not reported: $out"
grep -q "channels.yaml:10:.*carrier-pigeon" <<<"$out" || fail "unknown channel type not reported: $out"

# 2c. Contact methods: an unknown type, a missing address, a bad delay, a mismatched and an undefined channel.
cat > "$work/contacts.yaml" <<'YAML'
channels:
  - {name: slack-hook, type: slack, url: 'https://hooks.slack.com/services/x'}
  - {name: mail, type: email, smtp_url: 'smtp://127.0.0.1:25'}
users:
  - handle: olu
    contact_methods:
      - {type: sms}
      - {type: email, after: 1m}
      - {type: email, after: soon, address: olu@example.com}
      - {type: slack_dm, after: 2m, member_id: U01, channel: slack-hook}
      - {type: email, after: 3m, address: olu@example.com, channel: nowhere}
YAML
if out=$("$bin" check-config "$work/contacts.yaml"); then fail "check-config accepted broken contact methods"; fi
grep -q "contacts.yaml:7:16: users\[0\].contact_methods\[0\].type: .*'sms'" <<<"$out" || fail "unknown contact type not reported: $out"
grep -q "contacts.yaml:8:9: .*contact_methods\[1\]: an email contact method needs address" <<<"$out" || fail "missing address not reported: $out"
grep -q "contacts.yaml:9:30: .*contact_methods\[2\].after: expected a duration" <<<"$out" || fail "bad delay not reported: $out"
grep -q "contacts.yaml:10:62: .*channel 'slack-hook' is a slack channel" <<<"$out" || fail "mismatched channel not reported: $out"
grep -q "contacts.yaml:11:69: .*unknown channel 'nowhere'" <<<"$out" || fail "undefined channel not reported: $out"

# 3. serve refuses the bad config with the same messages.
if out=$("$bin" serve --config "$work/bad.yaml" --data "$work/d0" 2>&1); then fail "serve started on a bad config"; fi
grep -q "bad.yaml:13:" <<<"$out" || fail "serve did not explain the bad config: $out"

# 4. keys create / list / revoke.
json=$("$bin" keys create --config "$example" --data "$work/data" --name ci --json) || fail "keys create failed"
api=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
app=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["application_key"])')
[ ${#api} -eq 32 ] || fail "api key is not 32 characters: $api"
[ ${#app} -eq 40 ] || fail "application key is not 40 characters: $app"
list=$("$bin" keys list --config "$example" --data "$work/data")
grep -q "ci" <<<"$list" || fail "keys list does not show the key: $list"
grep -q "$api" <<<"$list" && fail "keys list leaks the secret"
if "$bin" keys create --config "$example" --data "$work/data" --name ci >/dev/null 2>&1; then
  fail "a second live key with the same name was accepted"
fi

# 4b. users set-password: from stdin; an unknown handle or a short password is refused.
out=$(printf 'a long cli password\n' | "$bin" users set-password @priya --config "$example" --data "$work/data") ||
  fail "users set-password failed: $out"
grep -q "Password set for @priya" <<<"$out" || fail "users set-password said: $out"
if out=$(printf 'a long cli password\n' | "$bin" users set-password nobody --config "$example" --data "$work/data" 2>&1); then
  fail "set-password accepted an unknown handle"
fi
grep -q "no user with handle 'nobody'" <<<"$out" || fail "unknown handle not named: $out"
if out=$(printf 'short\n' | "$bin" users set-password priya --config "$example" --data "$work/data" 2>&1); then
  fail "set-password accepted a short password"
fi
grep -q "at least 10 characters" <<<"$out" || fail "short password not explained: $out"
if out=$("$bin" users set-password priya --config "$example" --data "$work/data" 2>&1 </dev/null); then
  fail "set-password accepted no password"
fi
sqlite3 "$work/data/tocsin.db" "SELECT hash FROM user_passwords" | grep -q '^\$argon2id\$' || fail "no Argon2id hash stored"
sqlite3 "$work/data/tocsin.db" "SELECT hash FROM user_passwords" | grep -q "a long cli password" && fail "password stored in clear"

# 5. route: a dry run of the rules for one alert, no server needed.
out=$("$bin" route --config "$example" "$src/tests/golden/ingest/datadog/seed_prompt_injection_triggered.json") || fail "route failed: $out"
grep -q 'incident: SEV-1 "Security: Prompt Injection Detected" commander @security-oncall' <<<"$out" || fail "route: wrong incident: $out"
grep -q "notify: pagerduty-security" <<<"$out" || fail "route: notification missing: $out"
out=$(echo '{"monitor": "nobody watches this"}' | "$bin" route --config "$example" -) || fail "route from stdin failed"
grep -q "decision: ignored" <<<"$out" || fail "route: unmatched alert not ignored: $out"
if "$bin" route --config "$example" <(echo '{not json') >/dev/null 2>&1; then fail "route accepted malformed JSON"; fi

# 6. serve, answer the seed's create curl, stop gracefully on SIGTERM.
# read_address FD: the URL on the server's "tocsin listening" log line, read from FD.
read_address() {
  local line
  while IFS= read -r -t 30 line <&"$1"; do
    if [[ "$line" =~ address=(http://[0-9.]+:[0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; return 0; fi
  done
  return 1
}
fifo="$work/log"
mkfifo "$fifo"
"$bin" serve --config "$example" --data "$work/data" --listen 127.0.0.1:0 2>"$fifo" &
pid=$!
exec 3<"$fifo"
addr=$(read_address 3) || fail "server did not report its address"
cat <&3 >/dev/null &
code=$(curl -s -o "$work/created.json" -w '%{http_code}' -X POST "$addr/api/v2/incidents" \
  -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" -H "Content-Type: application/json" \
  -d '{"data":{"type":"incidents","attributes":{"title":"Manual Incident: LLM Service Issue","severity":"SEV-2","state":"active","customer_impacted":true,"fields":{"root_cause":{"value":"To be determined"},"services":{"value":["chatbotservice"]}}}}}')
[ "$code" = "201" ] || fail "seed create curl answered $code: $(cat "$work/created.json")"
code=$(curl -g -s -o /dev/null -w "%{http_code}" "$addr/api/v2/incidents?filter[status]=active" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app")
[ "$code" = "200" ] || fail "seed list curl answered $code"
# postmortem: resolving the SEV-2 creates its draft; the CLI prints it from the server.
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["id"])' "$work/created.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH "$addr/api/v2/incidents/$id" -H "DD-API-KEY: $api" \
  -H "DD-APPLICATION-KEY: $app" -H "Content-Type: application/json" -d '{"data":{"type":"incidents","attributes":{"state":"resolved"}}}')
[ "$code" = "200" ] || fail "resolve answered $code"
out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" postmortem IR-1 --url "$addr") || fail "postmortem failed: $out"
# (The first line by expansion: `echo | head -1` would make echo die of SIGPIPE on a long
# output, and pipefail would call that a failure.)
[ "${out%%$'\n'*}" = "# Post-Mortem: Manual Incident: LLM Service Issue" ] || fail "postmortem: wrong title: $out"
grep -q "^## Action Items" <<<"$out" || fail "postmortem: no Action Items section: $out"
out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" postmortem "$id" --format json --url "$addr") || fail "postmortem --format json failed"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; assert d["type"]=="postmortems" and d["attributes"]["state"]=="draft", d' \
  || fail "postmortem JSON is not the draft: $out"
if out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" postmortem IR-99 --url "$addr" 2>&1); then fail "postmortem of a missing incident succeeded"; fi
grep -q "no incident IR-99" <<<"$out" || fail "postmortem: missing incident not explained: $out"
if out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" postmortem IR-1 --format pdf --url "$addr" 2>&1); then fail "postmortem accepted --format pdf"; fi
grep -q -- "--format: 'pdf'" <<<"$out" || fail "postmortem: bad format not explained: $out"
# report weekly: the week that holds today's incident, as Markdown and as JSON; a bad week is named.
week=$(date -u +%G-W%V)
out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" report weekly --week "$week" --url "$addr") || fail "report weekly failed: $out"
[ "${out%%$'\n'*}" = "# Weekly incident review $week" ] || fail "report weekly: wrong title: $out"
grep -q "^## Action items" <<<"$out" || fail "report weekly: no Action items section: $out"
out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" report weekly --week "$week" --format json --url "$addr") || fail "report weekly json failed"
echo "$out" | python3 -c 'import json,sys; a=json.load(sys.stdin)["data"]["attributes"]; assert a["incidents"]["total"]>=1, a' \
  || fail "report weekly JSON has no incident: $out"
if out=$(DD_API_KEY=$api DD_APP_KEY=$app "$bin" report weekly --week 2026-W99 --url "$addr" 2>&1); then fail "report weekly accepted 2026-W99"; fi
grep -q "week: '2026-W99' is not an ISO week" <<<"$out" || fail "report weekly: bad week not explained: $out"
"$bin" keys revoke --config "$example" --data "$work/data" ci >/dev/null || fail "keys revoke failed"
code=$(curl -s -o /dev/null -w '%{http_code}' "$addr/api/v2/incidents" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app")
[ "$code" = "403" ] || fail "revoked key still works (got $code)"
# backup while serving; restore refused while the server holds the data directory;
# a second server on the same data directory refused.
out=$("$bin" backup --data "$work/data" "$work/backup.db") || fail "backup while serving failed: $out"
grep -q "1 incidents" <<<"$out" || fail "backup summary does not count the incident: $out"
if out=$("$bin" backup --data "$work/data" "$work/backup.db" 2>&1); then fail "backup overwrote an existing file"; fi
grep -q "already exists" <<<"$out" || fail "backup over a file not explained: $out"
if out=$("$bin" restore --data "$work/data" "$work/backup.db" 2>&1); then fail "restore ran under a serving process"; fi
grep -q "is running on" <<<"$out" || fail "restore under a server not explained: $out"
out=$("$bin" serve --config "$example" --data "$work/data" --listen 127.0.0.1:0 2>&1)
[ "$?" = "1" ] || fail "a second server started on the same data directory: $out"
grep -q "is running on" <<<"$out" || fail "second server on one data directory not explained: $out"
out=$("$bin" restore --data "$work/restored" "$work/backup.db") || fail "restore into a new directory failed: $out"
grep -q "1 incidents" <<<"$out" || fail "restore summary: $out"
if command -v sqlite3 >/dev/null; then
  [ "$(sqlite3 "$work/restored/tocsin.db" 'SELECT COUNT(*) FROM incidents')" = "1" ] || fail "restored database lacks the incident"
fi
# A second server on the same address says why it cannot start and exits 1 (no crash).
out=$("$bin" serve --config "$example" --data "$work/d-busy" --listen "${addr#http://}" 2>&1)
rc=$?
[ "$rc" = "1" ] || fail "serve on a busy address exited $rc (want 1): $out"
grep -q "cannot listen" <<<"$out" || fail "serve on a busy address did not say why: $out"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ "$rc" = "0" ] || fail "serve exited $rc after SIGTERM"
# The database is closed cleanly: integrity holds and the incident is there.
if command -v sqlite3 >/dev/null; then
  [ "$(sqlite3 "$work/data/tocsin.db" 'PRAGMA integrity_check')" = "ok" ] || fail "database integrity check failed"
  [ "$(sqlite3 "$work/data/tocsin.db" 'SELECT COUNT(*) FROM incidents')" = "1" ] || fail "incident not stored"
fi

# 7. JSON log lines: every line parses, the listening line carries the address.
mkfifo "$work/jlog"
"$bin" serve --config "$example" --data "$work/data2" --listen 127.0.0.1:0 --log-format json 2>"$work/jlog" &
jpid=$!
exec 4<"$work/jlog"
IFS= read -r -t 30 jline <&4
kill -TERM "$jpid"; wait "$jpid"
echo "$jline" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["msg"]=="tocsin listening" and d["address"].startswith("http://127.0.0.1:"), d' \
  || fail "JSON log line is not JSON with msg and address: $jline"

# 8. Live reload: diff-config, SIGHUP, tocsin reload; an invalid file is refused and the old one kept.
cp "$example" "$work/live.yaml"
sed "s/title: 'Predictive: Potential Failure in 2 Hours'/title: 'Predicted failure'/" "$example" >"$work/next.yaml"
out=$("$bin" diff-config "$example" "$work/next.yaml") || fail "diff-config failed: $out"
grep -qx "rules: '\[V-Commerce\] Predictive Capacity Incident' changed (incident_settings.title)" <<<"$out" ||
  fail "diff-config: wrong report: $out"
out=$("$bin" diff-config --format json "$example" "$example") || fail "diff-config --format json failed"
[ "$out" = '{"changes":[]}' ] || fail "diff-config of a file with itself: $out"
json=$("$bin" keys create --config "$work/live.yaml" --data "$work/data3" --name live --scope admin --json) || fail "keys create (live) failed"
lapi=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
lapp=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["application_key"])')
mkfifo "$work/llog"
"$bin" serve --config "$work/live.yaml" --data "$work/data3" --listen 127.0.0.1:0 2>"$work/llog" &
lpid=$!
exec 5<"$work/llog"
laddr=$(read_address 5) || fail "live server did not report its address"
cat <&5 >"$work/live.log" &
catpid=$!
ready_hash() { curl -s "$laddr/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config_hash"])'; }
[ "$(ready_hash)" = "$(sha256sum "$work/live.yaml" | cut -d' ' -f1)" ] || fail "/readyz does not show the config hash"
cp "$work/next.yaml" "$work/live.yaml"
want=$(sha256sum "$work/next.yaml" | cut -d' ' -f1)
kill -HUP "$lpid"
for _ in $(seq 1 500); do [ "$(ready_hash)" = "$want" ] && break; done
[ "$(ready_hash)" = "$want" ] || fail "SIGHUP did not reload the config"
kill -0 "$lpid" || fail "the server stopped on SIGHUP"
echo "severity: 'SEV-9'" >>"$work/live.yaml"
if out=$(DD_API_KEY=$lapi DD_APP_KEY=$lapp "$bin" reload --url "$laddr" 2>&1); then fail "reload accepted an invalid file: $out"; fi
grep -q "keeps running the old one" <<<"$out" || fail "reload: refusal not explained: $out"
[ "$(ready_hash)" = "$want" ] || fail "a refused reload changed the config in force"
cp "$work/next.yaml" "$work/live.yaml"
out=$(DD_API_KEY=$lapi DD_APP_KEY=$lapp "$bin" reload --url "$laddr") || fail "reload failed: $out"
grep -q "no change" <<<"$out" || fail "reload of the same file: $out"
# A write key may work incidents but not reload the server's configuration.
wjson=$("$bin" keys create --config "$work/live.yaml" --data "$work/data3" --name live-writer --json) || fail "keys create (writer) failed"
wapi=$(echo "$wjson" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
wapp=$(echo "$wjson" | python3 -c 'import json,sys; print(json.load(sys.stdin)["application_key"])')
if out=$(DD_API_KEY=$wapi DD_APP_KEY=$wapp "$bin" reload --url "$laddr" 2>&1); then fail "a write key reloaded the config"; fi
grep -q "needs 'admin'" <<<"$out" || fail "reload with a write key: refusal not explained: $out"
# 9. Replay: the config in force against itself through the server (--url), then offline (--data).
out=$(DD_API_KEY=$wapi DD_APP_KEY=$wapp "$bin" replay --config "$work/next.yaml" --since 1d --url "$laddr" 2>&1) ||
  fail "replay --url failed: $out"
grep -q "No difference." <<<"$out" || fail "replay --url of the config in force: $out"
kill -TERM "$lpid"; wait "$lpid" || fail "live server did not stop cleanly"
wait "$catpid"
grep -q "configuration reloaded by=SIGHUP" "$work/live.log" || fail "the SIGHUP reload was not logged"
out=$("$bin" replay --config "$work/next.yaml" --current "$work/next.yaml" --data "$work/data3" --since 1d --format json) ||
  fail "replay --data failed: $out"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["identical"] and d["counts"]["fidelity_mismatches"] == 0' ||
  fail "replay --data of the config in force: $out"
if out=$("$bin" replay --config "$work/no-such.yaml" --current "$work/next.yaml" --data "$work/data3" 2>&1); then
  fail "replay of an unreadable file succeeded: $out"
fi
grep -q "cannot read $work/no-such.yaml" <<<"$out" || fail "replay of an unreadable file: not explained: $out"
if out=$("$bin" replay --config "$work/next.yaml" --current "$work/next.yaml" --data "$work/data3" --since 400d 2>&1); then
  fail "replay over 400 days succeeded: $out"
fi
grep -q "longer than 90 days" <<<"$out" || fail "replay over 400 days: not explained: $out"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli: all checks passed"
