#!/usr/bin/env bash
# Backup and restore as docs/operations.md ("Backup and restore") describes them,
# on local processes (`make run`'s scripts/run.sh on free ports):
#
#   1. stack A: the demo pipeline's first execution approved and Succeeded;
#   2. the backup, while A runs: BGSAVE as the Redis admin user, then dump.rdb
#      copied; then the artifacts directory copied (tar);
#   3. A stopped; stack B started in new directories with the snapshot as the
#      base of its Redis's append-only file (appendonlydir/ with a manifest
#      naming it) and the artifacts in its artifacts directory, on a new
#      topic prefix (SLUICE_TOPIC_PREFIX: B's Kafka is new, and each pipeline's
#      state holds the offsets of A's topics it applied);
#   4. on B, with the aws CLI: the pipeline, its execution history
#      (list-pipeline-executions: the Succeeded execution), the build artifact of
#      that execution (s3 cp from the artifact store, byte for byte); then a new
#      execution runs to Succeeded.
#
#   backup_restore.sh SOURCE_DIR BUILD_DIR
# Prints each phase's duration.
set -euo pipefail
src=$1
build=$2
SLUICE_SCRIPT_NAME=e2e_backup_restore
# shellcheck source=../../../scripts/lib.sh
. "$src/scripts/lib.sh"
# shellcheck source=../../support/run-sh.sh
. "$src/tests/support/run-sh.sh"
aws=${SLUICE_AWS_CLI:-$HOME/.cache/sluice/venv/bin/aws}
for bin in api orchestrator artifacts worker source approvals; do
  [[ -x $build/services/$bin/sluice-$bin ]] || sluice_die "sluice-$bin is not built in $build"
done

top=$(mktemp -d "${TMPDIR:-/tmp}/sluice-backup.XXXXXX")
run_sh_leader=""
status=1
stop_stack() {
  if [[ -n $run_sh_leader ]]; then
    kill -TERM -- "-$run_sh_leader" 2>/dev/null || true
    wait "$run_sh_leader" 2>/dev/null || true
    run_sh_leader=""
  fi
}
cleanup() {
  stop_stack
  if ((status != 0)); then
    for d in "$top"/a "$top"/b; do
      [[ -d $d ]] || continue
      echo "--- $d: run.sh output:" >&2
      cat "$d/out.log" >&2 || true
      for log in "$d"/logs/*.log; do
        echo "--- $log (last lines):" >&2
        tail -n 12 "$log" >&2 || true
      done
    done
  fi
  rm -rf -- "$top"
}
trap cleanup EXIT

t=$(sluice_now_ms)
phase() {
  echo "e2e_backup_restore: $1: $((($(sluice_now_ms) - t) / 1000)).$((($(sluice_now_ms) - t) % 1000 / 100)) s"
  t=$(sluice_now_ms)
}

# cpl DIR ARGS...: the aws CLI against the stack of DIR, as its demo identity.
cpl() {
  local dir=$1
  shift
  (
    # shellcheck disable=SC1091
    . "$dir/env"
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" \
      "$aws" "$@" --output json
  )
}
endpoint() { sed -n 's/^export SLUICE_ENDPOINT=//p' "$1/env"; }
artifacts_endpoint() { sed -n 's/^export SLUICE_ARTIFACTS_ENDPOINT=//p' "$1/env"; }
# py EXPR: evaluates EXPR on the JSON of stdin (as j), prints the result.
py() { /usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"; }
# wait_for WHAT SECONDS CMD...: until CMD succeeds.
wait_for() {
  local what=$1 secs=$2 deadline
  shift 2
  deadline=$(($(sluice_now_ms) + secs * 1000))
  until "$@" >/dev/null 2>&1; do
    (($(sluice_now_ms) < deadline)) || sluice_die "timed out after $secs s waiting for $what"
    sleep 0.5
  done
}
# approve DIR: approves the waiting approval of sluice-demo (its token from get-pipeline-state).
approval_token() {
  cpl "$1" codepipeline --endpoint-url "$(endpoint "$1")" get-pipeline-state --name sluice-demo |
    py '[a["latestExecution"].get("token", "") for s in j["stageStates"] if s["stageName"] == "Approve" for a in s["actionStates"] if a.get("latestExecution", {}).get("status") == "InProgress"][0]'
}
approve() {
  local token
  wait_for "the approval of sluice-demo to wait" 120 approval_token "$1"
  token=$(approval_token "$1")
  cpl "$1" codepipeline --endpoint-url "$(endpoint "$1")" put-approval-result \
    --pipeline-name sluice-demo --stage-name Approve --action-name Approve \
    --result summary=backup-test,status=Approved --token "$token" >/dev/null
}
execution_status() {
  cpl "$1" codepipeline --endpoint-url "$(endpoint "$1")" get-pipeline-execution \
    --pipeline-name sluice-demo --pipeline-execution-id "$2" | py 'j["pipelineExecution"]["status"]'
}
succeeded() { [[ $(execution_status "$1" "$2") == Succeeded ]]; }
redis_admin() {
  local dir=$1
  shift
  REDISCLI_AUTH=$(head -n 1 "$dir/secrets/redis-admin.password") redis-cli --no-auth-warning \
    -p "$(awk '$1 == "port" { print $2 }' "$dir/redis/redis.conf")" --user admin "$@"
}

# 1. stack A: the first execution approved and Succeeded
a=$top/a
mkdir -p "$a"
run_sh_start "$src" "$build" "$a" SLUICE_SOURCE_POLL_INTERVAL_S=1
first=""
first_execution() {
  first=$(cpl "$a" codepipeline --endpoint-url "$(endpoint "$a")" list-pipeline-executions \
    --pipeline-name sluice-demo | py 'j["pipelineExecutionSummaries"][-1]["pipelineExecutionId"]')
  [[ -n $first ]]
}
wait_for "the demo execution of stack A" 60 first_execution
first_execution
approve "$a"
wait_for "execution $first to succeed on A" 120 succeeded "$a" "$first"
# the Build action's output artifact, as A's store holds it
artifact=$(cpl "$a" codepipeline --endpoint-url "$(endpoint "$a")" list-action-executions \
  --pipeline-name sluice-demo --filter "pipelineExecutionId=$first" |
  py '[ "s3://%s/%s" % (o["s3location"]["bucket"], o["s3location"]["key"]) for d in j["actionExecutionDetails"] if d["stageName"] == "Build" for o in d["output"]["outputArtifacts"]][0]')
cpl "$a" s3 --endpoint-url "$(artifacts_endpoint "$a")" cp "$artifact" "$top/artifact-a.zip" >/dev/null
phase "stack A up, execution $first Succeeded, its build artifact $artifact"

# 2. the backup, while A runs (docs/operations.md): the Redis snapshot first, then the artifacts
mkdir -p "$top/backup"
before=$(redis_admin "$a" LASTSAVE)
redis_admin "$a" BGSAVE >/dev/null
saved() {
  [[ $(redis_admin "$a" LASTSAVE) != "$before" ]] &&
    redis_admin "$a" INFO persistence | grep -q '^rdb_bgsave_in_progress:0'
}
wait_for "BGSAVE to finish" 60 saved
redis_admin "$a" INFO persistence | grep -q '^rdb_last_bgsave_status:ok' || sluice_die "BGSAVE failed"
redis_dir=$(redis_admin "$a" CONFIG GET dir | tail -n 1)
dbfile=$(redis_admin "$a" CONFIG GET dbfilename | tail -n 1)
cp -- "$redis_dir/$dbfile" "$top/backup/dump.rdb"
tar -C "$a/artifacts" -cf "$top/backup/artifacts.tar" .
phase "backup taken while A runs: $(stat -c %s "$top/backup/dump.rdb") bytes of snapshot, $(stat -c %s "$top/backup/artifacts.tar") of artifacts"
stop_stack

# 3. stack B: new directories, the backup restored before its first start, a new topic prefix
b=$top/b
mkdir -p "$b/redis/appendonlydir" "$b/artifacts"
# Redis runs with the append-only file, and with it on Redis loads no dump.rdb: the snapshot
# becomes the base of a new append-only file (Redis 7's manifest names an RDB base).
cp -- "$top/backup/dump.rdb" "$b/redis/appendonlydir/appendonly.aof.1.base.rdb"
printf 'file appendonly.aof.1.base.rdb seq 1 type b\n' >"$b/redis/appendonlydir/appendonly.aof.manifest"
tar -C "$b/artifacts" -xf "$top/backup/artifacts.tar"
run_sh_start "$src" "$build" "$b" SLUICE_SOURCE_POLL_INTERVAL_S=1 SLUICE_TOPIC_PREFIX=sluice.r1.
if grep -q "demo pipeline 'sluice-demo' created" "$b/out.log"; then
  sluice_die "stack B made the demo pipeline anew: the restored snapshot was not loaded"
fi
phase "stack B up on the restored snapshot and artifacts"

# 4. on B: the pipeline, its history, the artifact; then a new execution runs
cpl "$b" codepipeline --endpoint-url "$(endpoint "$b")" get-pipeline --name sluice-demo |
  py 'j["pipeline"]["name"]' | grep -qx sluice-demo || sluice_die "B has no pipeline sluice-demo"
history=$(cpl "$b" codepipeline --endpoint-url "$(endpoint "$b")" list-pipeline-executions \
  --pipeline-name sluice-demo)
py "[x['status'] for x in j['pipelineExecutionSummaries'] if x['pipelineExecutionId'] == '$first']" \
  <<<"$history" | grep -qx "\['Succeeded'\]" ||
  sluice_die "B's list-pipeline-executions does not show $first Succeeded: $history"
cpl "$b" s3 --endpoint-url "$(artifacts_endpoint "$b")" cp "$artifact" "$top/artifact-b.zip" >/dev/null
cmp -s "$top/artifact-a.zip" "$top/artifact-b.zip" ||
  sluice_die "the artifact $artifact restored on B differs from A's"
phase "on B: sluice-demo, execution $first Succeeded in its history, its build artifact identical"

second=$(cpl "$b" codepipeline --endpoint-url "$(endpoint "$b")" start-pipeline-execution \
  --name sluice-demo | py 'j["pipelineExecutionId"]')
# B's demo repository is new, so its poller may start an execution too: approve what waits
# until the new one is done.
deadline=$(($(sluice_now_ms) + 180000))
until succeeded "$b" "$second"; do
  (($(sluice_now_ms) < deadline)) || sluice_die "the new execution $second did not succeed on B"
  if token=$(approval_token "$b" 2>/dev/null) && [[ -n $token ]]; then
    cpl "$b" codepipeline --endpoint-url "$(endpoint "$b")" put-approval-result \
      --pipeline-name sluice-demo --stage-name Approve --action-name Approve \
      --result summary=backup-test,status=Approved --token "$token" >/dev/null || true
  fi
  sleep 0.5
done
phase "on B: a new execution $second ran to Succeeded"
status=0
stop_stack
