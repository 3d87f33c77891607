#!/usr/bin/env bash
# Bounded shutdown: sluice-api and sluice-orchestrator exit within 3 s of
# SIGTERM even with Kafka and Redis gone. Starts a Kafka broker and a
# redis-server of its own (scripts/test-env.sh, free ports: the shared fixture's
# must stay up for the other tests), starts both services, stops the broker,
# sends the api two calls that need it (so messages are in flight and handler
# threads wait on Kafka), stops Redis, waits until the orchestrator's loops are
# reconnecting, then sends SIGTERM to each service and measures its exit.
#
#   test_shutdown.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
SLUICE_SCRIPT_NAME=test_shutdown
# shellcheck source=../../../scripts/lib.sh
. "$src/scripts/lib.sh"
limit_ms=3000
aws=${SLUICE_AWS_CLI:-$HOME/.cache/sluice/venv/bin/aws}
api_bin=$build/services/api/sluice-api
orch_bin=$build/services/orchestrator/sluice-orchestrator
if [[ ! -x $api_bin || ! -x $orch_bin || ! -x $aws ]]; then
  echo "skipped: needs $api_bin, $orch_bin and $aws"
  exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-shutdown.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  "$src/scripts/test-env.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf -- "$dir"
}
trap cleanup EXIT

"$src/scripts/test-env.sh" start "$dir" >"$dir/env.log" 2>&1 || {
  cat "$dir/env.log" >&2
  exit 1
}
# shellcheck disable=SC1091
. "$dir/env"
read -r aport oport <<<"$(sluice_free_ports 2)"
key=AKIASLUICETEST000001
secret=sluice-test-secret-key-000000000000000000
export SLUICE_KAFKA_BROKERS=$SLUICE_TEST_KAFKA_BROKERS SLUICE_REDIS_HOST=127.0.0.1
export SLUICE_REDIS_PORT=$SLUICE_TEST_REDIS_PORT SLUICE_API_PORT=$aport SLUICE_ORCHESTRATOR_PORT=$oport
export SLUICE_API_CREDENTIALS="$key:$secret:tester:admin"
export SLUICE_BUS_KEY_FILE=$SLUICE_TEST_BUS_KEY_FILE
export SLUICE_ORCHESTRATOR_ID_KEY_FILE=$SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE
"$orch_bin" >"$dir/orchestrator.log" 2>&1 &
orch=$!
pids+=("$orch")
"$api_bin" >"$dir/api.log" 2>&1 &
api=$!
pids+=("$api")
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$aport/healthz" >/dev/null 2>&1 &&
    curl -fsS "http://127.0.0.1:$oport/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

"$src/scripts/kafka.sh" stop --dir "$dir/kafka" >/dev/null
export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1
for call in "create-pipeline --cli-input-json file://$src/examples/demo-pipeline.json" \
  "start-pipeline-execution --name sluice-demo"; do
  # shellcheck disable=SC2086 # the call's words
  timeout 30 "$aws" codepipeline --endpoint-url "http://127.0.0.1:$aport" $call >/dev/null 2>&1 &
done
sleep 2
"$src/scripts/redis.sh" stop --dir "$dir/redis" >/dev/null
sleep 2.5

status=0
stop_one() {
  local name=$1 pid=$2 t0 t1 rc=0
  t0=$(sluice_now_ms)
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  t1=$(sluice_now_ms)
  echo "$name exited with status $rc $((t1 - t0)) ms after SIGTERM (Kafka and Redis gone; limit $limit_ms ms)"
  if ((t1 - t0 > limit_ms)); then
    echo "FAIL: $name took longer than $limit_ms ms; the end of its log:" >&2
    grep -v '_TRANSPORT\|FAIL:' "$dir/$name.log" | tail -8 | cut -c1-300 >&2
    status=1
  fi
  if ((rc != 0)); then
    echo "FAIL: $name exited with status $rc" >&2
    status=1
  fi
}
stop_one api "$api"
stop_one orchestrator "$orch"
pids=()
exit $status
