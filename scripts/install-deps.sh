#!/usr/bin/env bash
# Installs every Debian package Tocsin needs to build, test and benchmark.
# Idempotent: packages already present are skipped, so re-running is cheap.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libboost-system-dev
  nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev libpq-dev postgresql-15
  libexpected-dev libhowardhinnant-date-dev tzdata
  libcli11-dev libspdlog-dev libfmt-dev libssl-dev libcurl4-openssl-dev libkainjow-mustache-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  libsodium-dev
  sqlite3 curl openssl wrk python3 prometheus prometheus-alertmanager python3-aiosmtpd python3-icalendar
  chromium
)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  :
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi

# Node.js and npm (for the Datadog client compatibility test) ship with the machine image;
# only fall back to Debian's packages where they are absent.
if ! command -v npm >/dev/null 2>&1; then
  ${SUDO:-} apt-get install -y -qq --no-install-recommends nodejs npm
fi
