#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset `fuzz`: clang 14, ASan + UBSan)
# and runs each for a bounded time on a temporary copy of its seed corpus, so
# the repository stays clean. Exits non-zero if any target crashed (or leaked,
# hit UB, timed out, ran out of memory) and prints the crashing input's path.
#
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 20
#   TARGET              e.g. ingest_datadog (default: all of them)
# Environment:
#   FUZZ_JOBS=N         build parallelism (default 2)
#   FUZZ_KEEP=1         keep the temporary corpora and logs even on success
#   FUZZ_NO_BUILD=1     use the existing build/fuzz binaries
#   FUZZ_BIN=DIR        the targets' binaries (default build/fuzz/fuzz; implies FUZZ_NO_BUILD=1)
#   FUZZ_RUNS=N         stop each target after N executions (the long runs:
#                       10000000); SECONDS_PER_TARGET still bounds the time
#   FUZZ_DIR=DIR        corpora, crash inputs and logs in DIR/TARGET, kept: a
#                       second run goes on from the corpus the first grew
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
secs="${1:-20}"
[ $# -gt 0 ] && shift
all_targets=(ingest_datadog ingest_alertmanager ingest_prometheus ingest_generic config_loader duration rfc3339
             search_query mustache json_roundtrip incident_json http_request)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if [ "${FUZZ_NO_BUILD:-0}" != 1 ] && [ -z "${FUZZ_BIN:-}" ]; then
  if ! command -v clang++-14 >/dev/null ||
     ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "fuzz/run.sh: clang-14 and libfuzzer-14-dev are needed (scripts/install-deps.sh installs them)" >&2
    exit 2
  fi
  nice -n 10 cmake --preset fuzz >/dev/null
  nice -n 10 cmake --build --preset fuzz -j "${FUZZ_JOBS:-2}" --target tocsin_fuzz_all
fi
bin="${FUZZ_BIN:-$root/build/fuzz/fuzz}"

if [ -n "${FUZZ_DIR:-}" ]; then
  mkdir -p "$FUZZ_DIR"
  work="$(cd "$FUZZ_DIR" && pwd)"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/tocsin-fuzz.XXXXXX")"
fi
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
golden="$root/tests/golden"

# Seeds: the checked-in ones (fuzz/seeds/TARGET) plus the golden files and the example configuration.
seed() {
  local t="$1" dir="$2"
  mkdir -p "$dir"
  if [ -d "$root/fuzz/seeds/$t" ]; then cp "$root/fuzz/seeds/$t"/* "$dir"/ 2>/dev/null || true; fi
  local f n=0
  case "$t" in
    ingest_datadog) for f in "$golden"/ingest/datadog/*.json; do [[ $f == *.expected.json ]] || cp "$f" "$dir"/; done ;;
    ingest_alertmanager) for f in "$golden"/ingest/alertmanager/*.json; do [[ $f == *.expected.json ]] || cp "$f" "$dir"/; done ;;
    ingest_prometheus) for f in "$golden"/ingest/prometheus/*.json; do [[ $f == *.expected.json ]] || cp "$f" "$dir"/; done ;;
    ingest_generic) for f in "$golden"/ingest/generic/*.json; do [[ $f == *.expected.json ]] || cp "$f" "$dir"/; done ;;
    config_loader) cp "$root/examples/v-commerce/tocsin.yaml" "$dir"/ ;;
    json_roundtrip) for f in $(find "$golden" -name '*.json'); do n=$((n + 1)); cp "$f" "$dir/golden-$n.json"; done ;;
    http_request)
      # The golden ingest bodies, sent to their endpoints with the ingestion key (first byte 1).
      local src path
      for src in datadog:/api/integrations/datadog alertmanager:/api/integrations/alertmanager \
                 generic:/api/integrations/generic prometheus:/api/v2/alerts; do
        path="${src#*:}"
        for f in "$golden/ingest/${src%%:*}"/*.json; do
          [[ $f == *.expected.json ]] && continue
          n=$((n + 1))
          { printf '\001POST %s\ncontent-type: application/json\n\n' "$path"; cat "$f"; } > "$dir/ingest-$n"
        done
      done ;;
  esac
}

failed=()
summary=()
for t in "${targets[@]}"; do
  exe="$bin/fuzz_$t"
  if [ ! -x "$exe" ]; then echo "fuzz/run.sh: no such target: $t ($exe)" >&2; exit 2; fi
  dir="$work/$t"
  seed "$t" "$dir/corpus"
  mkdir -p "$dir/artifacts"
  echo "== fuzz_$t: ${secs}s, $(ls "$dir/corpus" | wc -l) seeds"
  set +e
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    nice -n 10 "$exe" -max_total_time="$secs" "${runs[@]}" -rss_limit_mb=2048 -timeout=10 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
  rc=$?
  set -e
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)"
  summary+=("$(printf '%-22s %10s execs %7s exec/s  %s' "fuzz_$t" "${execs:-?}" "${rate:-?}" "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)")")")
  # A kept directory remembers every run (the long runs may take several).
  [ -n "${FUZZ_DIR:-}" ] && echo "$(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD 2>/dev/null) ${summary[-1]}" >>"$work/history"
  if [ $rc != 0 ]; then
    failed+=("$t")
    echo "fuzz_$t FAILED (exit $rc); log: $dir/log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/log" | head -5 || true
    for a in "$dir"/artifacts/*; do
      [ -e "$a" ] && echo "  crash input: $a  (reproduce: $exe $a)"
    done
  fi
done

echo
echo "== fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: ${#failed[@]} target(s) failed: ${failed[*]}; inputs and logs kept in $work" >&2
  exit 1
fi
if [ "${FUZZ_KEEP:-0}" = 1 ] || [ -n "${FUZZ_DIR:-}" ]; then echo "corpora and logs kept in $work"; else rm -rf "$work"; fi
