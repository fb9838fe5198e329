#!/usr/bin/env bash
# A server on PostgreSQL, end to end (run under tests/pg/with_postgres.sh,
# which provides the database): `tocsin migrate` creates the schema; an alert
# opens an incident that the API lists; while PostgreSQL is stopped writes
# answer 503 with Retry-After and /readyz is 503; once it is back the server
# recovers by itself and nothing answered 2xx was lost.
# Usage: with_postgres.sh postgres_server_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
# shellcheck source=tests/integration/lib.sh
source "$2/tests/integration/lib.sh"
start_integration_test
[ -n "${TOCSIN_TEST_PG_DSN:-}" ] || fail "TOCSIN_TEST_PG_DSN is not set (run under tests/pg/with_postgres.sh)"

# The v-commerce example, with its storage switched to PostgreSQL (the DSN
# through ${TOCSIN_DATABASE_URL}, as a deployment would give it).
sed -e 's/^  driver: sqlite$/  driver: postgres/' -e 's|^  data_dir: ./data$|  url: ${TOCSIN_DATABASE_URL}|' \
  "$2/examples/v-commerce/tocsin.yaml" >"$work/tocsin.yaml"
config="$work/tocsin.yaml"
grep -q "driver: postgres" "$config" || fail "the example's storage section changed; update this test"
export TOCSIN_DATABASE_URL="$TOCSIN_TEST_PG_DSN"

"$bin" migrate --config "$config" | grep -q "PostgreSQL schema at version" || fail "tocsin migrate"
"$bin" migrate --config "$config" >/dev/null || fail "tocsin migrate is not idempotent"

keys=$("$bin" keys create --config "$config" --name t --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
ingest=$("$bin" keys create --config "$config" --name i --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')

serve_tocsin 1 --config "$config"
alert() {  # alert MONITOR: prints the HTTP status
  curl -s -o "$work/alert.out" -D "$work/alert.headers" -w '%{http_code}' -X POST "$addr/api/integrations/generic" \
    -H "Authorization: Bearer $ingest" -d "{\"monitor\": \"$1\"}"
}
titles() {
  curl -gsf "$addr/api/v2/incidents?page[size]=100" -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" |
    python3 -c 'import json,sys; print("\n".join(i["attributes"]["title"] for i in json.load(sys.stdin)["data"]))'
}

monitor="[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"
[ "$(alert "$monitor")" = "200" ] || fail "alert not accepted: $(cat "$work/alert.out")"
[ "$(titles | wc -l)" = "1" ] || fail "the alert's incident is not listed: $(titles)"
curl -sf "$addr/readyz" >/dev/null || fail "not ready on a reachable database"

# PostgreSQL goes away: 503 with Retry-After, not ready, nothing crashes.
pgbin=/usr/lib/postgresql/15/bin
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$TOCSIN_TEST_PG_DIR/data" -m fast -w stop >/dev/null || fail "cannot stop PostgreSQL"
code=$(alert "[V-Commerce] LLM Hallucination Detection")
[ "$code" = "503" ] || fail "write while PostgreSQL is down answered $code, want 503: $(cat "$work/alert.out")"
grep -qi '^Retry-After:' "$work/alert.headers" || fail "503 without Retry-After"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$addr/readyz")" = "503" ] || fail "/readyz is not 503 while PostgreSQL is down"
kill -0 "$pid" || fail "the server died with the database"

# Back again: the server reconnects by itself (backoff at most 5 s).
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$TOCSIN_TEST_PG_DIR/data" -l "$TOCSIN_TEST_PG_DIR/sock/server.log" -w \
  -o "$TOCSIN_TEST_PG_OPTS" start >/dev/null || fail "cannot start PostgreSQL again"
deadline=$((SECONDS + 30))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$addr/readyz")" = "200" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "/readyz did not recover within 30 s"
done
code=$(alert "[V-Commerce] LLM Hallucination Detection")
[ "$code" = "200" ] || fail "write after PostgreSQL came back answered $code: $(cat "$work/alert.out")"
[ "$(titles | wc -l)" = "2" ] || fail "expected the two incidents answered 2xx, got: $(titles)"
echo "postgres server: migrate, alert -> incident -> list, 503 + Retry-After while down, recovery"
