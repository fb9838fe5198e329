#!/usr/bin/env bash
# Native TLS (server.tls): with a self-signed certificate made here by
# openssl, `tocsin serve` speaks HTTPS only: curl trusting that certificate
# gets answers (health, the API with a key pair, kept-alive requests, an
# alert), plain HTTP on the same port gets nothing, and check-config names a
# missing key file.
# Usage: tls_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
src="$2"
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
start_integration_test

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/openssl.log" ||
  fail "openssl: $(cat "$work/openssl.log")"
# The example config with a tls block under server:.
python3 - "$src/examples/v-commerce/tocsin.yaml" "$work/tocsin.yaml" "$work" <<'PY' || fail "config"
import sys
text = open(sys.argv[1]).read()
work = sys.argv[3]
block = f"  tls:\n    cert_file: {work}/cert.pem\n    key_file: {work}/key.pem\n"
assert "\nserver:\n" in text
open(sys.argv[2], "w").write(text.replace("\nserver:\n", "\nserver:\n" + block, 1))
PY
"$bin" check-config "$work/tocsin.yaml" >"$work/check.log" 2>&1 || fail "check-config: $(cat "$work/check.log")"

keys=$("$bin" keys create --config "$work/tocsin.yaml" --data "$work/data" --name t --json) || fail "keys"
api=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$keys")
app=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["application_key"])' "$keys")
ingest=$("$bin" keys create --config "$work/tocsin.yaml" --data "$work/data" --name i --kind ingest --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
serve_tocsin 1 --config "$work/tocsin.yaml" --data "$work/data"
[[ "$addr" == https://* ]] || fail "the listening line says $addr, not https://"

tls=(--cacert "$work/cert.pem" -sS --max-time 20)
curl "${tls[@]}" -f "$addr/healthz" >"$work/health.json" || fail "GET /healthz over TLS"
grep -q '"ok"' "$work/health.json" || fail "healthz: $(cat "$work/health.json")"
# Two requests on one kept-alive TLS connection (curl reuses it for both URLs).
curl "${tls[@]}" -f -H "DD-API-KEY: $api" -H "DD-APPLICATION-KEY: $app" \
  "$addr/api/v2/incidents" -o "$work/list1.json" "$addr/api/v2/incidents" -o "$work/list2.json" \
  -w '%{num_connects}\n' >"$work/connects.txt" || fail "API over TLS"
[ "$(tr -d '\n' <"$work/connects.txt")" = "10" ] || fail "expected one connection for two requests: $(cat "$work/connects.txt")"
curl "${tls[@]}" -f -X POST "$addr/api/integrations/generic" -H "Authorization: Bearer $ingest" \
  -d '{"monitor": "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"}' >"$work/alert.json" ||
  fail "alert over TLS"
grep -q '"incidents"' "$work/alert.json" || fail "the alert opened no incident: $(cat "$work/alert.json")"
# A client that does not trust the certificate is refused by curl itself.
if curl -sS --max-time 20 "$addr/healthz" >/dev/null 2>&1; then fail "an untrusted certificate was accepted"; fi
# Plain HTTP on the TLS port gets no HTTP answer.
plain="http://${addr#https://}"
code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$plain/healthz")
[ "$code" = "000" ] || fail "plain HTTP answered $code on the TLS port"
# The server is still fine after that.
curl "${tls[@]}" -f "$addr/healthz" >/dev/null || fail "GET /healthz after a plain request"

# A tls block without its key file is a check-config error naming it.
python3 - "$work/tocsin.yaml" "$work/bad.yaml" <<'PY' || fail "bad config"
import re, sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(re.sub(r"    key_file: .*\n", "", text, count=1))
PY
if "$bin" check-config "$work/bad.yaml" >"$work/bad.log" 2>&1; then fail "check-config accepted tls without key_file"; fi
grep -q "server.tls" "$work/bad.log" || fail "the error does not name server.tls: $(cat "$work/bad.log")"
grep -q "key_file" "$work/bad.log" || fail "the error does not name key_file: $(cat "$work/bad.log")"
echo "PASS: TLS"
