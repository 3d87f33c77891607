#!/usr/bin/env bash
# Installs the Debian packages Sluice needs to build, run and test.
# Idempotent: packages already present are skipped; apt runs only when something is missing.
# Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  librdkafka-dev libjansson-dev libmicrohttpd-dev libhiredis-dev
  libcurl4-openssl-dev libssl-dev libarchive-dev libyaml-dev libcmocka-dev
  redis-server
  openjdk-17-jre-headless maven
  clang-14 libclang-rt-14-dev
  awscli python3 python3-boto3 python3-botocore python3-jsonschema
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages (${missing[*]}) and not root, no sudo available" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# redis-server's package starts a system instance on 6379; Sluice starts its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl stop redis-server || true
fi
