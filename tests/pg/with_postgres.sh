#!/usr/bin/env bash
# Runs CMD... against a throwaway PostgreSQL 15 cluster: initdb in a
# temporary directory (as user postgres: PostgreSQL refuses to run as root),
# started on a unix socket only (no TCP port), one database created, its DSN
# exported as TOCSIN_TEST_PG_DSN. The cluster is stopped and deleted when
# CMD ends, also when it fails or the script is interrupted.
#
#   tests/pg/with_postgres.sh build/dev/tests/tocsin_unit_tests --gtest_filter='*Postgres*'
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/initdb" ]; then
  echo "with_postgres: $PGBIN/initdb not found (apt-get install postgresql-15)" >&2
  exit 77
fi

# Run the server as postgres when we are root; as ourselves otherwise.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
  pg_user=postgres
else
  pg_user=$(id -un)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-pg.XXXXXX")
chmod 0755 "$tmp"
data="$tmp/data"
sock="$tmp/sock"
mkdir -p "$data" "$sock"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data" "$sock"
chmod 0700 "$data"
chmod 0777 "$sock"

cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$PGBIN/initdb" -D "$data" -U "$pg_user" -A trust -E UTF8 --no-locale >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2
  exit 1
}
# A fixed port number names the socket file only: listen_addresses='' opens no TCP port.
port=5432
pg_opts="-k $sock -p $port -c listen_addresses='' -c max_connections=200 ${PG_EXTRA_OPTS:-}"
# Durability as a production server would have it (fsync, synchronous_commit on).
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$data" -l "$sock/server.log" -w -t 60 -o "$pg_opts" start >/dev/null || {
  cat "$sock/server.log" >&2
  exit 1
}
"${as_pg[@]}" "$PGBIN/createdb" -h "$sock" -p "$port" -U "$pg_user" tocsin_test

export TOCSIN_TEST_PG_DSN="host=$sock port=$port user=$pg_user dbname=tocsin_test"
# For tests that stop and start the server: $TOCSIN_TEST_PG_DIR/data, and the options to start it with.
export TOCSIN_TEST_PG_DIR="$tmp"
export TOCSIN_TEST_PG_OPTS="$pg_opts"
set +e
"$@"
rc=$?
set -e
exit $rc
