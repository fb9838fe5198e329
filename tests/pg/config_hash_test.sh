#!/usr/bin/env bash
# Replicas on one PostgreSQL database run one config (issue 15): a replica
# started with another config file than a live replica holds is refused,
# naming both SHA-256 hashes; with --roll (or storage.allow_config_roll) it
# starts; a reload updates the replica's row in the database; a clean stop
# removes it. Run under tests/pg/with_postgres.sh.
# Usage: with_postgres.sh config_hash_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
[ -n "${TOCSIN_DEBUG:-}" ] && set -x
bin="$1"
# shellcheck source=tests/integration/lib.sh
source "$2/tests/integration/lib.sh"
start_integration_test
[ -n "${TOCSIN_TEST_PG_DSN:-}" ] || fail "TOCSIN_TEST_PG_DSN is not set (run under tests/pg/with_postgres.sh)"
export TOCSIN_DATABASE_URL="$TOCSIN_TEST_PG_DSN"
psql_value() { psql -qAtX "$TOCSIN_TEST_PG_DSN" -c "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

write_config() {  # FILE SEVERITY: one rule; the files differ in the severity it sets
  cat >"$1" <<YAML
server: {log_level: info}
storage:
  driver: postgres
  url: \${TOCSIN_DATABASE_URL}
rules:
  - rule_name: everything
    trigger: {monitors: ['*']}
    incident_settings: {title: '{{monitor.name}}', severity: $2}
YAML
}
write_config "$work/a.yaml" SEV-3
write_config "$work/b.yaml" SEV-2
hash_a=$(sha "$work/a.yaml")
hash_b=$(sha "$work/b.yaml")

# Replica a on config A.
TOCSIN_REPLICA_ID=a serve_tocsin a --config "$work/a.yaml"
pid_a=$pid
[ "$(psql_value "SELECT config_hash FROM replicas WHERE id = 'a'")" = "$hash_a" ] || fail "replica a's row: $(psql_value 'SELECT * FROM replicas')"

# Replica b on config B is refused, naming both hashes; it changes nothing.
out=$(TOCSIN_REPLICA_ID=b timeout 30 "$bin" serve --config "$work/b.yaml" --listen 127.0.0.1:0 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "replica b started on another config"
[[ "$out" == *"$hash_a"* && "$out" == *"$hash_b"* && "$out" == *"--roll"* ]] || fail "refusal does not name both hashes and --roll: $out"
[ "$(psql_value "SELECT COUNT(*) FROM replicas WHERE id = 'b'")" = "0" ] || fail "a refused replica left a row"

# The same config starts; so does B with --roll (a rolling change).
TOCSIN_REPLICA_ID=c serve_tocsin c --config "$work/a.yaml"
TOCSIN_REPLICA_ID=b serve_tocsin b --config "$work/b.yaml" --roll
pid_b=$pid
[ "$(psql_value "SELECT config_hash FROM replicas WHERE id = 'b'")" = "$hash_b" ] || fail "rolled replica b's row"

# storage.allow_config_roll does what --roll does.
write_config "$work/d.yaml" SEV-4
sed -i 's/^  driver: postgres$/  driver: postgres\n  allow_config_roll: true/' "$work/d.yaml"
grep -q allow_config_roll "$work/d.yaml" || fail "could not write d.yaml"
TOCSIN_REPLICA_ID=d serve_tocsin d --config "$work/d.yaml"

# Replica a reloads config B: its row follows.
cp "$work/b.yaml" "$work/a.yaml"
kill -HUP "$pid_a"
row_a_is_b() { [ "$(psql_value "SELECT config_hash FROM replicas WHERE id = 'a'")" = "$hash_b" ]; }
wait_for 30 row_a_is_b || fail "replica a's row did not follow its reload: $(psql_value "SELECT config_hash FROM replicas WHERE id = 'a'")"

# A clean stop removes the row.
kill -TERM "$pid_b"
wait "$pid_b" 2>/dev/null
[ "$(psql_value "SELECT COUNT(*) FROM replicas WHERE id = 'b'")" = "0" ] || fail "a stopped replica's row stayed"
echo "config hash: another config refused naming both hashes; --roll and storage.allow_config_roll start; a reload updates the row; a clean stop removes it"
