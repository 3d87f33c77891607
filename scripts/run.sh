#!/usr/bin/env bash
# `make run`: starts Kafka (9092), Redis (6379) and every Sluice service that is
# built, writes .sluice/env, creates the demo pipeline when the api runs, prints
# where everything listens, and stops it all on Ctrl-C.
#
#   run.sh BUILD_DIR
#
# Data and logs live under .sluice/ at the top of the repository (kept between
# runs; SLUICE_RUN_DIR puts them elsewhere). Ports follow the design conventions
# and can be overridden with SLUICE_KAFKA_PORT, SLUICE_KAFKA_CONTROLLER_PORT,
# SLUICE_REDIS_PORT, SLUICE_API_PORT, SLUICE_ORCHESTRATOR_PORT, SLUICE_ARTIFACTS_PORT,
# SLUICE_NOTIFIER_PORT, SLUICE_WORKER_PORT, SLUICE_SOURCE_PORT, SLUICE_APPROVALS_PORT,
# SLUICE_CONSOLE_PORT, SLUICE_SINK_HTTP_PORT and SLUICE_SINK_SMTP_PORT.
#
# sluice-console serves the web console on 7077; its URL and the demo identity
# to sign in with are printed.
#
# sluice-approvals serves the approval pages on 7072; when the demo pipeline's
# approval waits, a signed one-time link for the demo identity is printed.
#
# sluice-source serves the repositories of .sluice/source-repositories.json
# (made once): "demo", a local git repository .sluice/demo-repo created here
# from examples/demo-repo; its git mirrors live in .sluice/source-cache. The demo
# pipeline (examples/demo-pipeline.json: Source → Build → Approve → Deploy) is
# created and started once; sluice-worker deploys it into .sluice/deployed.
#
# The notifier delivers to local sinks (scripts/sinks.py): Slack-style
# messages and webhooks into .sluice/sinks/webhooks.jsonl, mails into
# .sluice/sinks/mail/, with the rules of examples/notifier-rules.json.
#
# Kafka runs with a SASL/SCRAM listener and ACLs (kafka.sh start --sasl, data
# in .sluice/kafka-sasl), Redis with the default user locked, the ACL user
# "admin" (every command, for operators: backups) and one user per service with
# only its keys and commands (scripts/conf/redis-users.acl, redis.sh
# --service-users); their passwords are generated once into .sluice/secrets (files
# 0600) and the services get them as SLUICE_KAFKA_SASL_PASSWORD_FILE and, each its
# own, SLUICE_REDIS_USERNAME and SLUICE_REDIS_PASSWORD_FILE
# (.sluice/secrets/redis-<service>.password).
#
# SIGINT or SIGTERM (to this script or to its whole process group, as make and
# service managers send it) stops everything it started, in order; signals that
# arrive while stopping are ignored so the stop always completes.
set -euo pipefail

SLUICE_SCRIPT_NAME=run.sh
# shellcheck source=lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

root=$(cd -- "$SLUICE_SCRIPTS_DIR/.." && pwd -P)
build=${1:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac
[ -d "$build" ] || sluice_die "build directory '$build' does not exist (run 'make build')"

state=${SLUICE_RUN_DIR:-$root/.sluice}
shown=${SLUICE_RUN_DIR:-.sluice} # how messages name it
mkdir -p "$state/logs"

kafka_port=${SLUICE_KAFKA_PORT:-9092}
kafka_controller_port=${SLUICE_KAFKA_CONTROLLER_PORT:-9093}
redis_port=${SLUICE_REDIS_PORT:-6379}
api_port=${SLUICE_API_PORT:-7070}
orchestrator_port=${SLUICE_ORCHESTRATOR_PORT:-7075}
artifacts_port=${SLUICE_ARTIFACTS_PORT:-7071}
notifier_port=${SLUICE_NOTIFIER_PORT:-7074}
sink_http_port=${SLUICE_SINK_HTTP_PORT:-7079}
sink_smtp_port=${SLUICE_SINK_SMTP_PORT:-2525}
region=${AWS_DEFAULT_REGION:-us-east-1}

# The demo identity (an admin). Local only: the api listens on 127.0.0.1.
demo_key=${SLUICE_DEMO_ACCESS_KEY_ID:-AKIASLUICEDEMO000001}
demo_secret=${SLUICE_DEMO_SECRET_ACCESS_KEY:-sluice-demo-secret-key-0000000000000000}

pids=()
stopping=0
stop_all() {
  ((stopping == 0)) || return 0
  stopping=1
  # Further INT/TERM (make forwards the one its group got) must not cut the stop short.
  trap '' INT TERM
  trap - EXIT
  sluice_log "stopping"
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  "$SLUICE_SCRIPTS_DIR/kafka.sh" stop --dir "$state/kafka-sasl" || true
  "$SLUICE_SCRIPTS_DIR/redis.sh" stop --dir "$state/redis" || true
  sluice_log "stopped"
}
on_signal() {
  stop_all
  exit 0
}
trap on_signal INT TERM
trap stop_all EXIT

# Passwords of the broker's principals and of Redis's user: made once, kept.
secrets="$state/secrets"
(umask 077 && mkdir -p "$secrets")
for user in broker sluice reader redis-admin; do
  if [[ ! -s $secrets/$user.password ]]; then
    (umask 077 && printf '%s\n' "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" \
      >"$secrets/$user.password")
  fi
done

sluice_log "starting Redis on 127.0.0.1:$redis_port and Kafka on 127.0.0.1:$kafka_port (SASL)"
"$SLUICE_SCRIPTS_DIR/redis.sh" start --port "$redis_port" --dir "$state/redis" --appendonly yes \
  --acl-user admin --acl-password-file "$secrets/redis-admin.password" --service-users "$secrets" &
redis_starter=$!
"$SLUICE_SCRIPTS_DIR/kafka.sh" start --port "$kafka_port" --controller-port "$kafka_controller_port" \
  --dir "$state/kafka-sasl" --sasl "$secrets" &
kafka_starter=$!
wait "$redis_starter" || sluice_die "Redis did not start (see $state/redis)"
wait "$kafka_starter" || sluice_die "Kafka did not start (see $state/kafka)"

export SLUICE_KAFKA_BROKERS="127.0.0.1:$kafka_port"
export SLUICE_REDIS_HOST=127.0.0.1
export SLUICE_REDIS_PORT="$redis_port"
export SLUICE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
export SLUICE_KAFKA_SASL_MECHANISM=SCRAM-SHA-256
export SLUICE_KAFKA_SASL_USERNAME=sluice
export SLUICE_KAFKA_SASL_PASSWORD_FILE="$secrets/sluice.password"
export SLUICE_REGION="$region"
export SLUICE_API_PORT="$api_port"
export SLUICE_ORCHESTRATOR_PORT="$orchestrator_port"
# the identities: the api's keys; sluice-approvals signs people in with them, the notifier reads
# only their groups and e-mail addresses (approvers' own links in mail)
export SLUICE_API_CREDENTIALS="$demo_key:$demo_secret:demo:admin"
export SLUICE_API_START_ON_CREATE=on # the demo pipeline starts when it is created
# job credentials: one key, made once, shared by the api and sluice-artifacts
if [[ ! -s $state/job-credential-keys ]]; then
  (umask 077 && printf 'run %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
    >"$state/job-credential-keys")
fi
export SLUICE_JOB_CREDENTIAL_KEYS_FILE="$state/job-credential-keys"
# the bus signing key (api, orchestrator) and the orchestrator's id key: made once, mode 0600
if [[ ! -s $state/bus-keys ]]; then
  (umask 077 && printf 'run %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
    >"$state/bus-keys")
fi
if [[ ! -s $state/id-key ]]; then
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$state/id-key")
fi
chmod 600 "$state/bus-keys" "$state/id-key"
export SLUICE_BUS_KEY_FILE="$state/bus-keys"
# the approval link key (sluice-approvals, and the notifier's per-approver links in mail, which
# point at SLUICE_APPROVALS_PUBLIC_URL below; both services read the exports): made once
if [[ ! -s $state/approval-link-key ]]; then
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$state/approval-link-key")
fi
chmod 600 "$state/approval-link-key"
export SLUICE_APPROVAL_LINK_KEY_FILE="$state/approval-link-key"
approvals_port=${SLUICE_APPROVALS_PORT:-7072}
export SLUICE_APPROVALS_PORT="$approvals_port"
export SLUICE_APPROVALS_PUBLIC_URL="http://127.0.0.1:$approvals_port"
export SLUICE_ORCHESTRATOR_ID_KEY_FILE="$state/id-key"
export SLUICE_ARTIFACTS_PORT="$artifacts_port"
export SLUICE_ARTIFACTS_CREDENTIALS="$SLUICE_API_CREDENTIALS"
export SLUICE_ARTIFACTS_DIR="${SLUICE_ARTIFACTS_DIR:-$state/artifacts}"
# the demo pipeline's artifact store (examples/demo-pipeline.json) exists from the start
export SLUICE_ARTIFACTS_BUCKETS="${SLUICE_ARTIFACTS_BUCKETS:-sluice-artifacts,sluice-demo-artifacts}"

# Starts build/services/<name>/sluice-<name> if it was built.
start_service() {
  local name=$1 port=$2
  local bin="$build/services/$name/sluice-$name"
  [ -x "$bin" ] || return 0
  # Its own Redis user (none for a service without one: sluice-artifacts).
  local redis_auth=(-u SLUICE_REDIS_USERNAME -u SLUICE_REDIS_PASSWORD_FILE)
  if [[ -s $secrets/redis-$name.password ]]; then
    redis_auth=(SLUICE_REDIS_USERNAME="$name" SLUICE_REDIS_PASSWORD_FILE="$secrets/redis-$name.password")
  fi
  # A session of its own: Ctrl-C reaches this script, which stops services in order.
  env "${redis_auth[@]}" setsid "$bin" >>"$state/logs/$name.log" 2>&1 &
  pids+=("$!")
  printf '  %-13s http://127.0.0.1:%s   (log: %s/logs/%s.log)\n' "$name" "$port" "$shown" "$name"
}

# The notifier's demo rules and the sinks it delivers to.
export SLUICE_NOTIFIER_PORT="$notifier_port"
export SLUICE_NOTIFIER_API_ENDPOINT="http://127.0.0.1:$api_port"
export SLUICE_DEMO_SLACK_URL="http://127.0.0.1:$sink_http_port/slack"
export SLUICE_DEMO_WEBHOOK_URL="http://127.0.0.1:$sink_http_port/webhook"
if [[ ! -s $state/demo-webhook-key ]]; then
  (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$state/demo-webhook-key")
fi
SLUICE_DEMO_WEBHOOK_KEY=$(cat "$state/demo-webhook-key")
export SLUICE_DEMO_WEBHOOK_KEY
sed "s/@SMTP_PORT@/$sink_smtp_port/" "$root/examples/notifier-rules.json" >"$state/notifier-rules.json"
export SLUICE_NOTIFIER_RULES_FILE="$state/notifier-rules.json"

# sluice-source: the demo repository (examples/demo-repo, committed once; a repository made by
# an older `make run` gets the program in a second commit) and the file naming it.
if [ -x "$build/services/source/sluice-source" ]; then
  source_state=$(cd -- "$state" && pwd -P) # the repository URL and the cache are absolute
  demo_git() { git -C "$state/demo-repo" -c user.name=Sluice -c user.email=demo@sluice.invalid "$@"; }
  if [[ ! -d $state/demo-repo/.git ]]; then
    git init -q -b main "$state/demo-repo" || sluice_die "cannot create the demo repository $state/demo-repo"
  fi
  if [[ ! -f $state/demo-repo/buildspec.yml ]]; then
    cp "$root"/examples/demo-repo/* "$state/demo-repo/" &&
      demo_git add -A && demo_git commit -q -m "The demo program and its buildspec" ||
      sluice_die "cannot commit the demo program to $state/demo-repo"
  fi
  if [[ ! -s $state/source-repositories.json ]]; then
    printf '{"repositories": [{"name": "demo", "url": "%s"}]}\n' "$source_state/demo-repo" \
      >"$state/source-repositories.json"
  fi
  export SLUICE_SOURCE_PORT="${SLUICE_SOURCE_PORT:-7073}"
  # a commit to the demo repository starts the pipeline within about 10 s
  export SLUICE_SOURCE_POLL_INTERVAL_S="${SLUICE_SOURCE_POLL_INTERVAL_S:-10}"
  export SLUICE_SOURCE_REPOSITORIES_FILE="$state/source-repositories.json"
  export SLUICE_SOURCE_CACHE_DIR="$source_state/source-cache"
  export SLUICE_ARTIFACTS_ENDPOINT="http://127.0.0.1:$artifacts_port"
  # AWS/S3 sources read their objects with the demo key of the store (mode 0600)
  (umask 077 && printf '%s:%s\n' "$demo_key" "$demo_secret" >"$state/source-s3-key")
  chmod 600 "$state/source-s3-key"
  export SLUICE_SOURCE_S3_KEY_FILE="$source_state/source-s3-key"
fi

echo "Sluice is running:"
printf '  %-13s 127.0.0.1:%s\n' kafka "$kafka_port" redis "$redis_port"
start_service orchestrator "$orchestrator_port"
start_service api "$api_port"
start_service artifacts "$artifacts_port"
start_service source "${SLUICE_SOURCE_PORT:-7073}"
start_service approvals "$approvals_port"
console_port=${SLUICE_CONSOLE_PORT:-7077}
SLUICE_CONSOLE_PORT=$console_port SLUICE_CONSOLE_PUBLIC_URL="http://127.0.0.1:$console_port" \
  SLUICE_CONSOLE_API_ENDPOINT="http://127.0.0.1:$api_port" start_service console "$console_port"
if [ -x "$build/services/notifier/sluice-notifier" ] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  setsid /usr/bin/python3 "$SLUICE_SCRIPTS_DIR/sinks.py" "$state/sinks" "$sink_http_port" \
    "$sink_smtp_port" >>"$state/logs/sinks.log" 2>&1 &
  pids+=("$!")
  printf '  %-13s http://127.0.0.1:%s and smtp://127.0.0.1:%s (into %s/sinks)\n' sinks \
    "$sink_http_port" "$sink_smtp_port" "$shown"
  start_service notifier "$notifier_port"
fi
# sluice-worker: Commands, CodeBuild and S3-deploy jobs, with its defaults otherwise (the bus
# key, the job credential keys and the Kafka and Redis credentials are exported above).
worker_port=${SLUICE_WORKER_PORT:-7076}
# The demo's Deploy stage (AWS/S3, bucket sluice-demo-site) puts the build's files in
# .sluice/deployed.
mkdir -p "$state/deployed"
deployed_dir=$(cd -- "$state/deployed" && pwd -P)
SLUICE_WORKER_PORT=$worker_port SLUICE_ARTIFACTS_ENDPOINT="http://127.0.0.1:$artifacts_port" \
  SLUICE_WORKER_DEPLOY_DIRS="${SLUICE_WORKER_DEPLOY_DIRS:-sluice-demo-site=$deployed_dir}" \
  start_service worker "$worker_port"

# The aws CLI that knows CodePipeline V2 (scripts/install-deps.sh puts it there).
aws_venv="$(sluice_cache_dir)/venv/bin"
if [ -x "$aws_venv/aws" ]; then
  export PATH="$aws_venv:$PATH"
fi

{
  echo "export PATH=\"$aws_venv:\$PATH\""
  echo "export SLUICE_ENDPOINT=http://127.0.0.1:$api_port"
  echo "export SLUICE_ARTIFACTS_ENDPOINT=http://127.0.0.1:$artifacts_port"
  echo "export SLUICE_APPROVALS_ENDPOINT=http://127.0.0.1:${SLUICE_APPROVALS_PORT:-7072}"
  echo "export AWS_ACCESS_KEY_ID=$demo_key"
  echo "export AWS_SECRET_ACCESS_KEY=$demo_secret"
  echo "export AWS_DEFAULT_REGION=$region"
} >"$state/env.tmp"
mv "$state/env.tmp" "$state/env"

if [ -x "$build/services/api/sluice-api" ]; then
  demo="$root/examples/demo-pipeline.json"
  # shellcheck disable=SC1091
  . "$state/env"
  for _ in $(seq 1 50); do
    curl -fsS "$SLUICE_ENDPOINT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  # Created the first time (which starts it, as CodePipeline does); a pipeline left by an older
  # `make run` is brought up to the current declaration (its history stays).
  cpl() { aws codepipeline --endpoint-url "$SLUICE_ENDPOINT" "$@"; }
  if [ -f "$demo" ]; then
    if ! cpl get-pipeline --name sluice-demo >/dev/null 2>&1; then
      cpl create-pipeline --cli-input-json "file://$demo" >/dev/null &&
        echo "  demo pipeline 'sluice-demo' created and started"
    elif [ "$(cpl get-pipeline --name sluice-demo --query 'pipeline.stages[0].actions[0].actionTypeId.provider' --output text 2>/dev/null)" != CodeCommit ]; then
      cpl update-pipeline --cli-input-json "file://$demo" >/dev/null &&
        cpl start-pipeline-execution --name sluice-demo >/dev/null &&
        echo "  demo pipeline 'sluice-demo' updated to $demo and started"
    fi
  fi
  # When the demo pipeline's approval waits, print a signed link for the demo identity.
  if [ -x "$build/services/approvals/sluice-approvals" ]; then
    (
      trap 'exit 0' TERM
      seen=""
      while true; do
        id=$(aws codepipeline --endpoint-url "$SLUICE_ENDPOINT" get-pipeline-state --name sluice-demo \
          --output json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for stage in json.load(sys.stdin).get("stageStates", []):
    for action in stage.get("actionStates", []):
        latest = action.get("latestExecution", {})
        if latest.get("token") and latest.get("status") == "InProgress":
            print(latest["actionExecutionId"])
' 2>/dev/null | head -n 1) || true
        if [[ -n $id && $id != "$seen" ]]; then
          link=$("$build/services/approvals/sluice-approvals" link "$id" demo 2>/dev/null) &&
            printf '  approval waiting in sluice-demo: %s\n' "$link"
          seen=$id
        fi
        sleep 3
      done
    ) &
    pids+=("$!")
  fi
fi

echo
echo "Endpoints and the demo identity are in $shown/env:"
echo "  . $shown/env; aws codepipeline --endpoint-url \"\$SLUICE_ENDPOINT\" list-pipelines"
if [ -d "$state/demo-repo/.git" ]; then
  echo
  echo "The demo pipeline 'sluice-demo': Source (polls $shown/demo-repo) -> Build (its buildspec.yml)"
  echo "-> Approve -> Deploy (into $shown/deployed). Follow it with:"
  echo "  . $shown/env; aws codepipeline --endpoint-url \"\$SLUICE_ENDPOINT\" get-pipeline-state --name sluice-demo"
  echo "A commit to $shown/demo-repo starts it again within about ${SLUICE_SOURCE_POLL_INTERVAL_S:-10} s."
fi
if [ -x "$build/services/console/sluice-console" ]; then
  echo
  echo "The console: http://127.0.0.1:$console_port/console/"
  echo "  sign in with access key id $demo_key and secret access key $demo_secret (demo, admin)"
fi
echo "Press Ctrl-C to stop."
# A trapped signal interrupts these waits at once; on_signal stops all and exits.
if [ ${#pids[@]} -gt 0 ]; then
  wait -n "${pids[@]}" || true
  ((stopping == 1)) || sluice_log "a service exited on its own; see $state/logs"
else
  while true; do
    sleep 3600 &
    wait $! || true
  done
fi
