#!/usr/bin/env bash
# Two servers on one PostgreSQL database (run under tests/pg/with_postgres.sh):
# a change made through one shows on the other's live-update stream
# (GET /api/v2/events/stream), once, and a server's own change shows on its
# own stream once (no echo from the database).
# Usage: with_postgres.sh replica_stream_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
# shellcheck source=tests/integration/lib.sh
source "$2/tests/integration/lib.sh"
start_integration_test
[ -n "${TOCSIN_TEST_PG_DSN:-}" ] || fail "TOCSIN_TEST_PG_DSN is not set (run under tests/pg/with_postgres.sh)"

cat >"$work/tocsin.yaml" <<'YAML'
users:
  - {handle: ann, name: Ann, email: ann@example.com}
storage:
  driver: postgres
  url: ${TOCSIN_DATABASE_URL}
YAML
export TOCSIN_DATABASE_URL="$TOCSIN_TEST_PG_DSN"
keys=$("$bin" keys create --config "$work/tocsin.yaml" --name t --user ann --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")

TOCSIN_REPLICA_ID=a serve_tocsin a --config "$work/tocsin.yaml"
addr_a=$addr
TOCSIN_REPLICA_ID=b serve_tocsin b --config "$work/tocsin.yaml"
addr_b=$addr

stream() {  # stream ADDR FILE: follows ADDR's event stream into FILE
  curl -sN "$1/api/v2/events/stream" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" >"$2" &
  pids+=("$!")
}
stream "$addr_a" "$work/a.events"
stream "$addr_b" "$work/b.events"
wait_for 10 grep -q ": connected" "$work/a.events" || fail "no stream from a"
wait_for 10 grep -q ": connected" "$work/b.events" || fail "no stream from b"

create() {  # create ADDR TITLE: prints the new incident's id
  curl -sf -X POST "$1/api/v2/incidents" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" \
    -H "Content-Type: application/json" \
    -d "{\"data\": {\"type\": \"incidents\", \"attributes\": {\"title\": \"$2\", \"severity\": \"SEV-3\"}}}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])'
}
# A replica's listener is in place shortly after its start; until then a
# change is not relayed, so retry with fresh incidents (each a real request).
seen_on_b() {
  last=$(create "$addr_a" "made on a") || return 1
  grep -q "\"incident_id\":\"$last\"" "$work/b.events"
}
wait_for 20 seen_on_b || fail "a change made on a never reached b's stream: $(cat "$work/b.events")"
# And the other way, for a change that is sure to follow b's listener being up.
id_b=$(create "$addr_b" "made on b") || fail "create on b"
wait_for 10 grep -q "\"incident_id\":\"$id_b\"" "$work/a.events" || fail "b's change did not reach a: $(cat "$work/a.events")"
# Once each: a server does not hear its own change back from the database.
# PostgreSQL delivers notifications in commit order, so once b has heard a
# later change of a's, an echo of its own would have come before it.
id_a=$(create "$addr_a" "made on a, later") || fail "create on a"
wait_for 10 grep -q "\"incident_id\":\"$id_a\"" "$work/b.events" || fail "a's later change did not reach b"
[ "$(grep -c "\"incident_id\":\"$id_b\"" "$work/b.events")" = "1" ] ||
  fail "b's own change is not on its stream exactly once: $(cat "$work/b.events")"
[ "$(grep -c "\"incident_id\":\"$id_b\"" "$work/a.events")" = "1" ] ||
  fail "b's change is not on a's stream exactly once: $(cat "$work/a.events")"
echo "replica stream: changes made on one replica show on the other's event stream, once"
