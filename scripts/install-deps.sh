#!/usr/bin/env bash
# Installs the Debian packages Sluice needs to build, run and test.
# Idempotent: packages already present are skipped; apt runs only when something is missing.
# Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  librdkafka-dev libjansson-dev libmicrohttpd-dev libhiredis-dev
  libcurl4-openssl-dev libssl-dev libarchive-dev libyaml-dev libcmocka-dev
  libxml2-dev zlib1g-dev
  redis-server
  nginx
  openjdk-17-jre-headless openjdk-17-jdk-headless maven
  clang-14 libclang-rt-14-dev clang-format-14
  awscli python3 python3-boto3 python3-botocore python3-jsonschema python3-venv python3-aiosmtpd
  podman podman-compose debootstrap runc netavark aardvark-dns iptables docker-compose
  chromium
)

# The aws CLI and boto3 the api's compatibility tests and `make run` use: Debian's
# copies predate CodePipeline V2 (pipelineType, variables, triggers), so pinned
# releases from PyPI go into a virtualenv under the cache directory.
AWSCLI_VERSION=1.45.11
BOTO3_VERSION=1.43.11
install_aws_venv() {
  local venv="${SLUICE_CACHE_DIR:-${HOME:-/root}/.cache/sluice}/venv"
  if [ -x "$venv/bin/aws" ] && "$venv/bin/python" -c "import sys, awscli, boto3
sys.exit(0 if (awscli.__version__, boto3.__version__) == ('$AWSCLI_VERSION', '$BOTO3_VERSION') else 1)" 2>/dev/null; then
    return 0
  fi
  echo "install-deps: installing awscli $AWSCLI_VERSION and boto3 $BOTO3_VERSION into $venv" >&2
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "awscli==$AWSCLI_VERSION" "boto3==$BOTO3_VERSION" >/dev/null
}

# GitHub's published webhook example payloads (@octokit/webhooks-examples, pinned by
# tests/integration/source/octokit/package.json and its lock file) for int_source_hooks,
# installed under .deps/ (git-ignored).
install_webhook_examples() {
  local root dir
  root="$(dirname -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")")"
  dir="$root/.deps/octokit"
  if [ -f "$dir/node_modules/@octokit/webhooks-examples/api.github.com/index.json" ] &&
     cmp -s "$root/tests/integration/source/octokit/package-lock.json" "$dir/package-lock.json"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm is missing; int_source_hooks will skip GitHub's examples" >&2
    return 0
  fi
  mkdir -p "$dir"
  cp "$root/tests/integration/source/octokit/package.json" \
     "$root/tests/integration/source/octokit/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --silent >/dev/null)
}

# playwright-core and axe-core (pinned in tests/e2e/browser/package.json and its lock file) for the
# browser tests (approval page, console; axe-core checks its views); playwright drives Debian's chromium, so no browser is
# downloaded. Installed into the cache directory, not the source tree.
install_browser_modules() {
  local src
  src="$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/../tests/e2e/browser"
  local dir="${SLUICE_CACHE_DIR:-${HOME:-/root}/.cache/sluice}/browser"
  if [ -d "$dir/node_modules/playwright-core" ] && cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm not found: the browser test (e2e_approvals_browser) will be skipped" >&2
    return 0
  fi
  echo "install-deps: installing playwright-core and axe-core into $dir" >&2
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  install_aws_venv
  install_webhook_examples
  install_browser_modules
  # Rootful podman (the compose test) on a machine without systemd or Docker.
  "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/containers-conf.sh"
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
# nginx (the artifact store's benchmark runs its own, unprivileged) may have started
# the system's on port 80; stop and disable it.
if dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "install ok installed"; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/nginx ]; then
    $SUDO /etc/init.d/nginx stop >/dev/null 2>&1 || true
  fi
fi
install_aws_venv
install_webhook_examples
install_browser_modules
"$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/containers-conf.sh"
