#!/usr/bin/env bash
# `tocsin migrate-storage` from SQLite to PostgreSQL, end to end (run under
# tests/pg/with_postgres.sh, which provides the database): a server on SQLite
# gets incidents (from alerts and the API), notes, an acknowledgement, todos,
# a post-mortem, an override and keys; it is stopped; the copy is verified;
# a server on PostgreSQL then answers the same API JSON (same ids, public ids,
# timelines), the same keys authenticate, and a new incident gets the next
# public id. A second copy into the now non-empty database is refused, as is
# a copy while a server holds the SQLite data directory, and bad arguments
# are errors naming the argument.
# Usage: with_postgres.sh migrate_storage_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
# shellcheck source=tests/integration/lib.sh
source "$2/tests/integration/lib.sh"
start_integration_test
[ -n "${TOCSIN_TEST_PG_DSN:-}" ] || fail "TOCSIN_TEST_PG_DSN is not set (run under tests/pg/with_postgres.sh)"

# The key=value DSN as the postgres:// URL a user would give (unix socket in ?host=).
pg_url=$(python3 -c '
import sys, urllib.parse
kv = dict(p.split("=", 1) for p in sys.argv[1].split())
print("postgresql://%s@/%s?host=%s&port=%s" % (kv["user"], kv["dbname"], urllib.parse.quote(kv["host"], safe=""), kv["port"]))
' "$TOCSIN_TEST_PG_DSN")
data="$work/data"
# No channels and no escalation: nothing changes behind the test's back, so
# both servers must answer byte-for-byte the same JSON.
cat >"$work/sqlite.yaml" <<YAML
users:
  - {handle: ann, name: Ann, email: ann@example.com}
  - {handle: bob, name: Bob, email: bob@example.com}
teams:
  - {id: ops, name: Ops, members: [ann, bob]}
schedules:
  - name: ops-primary
    team: ops
    time_zone: UTC
    layers:
      - name: Weekly
        rotation: {type: weekly, handoff: '09:00', start: 2026-01-05, members: [ann, bob]}
rules:
  - rule_name: everything
    trigger: {monitors: ['*']}
    incident_settings: {title: '{{monitor.name}}', severity: SEV-2}
storage:
  driver: sqlite
  data_dir: $data
YAML
sed -e 's/^  driver: sqlite$/  driver: postgres/' -e 's|^  data_dir: .*$|  url: ${TOCSIN_DATABASE_URL}|' \
  "$work/sqlite.yaml" >"$work/pg.yaml"
export TOCSIN_DATABASE_URL="$pg_url"

keys=$("$bin" keys create --config "$work/sqlite.yaml" --name t --user ann --scope admin --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
ingest=$("$bin" keys create --config "$work/sqlite.yaml" --name i --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])') || fail "ingest key"
"$bin" keys create --config "$work/sqlite.yaml" --name gone --json >/dev/null || fail "third key"
"$bin" keys revoke --config "$work/sqlite.yaml" gone >/dev/null || fail "revoke"
echo "s3cret-enough-password" | "$bin" users set-password --config "$work/sqlite.yaml" bob >/dev/null ||
  fail "set-password"

call() {  # call METHOD PATH [BODY]: prints the body; fails on a non-2xx answer
  curl -gsf -X "$1" "$addr$2" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" \
    -H "Content-Type: application/json" ${3:+-d "$3"} || fail "$1 $2 on $addr"
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin)['data']; print($1)"; }

serve_tocsin sqlite --config "$work/sqlite.yaml"
sqlite_pid=$pid
for m in "Checkout latency" "Payments errors" "Checkout latency"; do
  curl -sf -o /dev/null -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" \
    -d "{\"monitor\": \"$m\", \"tags\": [\"env:prod\", \"service:checkout\"]}" || fail "alert $m"
done
made=$(call POST /api/v2/incidents '{"data": {"type": "incidents", "attributes": {"title": "Disk full on db-2", "severity": "SEV-2"}}}')
inc=$(echo "$made" | field "d['id']")
call POST "/api/v2/incidents/$inc/timeline" \
  '{"data": {"type": "incident_timeline_cells", "attributes": {"kind": "note", "content": {"content": "cleaning /var"}}}}' >/dev/null
call POST "/api/v2/incidents/$inc/acknowledge" '{}' >/dev/null
call POST "/api/v2/incidents/$inc/relationships/todos" \
  '{"data": {"type": "incident_todos", "attributes": {"content": "grow the volume", "assignees": ["@bob"]}}}' >/dev/null
call POST "/api/v2/incidents/$inc/attachments/postmortems" '{"data": {"type": "incident_attachments", "attributes": {}}}' >/dev/null
call PATCH "/api/v2/incidents/$inc/postmortem" \
  '{"data": {"type": "postmortems", "attributes": {"sections": {"summary": "the disk filled up"}}}}' >/dev/null
call PATCH "/api/v2/incidents/$inc" \
  '{"data": {"type": "incidents", "attributes": {"fields": {"state": {"value": "resolved"}}}}}' >/dev/null
call POST /api/v2/on-call/schedules/ops-primary/overrides \
  '{"data": {"type": "schedule_overrides", "attributes": {"user": "bob", "for": "ann", "start": "2027-01-04T09:00:00Z", "end": "2027-01-05T09:00:00Z"}}}' >/dev/null
# A configuration reload is kept for audit (a comment changes the file's hash).
echo "# reloaded" >>"$work/sqlite.yaml"
curl -sf -o /dev/null -X POST "$addr/-/reload" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" || fail "reload"

# What a user sees, normalised (sorted keys): every list and every incident's details.
snapshot() {
  {
    call GET "/api/v2/incidents?page[size]=100"
    call GET "/api/v2/alerts"
    call GET "/api/v2/on-call/schedules/ops-primary/overrides"
    for id in $(call GET "/api/v2/incidents?page[size]=100" | python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin)["data"]]'); do
      call GET "/api/v2/incidents/$id"
      call GET "/api/v2/incidents/$id/timeline?page[size]=100"
      call GET "/api/v2/incidents/$id/relationships/todos"
    done
    call GET "/api/v2/incidents/$inc/postmortem"
  } | python3 -c '
import json, sys
text = sys.stdin.read()
dec, at = json.JSONDecoder(), 0
while at < len(text):
    while at < len(text) and text[at].isspace(): at += 1
    if at >= len(text): break
    obj, at = dec.raw_decode(text, at)
    print(json.dumps(obj, sort_keys=True))
'
}
snapshot >"$work/before.json"
[ "$(grep -c . "$work/before.json")" -ge 10 ] || fail "the snapshot is too small: $(cat "$work/before.json")"
grep -q '"public_id": 3' "$work/before.json" || fail "expected three incidents before the copy"

# While the server holds the data directory the copy is refused.
out=$("$bin" migrate-storage --from "sqlite:$data" --to "$pg_url" 2>&1) && fail "copied under a running server: $out"
echo "$out" | grep -q "server is running" || fail "refusal does not say a server runs: $out"

kill -TERM "$sqlite_pid"
wait "$sqlite_pid" 2>/dev/null

out=$("$bin" migrate-storage --from "sqlite:$data" --to "$pg_url" 2>&1) || fail "migrate-storage: $out"
echo "$out" | grep -q "^verified" || fail "no verification verdict: $out"
echo "$out" | grep -q "MISMATCH" && fail "mismatch: $out"
echo "$out" | grep -Eq '^incidents +3 +3 ' || fail "incident counts: $out"
echo "$out" | grep -Eq '^api_keys +3 +3 ' || fail "key counts: $out"
echo "$out" | grep -Eq '^user_passwords +1 +1 ' || fail "password counts: $out"
echo "$out" | grep -Eq '^schedule_overrides +1 +1 ' || fail "override counts: $out"
echo "$out" | grep -Eq '^alert_tags +6 +6 ' || fail "alert tag counts: $out"
echo "$out" | grep -Eq '^config_reloads +1 +1 ' || fail "reload counts: $out"

serve_tocsin pg --config "$work/pg.yaml"
snapshot >"$work/after.json"
diff "$work/before.json" "$work/after.json" >"$work/diff" || fail "the servers answer differently: $(head -c 3000 "$work/diff")"
# The revoked key stays revoked; the ingestion key still sends alerts.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" \
  -d '{"monitor": "After the move"}')
[ "$code" = "200" ] || fail "the copied ingestion key was refused: $code"
made=$(call POST /api/v2/incidents '{"data": {"type": "incidents", "attributes": {"title": "First on PostgreSQL", "severity": "SEV-3"}}}')
next=$(echo "$made" | field "d['attributes']['public_id']")
[ "$next" = "5" ] || fail "the incident after the copy got public id $next, want 5 (4 was the alert's)"
kill -TERM "$pid"
wait "$pid" 2>/dev/null

# Into a non-empty target: refused, naming the table; nothing changes.
out=$("$bin" migrate-storage --from "sqlite:$data" --to "$pg_url" 2>&1) && fail "copied into a non-empty target: $out"
echo "$out" | grep -q "is not empty: table incidents has 5 rows" || fail "refusal does not name the table: $out"

# Bad arguments name the argument.
out=$("$bin" migrate-storage --from "mysql://x/y" --to "$pg_url" 2>&1) && fail "accepted mysql://"
echo "$out" | grep -q -- "--from: unknown scheme 'mysql'" || fail "unknown scheme: $out"
out=$("$bin" migrate-storage --from "sqlite:$work/missing" --to "$pg_url" 2>&1) && fail "accepted a missing dir"
echo "$out" | grep -q -- "--from: sqlite:$work/missing: no such directory" || fail "missing dir: $out"
out=$("$bin" migrate-storage --from "sqlite:$data" --to "$work/elsewhere" 2>&1) && fail "accepted a bare path"
echo "$out" | grep -q -- "--to: '$work/elsewhere' has no scheme" || fail "bare path: $out"

# And back: PostgreSQL into a new SQLite directory, verified the same way.
out=$("$bin" migrate-storage --from "$pg_url" --to "sqlite:$work/back" 2>&1) || fail "back to SQLite: $out"
echo "$out" | grep -Eq '^incidents +5 +5 ' || fail "back to SQLite, incident counts: $out"
echo "migrate-storage: SQLite -> PostgreSQL with the same API answers, keys and next public id; refusals; and back"
