#!/usr/bin/env bash
# The compose test's mid-run crash: SIGKILL to the process of CONTAINER from the
# host, as a crash or the kernel's OOM killer would (`podman kill` marks a
# container as stopped by its user, and a restart policy leaves such a one
# stopped), then waits until its restart policy has started it again and it
# answers /healthz (sluice-healthz). Prints how long that took.
#
#   crash.sh CONTAINER [TIMEOUT_S]
set -euo pipefail
container=${1:?usage: crash.sh CONTAINER [TIMEOUT_S]}
timeout=${2:-90}
started() { podman inspect --format '{{.RestartCount}} {{.State.StartedAt}}' "$container"; }
before=$(started)
pid=$(podman inspect --format '{{.State.Pid}}' "$container")
if [[ ! $pid =~ ^[1-9][0-9]*$ ]]; then
  echo "crash.sh: no process for $container: '$pid'" >&2
  exit 1
fi
t0=$(date +%s%N)
kill -KILL "$pid"
deadline=$(($(date +%s) + timeout))
while :; do
  if [[ $(podman inspect --format '{{.State.Status}}' "$container") == running &&
    $(started) != "$before" ]] && podman exec "$container" sluice-healthz >/dev/null 2>&1; then
    break
  fi
  if (($(date +%s) > deadline)); then
    echo "crash.sh: $container not restarted and healthy within ${timeout} s" >&2
    exit 1
  fi
  sleep 0.5
done
echo "crash.sh: $container killed (pid $pid), restarted and healthy in $((($(date +%s%N) - t0) / 1000000)) ms"
