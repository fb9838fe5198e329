#!/usr/bin/env bash
# Three replicas on one PostgreSQL database under faults: kill -9 of random
# replicas under load, a replica stopped (SIGSTOP) past its lease, PostgreSQL
# stopped and started under load (tests/pg/replicas_fault.py says what is
# checked). Run under tests/pg/with_postgres.sh, which provides the database.
# Usage: with_postgres.sh replicas_fault_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
# shellcheck source=tests/integration/lib.sh
source "$2/tests/integration/lib.sh"
start_integration_test
[ -n "${TOCSIN_TEST_PG_DSN:-}" ] || fail "TOCSIN_TEST_PG_DSN is not set (run under tests/pg/with_postgres.sh)"
python3 "$2/tests/pg/replicas_fault.py" "$bin" "$work" || {
  for log in "$work"/replica-*.log; do
    echo "--- $log (last lines)"
    grep -v " info request " "$log" | tail -n 20
  done
  fail "replicas fault run"
}
