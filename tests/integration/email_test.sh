#!/usr/bin/env bash
# Email through a real SMTP server on loopback (Debian python3-aiosmtpd):
# `tocsin notify test` delivers a message that arrives in the mailbox.
# Usage: email_test.sh TOCSIN_BINARY SOURCE_DIR
set -uo pipefail
bin="$1"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (scripts/install-deps.sh installs it)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
# aiosmtpd creates the Maildir itself (it must not exist yet).
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$work/mail" >"$work/smtp.log" 2>&1 &
pids+=($!)
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; do :; done
cat >"$work/tocsin.yaml" <<YAML
channels:
  - name: email-oncall
    type: email
    smtp_url: smtp://127.0.0.1:$port
    from: tocsin@v-commerce.example
    to: security-oncall@v-commerce.example, sre@v-commerce.example
YAML
out=$("$bin" notify test --config "$work/tocsin.yaml" email-oncall) || fail "notify test failed: $out"
echo "$out"
msg=$(grep -rl "Tocsin test notification" "$work/mail" | head -1)
[ -n "$msg" ] || fail "no message in the mailbox"
grep -q "^To: security-oncall@v-commerce.example, sre@v-commerce.example" "$msg" || fail "wrong recipients: $(head -20 "$msg")"
grep -q "Test notification from Tocsin to email-oncall" "$msg" || fail "wrong body: $(cat "$msg")"
grep -q "^Message-ID: <tocsin-delivery-" "$msg" || fail "no idempotency Message-ID"
# A refused connection is a failure, not a hang.
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
if "$bin" notify test --config "$work/tocsin.yaml" email-oncall >/dev/null 2>&1; then fail "notify test succeeded with no SMTP server"; fi
echo "email: all checks passed"
