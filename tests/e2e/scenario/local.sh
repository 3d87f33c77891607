#!/usr/bin/env bash
# The end-to-end scenario (scenario.py) on local processes: `make run`'s own
# scripts/run.sh, started on free ports with a state directory of its own (Kafka
# with SASL, Redis with its ACL user, every service, the sinks, the demo repository
# and the demo pipeline, exactly as a person gets them), then the scenario against
# it, a check that Redis refused no service's user anything (ACL LOG), then a
# SIGTERM to run.sh's process group. Prints each phase's duration.
#
#   local.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
SLUICE_SCRIPT_NAME=e2e_local
# shellcheck source=../../../scripts/lib.sh
. "$src/scripts/lib.sh"
# shellcheck source=../../support/run-sh.sh
. "$src/tests/support/run-sh.sh"
aws=${SLUICE_AWS_CLI:-$HOME/.cache/sluice/venv/bin/aws}
for bin in api orchestrator artifacts notifier worker source approvals; do
  if [[ ! -x $build/services/$bin/sluice-$bin ]]; then
    echo "FAIL: sluice-$bin is not built in $build" >&2
    exit 1
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-local.XXXXXX")
run_sh_leader=""
cleanup() {
  if [[ -n $run_sh_leader ]]; then
    kill -TERM -- "-$run_sh_leader" 2>/dev/null || true
    wait "$run_sh_leader" 2>/dev/null || true
  fi
  if ((${status:-1} != 0)); then
    echo "--- run.sh output:" >&2
    cat "$dir/out.log" >&2 || true
    grep -h NOPERM "$dir"/logs/*.log 2>/dev/null | sort -u -t'"' -k20 | head -20 >&2 || true
    for log in "$dir"/logs/*.log; do
      echo "--- $(basename "$log") (last lines):" >&2
      tail -n 15 "$log" >&2 || true
    done
  fi
  rm -rf -- "$dir"
}
trap cleanup EXIT

status=1
# a commit is seen within about a second
run_sh_start "$src" "$build" "$dir" SLUICE_SOURCE_POLL_INTERVAL_S=1
echo "e2e_local: run.sh ready after $run_sh_started_ms ms"
SLUICE_AWS_CLI=$aws /usr/bin/python3 "$src/tests/e2e/scenario/scenario.py" \
  --api "http://127.0.0.1:$run_sh_api_port" --identity "$dir/env" --repo "$dir/demo-repo" \
  --deployed "$dir/deployed" --sinks "$dir/sinks" --schemas "$src/schemas/events" \
  --run-log "$dir/out.log" --timeout 90
# Each service ran as its own Redis user (scripts/conf/redis-users.acl): none was refused a
# command or a key along the way.
redis_port=$(awk '$1 == "port" { print $2 }' "$dir/redis/redis.conf")
denied=$(REDISCLI_AUTH=$(head -n 1 "$dir/secrets/redis-admin.password") redis-cli -p "$redis_port" \
  --user admin --no-auth-warning ACL LOG 10)
if [[ -n $denied ]]; then
  echo "FAIL: Redis refused a service's user a command or a key:" >&2
  printf '%s\n' "$denied" >&2
  exit 1
fi
echo "e2e_local: no command of any service's Redis user was refused (ACL LOG empty)"
status=0
t0=$(sluice_now_ms)
kill -TERM -- "-$run_sh_leader"
wait "$run_sh_leader" || true
run_sh_leader=""
echo "e2e_local: run.sh stopped in $(($(sluice_now_ms) - t0)) ms"
