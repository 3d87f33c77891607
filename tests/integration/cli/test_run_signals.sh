#!/usr/bin/env bash
# `make run` under a service manager's stop: scripts/run.sh is started in a
# process group of its own on free ports with a state directory of its own,
# waits until it says it is ready, then its whole group gets SIGTERM — and a
# second one half a second later, as make forwards the TERM it got. Asserts
# that run.sh finishes its stop ("stopped"), that every process it started
# (Kafka and the services carry SLUICE_RUN_DIR in their environment; Redis,
# which rewrites its own, is read from its pid file) is gone, and that nothing misleading is printed after the orderly stop.
# Prints how long the start and the stop took.
#
#   test_run_signals.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
# shellcheck source=../../../scripts/lib.sh
SLUICE_SCRIPT_NAME=test_run_signals
. "$src/scripts/lib.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-run-signals.XXXXXX")
leader=""
# Processes whose environment names this run's directory, and the servers of its pid files.
started_pids() {
  local p
  for p in /proc/[0-9]*; do
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "SLUICE_RUN_DIR=$dir"; then
      printf '%s\n' "${p#/proc/}"
    fi
  done
  for p in "$dir/redis/redis.pid" "$dir/kafka/kafka.pid"; do
    [[ -s $p ]] && tr -d '[:space:]' <"$p" && echo
  done | sort -u
}
# True while pid runs (an exited process not yet reaped, a zombie, has stopped).
alive() {
  local state
  state=$({ cut -d' ' -f3 <"/proc/$1/stat"; } 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}
cleanup() {
  local p
  for p in $(started_pids); do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf -- "$dir"
}
trap cleanup EXIT

# shellcheck source=../../support/run-sh.sh
. "$src/tests/support/run-sh.sh"
run_sh_start "$src" "$build" "$dir" || exit 1
leader=$run_sh_leader
t1=$(sluice_now_ms)
mapfile -t before < <(started_pids | sort -u)
echo "run.sh ready after $run_sh_started_ms ms with ${#before[@]} processes: ${before[*]}"
status=0
if [[ ! -x $build/services/api/sluice-api || ! -x $build/services/orchestrator/sluice-orchestrator ]]; then
  echo "FAIL: the services are not built in $build" >&2
  status=1
fi
# run.sh itself, Kafka, Redis and two services at least.
if ((${#before[@]} < 5)); then
  echo "FAIL: expected run.sh, Kafka, Redis and the services among: ${before[*]}" >&2
  status=1
fi

kill -TERM -- "-$leader"
sleep 0.5
kill -TERM -- "-$leader" 2>/dev/null || true # what make forwards
rc=0
wait "$leader" || rc=$?
t2=$(sluice_now_ms)
echo "run.sh stopped $((t2 - t1)) ms after SIGTERM (exit status $rc)"

left=()
for p in "${before[@]}"; do
  [[ $p == "$leader" ]] && continue
  alive "$p" && left+=("$p")
done
if ((${#left[@]} > 0)); then
  echo "FAIL: still running after run.sh stopped:" >&2
  for p in "${left[@]}"; do
    printf '  %s %s\n' "$p" "$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | cut -c1-120)" >&2
  done
  status=1
fi
if ((rc != 0)); then
  echo "FAIL: run.sh exited with $rc after an orderly stop" >&2
  status=1
fi
if ! grep -q "stopped$" "$dir/out.log"; then
  echo "FAIL: run.sh did not finish its stop (no 'stopped' line)" >&2
  status=1
fi
if grep -q "exited on its own" "$dir/out.log"; then
  echo "FAIL: a misleading line after an orderly stop" >&2
  status=1
fi
if ((status != 0)); then
  echo "--- run.sh output:" >&2
  cat "$dir/out.log" >&2
fi
exit $status
