#!/usr/bin/env bash
# How long `tocsin migrate-storage` takes, both ways, on a seeded database
# (docs/benchmarks.md). Run under tests/pg/with_postgres.sh, which provides
# a throwaway PostgreSQL 15 on a unix socket:
#
#   tests/pg/with_postgres.sh bench/migrate_storage_bench.sh TOCSIN SEED_INCIDENTS [COUNT] [RUNS]
#
# Seeds COUNT incidents (default 50,000) into a SQLite data directory with
# bench/seed_incidents, then RUNS times (default 3): copies it into an empty
# PostgreSQL schema and back into a new SQLite directory, printing the wall
# time of each copy and the rows copied per second (verification included).
set -euo pipefail
bin="$1"
seeder="$2"
count="${3:-50000}"
runs="${4:-3}"
[ -n "${TOCSIN_TEST_PG_DSN:-}" ] || { echo "run under tests/pg/with_postgres.sh" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql=(/usr/lib/postgresql/15/bin/psql -q "$TOCSIN_TEST_PG_DSN")
url=$(python3 -c '
import sys, urllib.parse
kv = dict(p.split("=", 1) for p in sys.argv[1].split())
print("postgresql://%s@/%s?host=%s&port=%s" % (kv["user"], kv["dbname"], urllib.parse.quote(kv["host"], safe=""), kv["port"]))
' "$TOCSIN_TEST_PG_DSN")

"$seeder" --data "$work/src" --count "$count" --recent 1000 >/dev/null
rows_of() { awk 'NR > 1 && $2 ~ /^[0-9]+$/ { n += $2 } END { print n }' "$1"; }
timed() {  # timed OUT ARGS...: runs tocsin ARGS, prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" "${@:2}" >"$1"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
for run in $(seq "$runs"); do
  "${psql[@]}" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
  rm -rf "$work/back"
  to_pg=$(timed "$work/to_pg.out" migrate-storage --from "sqlite:$work/src" --to "$url")
  back=$(timed "$work/back.out" migrate-storage --from "$url" --to "sqlite:$work/back")
  rows=$(rows_of "$work/to_pg.out")
  printf 'run %d: %d rows; sqlite->postgres %.2f s (%.0f rows/s); postgres->sqlite %.2f s (%.0f rows/s)\n' \
    "$run" "$rows" "$to_pg" "$(echo "$rows / $to_pg" | bc -l)" "$back" "$(echo "$rows / $back" | bc -l)"
done
