#!/usr/bin/env bash
# Writes /etc/containers/containers.conf for rootful podman on a machine
# without systemd or a Docker engine (the compose test runs the stack there):
# runc as the OCI runtime, cgroupfs as the cgroup manager, events in a file,
# netavark networks (containers find each other by service name through
# aardvark-dns) and default ulimits no higher than this machine's hard limits
# (podman's defaults ask for more than a small VM allows, and every container
# start fails).
#
#   containers-conf.sh [--check]
#
# The file is written only when it is absent or carries this script's marker
# (its first line), so a containers.conf written by an administrator is never
# replaced; --check only reports whether the file is ours and current.
# Idempotent; needs root (or sudo) when it writes.
set -euo pipefail

SLUICE_SCRIPT_NAME=containers-conf.sh
# shellcheck source=lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

CONF=${SLUICE_CONTAINERS_CONF:-/etc/containers/containers.conf}
MARKER="# Written by Sluice's scripts/containers-conf.sh (delete this line to keep edits)."

# The smaller of a hard limit and a cap ("unlimited" counts as the cap).
limit_or_cap() {
  local hard=$1 cap=$2
  if [[ $hard == unlimited ]] || ((hard > cap)); then
    printf '%s\n' "$cap"
  else
    printf '%s\n' "$hard"
  fi
}

render() {
  local nofile nproc
  nofile=$(limit_or_cap "$(ulimit -Hn)" 65536)
  nproc=$(limit_or_cap "$(ulimit -Hu)" 4096)
  cat <<CONF
$MARKER
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
CONF
}

wanted=$(render)
if [[ -f $CONF ]] && [[ $(head -n 1 -- "$CONF") != "$MARKER" ]]; then
  sluice_log "$CONF exists and was not written by this script; leaving it as it is"
  exit 0
fi
if [[ -f $CONF ]] && [[ $(cat -- "$CONF") == "$wanted" ]]; then
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  sluice_log "$CONF is missing or out of date"
  exit 1
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || sluice_die "writing $CONF needs root or sudo"
  SUDO=sudo
fi
$SUDO mkdir -p -- "$(dirname -- "$CONF")"
printf '%s\n' "$wanted" | $SUDO tee -- "$CONF.tmp" >/dev/null
$SUDO mv -f -- "$CONF.tmp" "$CONF"
sluice_log "wrote $CONF"
