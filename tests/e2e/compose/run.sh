#!/usr/bin/env bash
# The compose test: compose/docker-compose.yml brought up for real with
# podman-compose, on a machine without a Docker engine or a registry.
#
#   run.sh ROOT
#
# Phases, each timed:
#   setup     /etc/containers/containers.conf (scripts/containers-conf.sh)
#   images    images.sh: debian:bookworm-slim by debootstrap, stand-ins for
#             apache/kafka and redis, the sluice image (cached between runs)
#   secrets   compose/gen-secrets.sh, when compose/secrets/ is not made yet
#   up        the demo repository (examples/demo-repo, with demo-buildspec.yml:
#             the image has no compiler), the notifier's rules (examples/
#             notifier-rules.json) and secrets, a deploy directory; podman-compose
#             up -d with them (SLUICE_SOURCE_REPOSITORIES, SLUICE_NOTIFIER_RULES,
#             _SECRETS, SLUICE_WORKER_DEPLOYED, ...) and the api, the artifact
#             store, the webhooks and the approval pages on free loopback ports
#   healthy   every Sluice container answers /healthz, Redis PONG; the
#             topics made; Kafka refuses the sluice user a topic outside
#             its ACLs' prefix; a service's Redis user is refused another's keys
#   demo      on the gateway of the stack's network (host.containers.internal in
#             the containers): the demo repository over git's HTTP protocol and
#             the Slack/webhook and mail sinks (scripts/sinks.py); the demo
#             pipeline (examples/demo-pipeline.json) created and started
#   scenario  the end-to-end scenario of make run (tests/e2e/scenario/scenario.py)
#             against the published ports, the orchestrator's container killed
#             while the approval waits and back by its restart policy (crash.sh);
#             then Redis refused no service's user anything (ACL LOG)
#   down      podman-compose down -v; nothing of the project is left
# On failure the last lines of every container's log are printed. The project
# name is sluice-e2e (SLUICE_E2E_PROJECT), so a person's own stack is untouched.
# Exit status 77 (skipped) when podman or podman-compose is missing.
set -euo pipefail

root=$(cd -- "${1:?usage: run.sh ROOT}" && pwd -P)
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SLUICE_SCRIPT_NAME=compose-test
# shellcheck source=../../../scripts/lib.sh
. "$root/scripts/lib.sh"

for cmd in podman podman-compose debootstrap; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    sluice_log "skipped: $cmd is not installed (scripts/install-deps.sh)"
    exit 77
  fi
done
if [[ $(id -u) -ne 0 ]]; then
  sluice_log "skipped: rootful podman needs root"
  exit 77
fi

project=${SLUICE_E2E_PROJECT:-sluice-e2e}
compose_file=$root/compose/docker-compose.yml
aws_cli=${SLUICE_AWS_CLI:-$(sluice_cache_dir)/venv/bin/aws}
python=$(dirname -- "$aws_cli")/python
[[ -x $aws_cli && -x $python ]] || sluice_die "no aws CLI at $aws_cli (scripts/install-deps.sh)"
log_dir=$(mktemp -d /var/tmp/sluice-compose.XXXXXX)
export SLUICE_E2E_LOG_DIR=$log_dir

test_started=$(sluice_now_ms)
phase_started=0
durations=()
phase() {
  phase_started=$(sluice_now_ms)
  sluice_log "phase $1"
}
phase_done() {
  local took=$(($(sluice_now_ms) - phase_started))
  durations+=("$(printf '%-9s %4d.%ds' "$1" $((took / 1000)) $((took % 1000 / 100)))")
  printf 'compose-test: %-9s took %d.%ds\n' "$1" $((took / 1000)) $((took % 1000 / 100)) >&2
}

compose() {
  podman-compose -p "$project" -f "$compose_file" "$@"
}

dump_logs() {
  local c
  for c in $(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}'); do
    printf '  --- %s (%s) ---\n' "$c" "$(podman inspect --format '{{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}}' "$c" 2>/dev/null)" >&2
    podman logs --tail 30 "$c" 2>&1 | sed 's/^/  | /' >&2 || true
  done
}

helpers=() # the git HTTP server and the sinks, on the host
stop_helpers() {
  local pid
  for pid in ${helpers[@]+"${helpers[@]}"}; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  helpers=()
}

down() {
  stop_helpers
  compose down -v >"$log_dir/down.log" 2>&1 || true
  # podman-compose leaves the project's network; a stale one can confuse the next run's DNS
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
}

finished=0
on_exit() {
  local rc=$?
  if ((finished == 0)); then
    sluice_log "FAILED (exit $rc); container logs:"
    dump_logs
    down
    sluice_log "logs in $log_dir"
  fi
}
trap on_exit EXIT

phase setup
"$root/scripts/containers-conf.sh"
# What a previous, interrupted run left behind.
down
phase_done setup

phase images
"$here/images.sh" "$root"
phase_done images

phase secrets
"$root/compose/gen-secrets.sh"
phase_done secrets

phase up
# What the demo needs from outside the stack, under the log directory: the demo
# repository (served to sluice-source over git's HTTP protocol, refreshed by a
# post-commit hook), the notifier's rules and secrets directory (its copy of
# compose/secrets/notifier plus the sinks' URLs), the directory Deploy puts into.
work=$log_dir/stack
read -r -a ports <<<"$(sluice_free_ports 8)"
git_port=${ports[4]:?no free port}
sink_http_port=${ports[5]:?no free port}
sink_smtp_port=${ports[6]:?no free port}
repo=$work/git/demo
mkdir -p "$work/git" "$work/sinks" "$work/deployed"
git init -q -b main "$repo"
cp "$root"/examples/demo-repo/* "$repo/"
cp "$here/demo-buildspec.yml" "$repo/buildspec.yml"
printf '#!/bin/sh\nexec git update-server-info\n' >"$repo/.git/hooks/post-commit"
chmod 755 "$repo/.git/hooks/post-commit"
git -C "$repo" add -A
git -C "$repo" -c user.name=Sluice -c user.email=demo@sluice.invalid commit -qm "The demo program and its buildspec"
chown 10001:10001 "$work/deployed"
printf '{"repositories": [{"name": "demo", "url": "http://host.containers.internal:%s/demo/.git"}]}\n' \
  "$git_port" >"$work/source-repositories.json"
install -d -m 0755 "$work/notifier-secrets"
cp -p -- "$root"/compose/secrets/notifier/* "$work/notifier-secrets/"
for target in slack webhook; do
  (umask 077 && printf 'http://host.containers.internal:%s/%s\n' "$sink_http_port" "$target" \
    >"$work/notifier-secrets/demo-$target-url")
  chown 10001:10001 "$work/notifier-secrets/demo-$target-url"
done
/usr/bin/python3 - "$root/examples/notifier-rules.json" "$work/notifier-rules.json" "$sink_smtp_port" <<'PY'
import json, sys
rules = json.load(open(sys.argv[1]))
t = rules["targets"]
t["demo-slack"]["url"] = {"file": "/run/secrets/demo-slack-url"}
t["demo-webhook"]["url"] = {"file": "/run/secrets/demo-webhook-url"}
t["demo-webhook"]["secret"] = {"file": "/run/secrets/notifier-webhook-secret"}
t["demo-mail"]["smtpUrl"] = "smtp://host.containers.internal:" + sys.argv[3]
json.dump(rules, open(sys.argv[2], "w"), indent=1)
PY
chmod 0644 "$work/notifier-rules.json" "$work/source-repositories.json"
export SLUICE_SOURCE_REPOSITORIES=$work/source-repositories.json
export SLUICE_SOURCE_POLL_INTERVAL_S=1
export SLUICE_NOTIFIER_RULES=$work/notifier-rules.json
export SLUICE_NOTIFIER_SECRETS=$work/notifier-secrets
export SLUICE_WORKER_DEPLOYED=$work/deployed
export SLUICE_WORKER_DEPLOY_DIRS=sluice-demo-site=/var/lib/sluice/deployed/site
export SLUICE_ARTIFACTS_BUCKETS=sluice-artifacts,sluice-demo-artifacts
api_port=${ports[0]:?no free port}
artifacts_port=${ports[1]:?no free port}
export SLUICE_API_PUBLISH=127.0.0.1:$api_port
export SLUICE_ARTIFACTS_PUBLISH=127.0.0.1:$artifacts_port
export SLUICE_SOURCE_PUBLISH=127.0.0.1:${ports[2]:?no free port}
export SLUICE_APPROVALS_PUBLISH=127.0.0.1:${ports[3]:?no free port}
export SLUICE_APPROVALS_PUBLIC_URL=http://$SLUICE_APPROVALS_PUBLISH
export SLUICE_CONSOLE_PUBLISH=127.0.0.1:${ports[7]:?no free port}
export SLUICE_CONSOLE_PUBLIC_URL=http://$SLUICE_CONSOLE_PUBLISH
# The images exist (images phase): never let podman-compose build.
compose up -d --no-build >"$log_dir/up.log" 2>&1 || {
  sluice_tail "$log_dir/up.log" 40
  sluice_die "podman-compose up failed"
}
phase_done up

phase healthy
container() { printf '%s_%s_1\n' "$project" "$1"; }
deadline=$(($(sluice_now_ms) + 240000))
pending=(redis orchestrator api artifacts notifier worker source approvals console)
while ((${#pending[@]})); do
  still=()
  for svc in "${pending[@]}"; do
    if [[ $svc == redis ]]; then
      podman exec "$(container redis)" sh -c \
        'redis-cli --no-auth-warning --user admin -a "$(cat /run/secrets/redis-admin-password)" ping' 2>/dev/null |
        grep -q PONG || still+=("$svc")
    else
      podman exec "$(container "$svc")" sluice-healthz >/dev/null 2>&1 || still+=("$svc")
    fi
  done
  pending=(${still[@]+"${still[@]}"})
  ((${#pending[@]})) || break
  if (($(sluice_now_ms) > deadline)); then
    sluice_die "not healthy after 240 s: ${pending[*]}"
  fi
  sleep 1
done
curl -fsS -o /dev/null "http://$SLUICE_API_PUBLISH/healthz" || sluice_die "api not published on $SLUICE_API_PUBLISH"
curl -fsS -o /dev/null "http://$SLUICE_ARTIFACTS_PUBLISH/healthz" ||
  sluice_die "artifact store not published on $SLUICE_ARTIFACTS_PUBLISH"
curl -fsS -o /dev/null "http://$SLUICE_SOURCE_PUBLISH/healthz" ||
  sluice_die "sluice-source not published on $SLUICE_SOURCE_PUBLISH"
curl -fsS -o /dev/null "http://$SLUICE_APPROVALS_PUBLISH/healthz" ||
  sluice_die "sluice-approvals not published on $SLUICE_APPROVALS_PUBLISH"
curl -fsS -o /dev/null "http://$SLUICE_CONSOLE_PUBLISH/healthz" ||
  sluice_die "sluice-console not published on $SLUICE_CONSOLE_PUBLISH"
# The one-shot created the topics with the configured partitions and ended.
while [[ $(podman inspect --format '{{.State.Status}}' "$(container kafka-topics)") != exited ]]; do
  (($(sluice_now_ms) < deadline)) || sluice_die "kafka-topics still runs after 240 s"
  sleep 1
done
[[ $(podman inspect --format '{{.State.ExitCode}}' "$(container kafka-topics)") == 0 ]] ||
  sluice_die "kafka-topics failed: $(podman logs "$(container kafka-topics)" 2>&1 | tail -5)"
topics_log=$(podman logs "$(container kafka-topics)" 2>&1)
grep -q "PartitionCount: ${SLUICE_TOPIC_PARTITIONS:-6}" <<<"$topics_log" ||
  sluice_die "kafka-topics did not report ${SLUICE_TOPIC_PARTITIONS:-6} partitions: $topics_log"
# Kafka: the sluice user logs in with SCRAM, and its ACLs stop at the prefix.
denied=$(podman exec "$(container kafka)" bash -c '
  umask 077
  printf "%s\n" security.protocol=SASL_PLAINTEXT sasl.mechanism=SCRAM-SHA-256 \
    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sluice\" password=\"$(head -n 1 /run/secrets/kafka-sluice-password)\";" \
    >/tmp/sluice.properties
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 \
    --command-config /tmp/sluice.properties --create --topic outside-the-prefix \
    --partitions 1 --replication-factor 1' 2>&1) &&
  sluice_die "the sluice user created a topic outside its prefix: $denied"
grep -q 'TopicAuthorizationException\|not authorized' <<<"$denied" ||
  sluice_die "creating a topic outside the prefix failed, but not for want of an ACL: $denied"
# Redis: each service logs in as its own user, which reaches only its own keys.
redis_as() {
  local user=$1
  shift
  podman exec -i "$(container redis)" redis-cli --no-auth-warning --user "$user" \
    --pass "$(head -n 1 "$root/compose/secrets/redis-$user-password")" "$@" 2>&1
}
reply=$(redis_as api SET 'sluice:{compose-test}:outbox' x)
[[ $reply == *NOPERM* ]] || sluice_die "the api's Redis user may write the orchestrator's outbox: $reply"
reply=$(redis_as worker GET 'sluice:approvals:compose-test')
[[ $reply == *NOPERM* ]] || sluice_die "the worker's Redis user may read the approvals' keys: $reply"
reply=$(redis_as orchestrator SET 'sluice:{compose-test}:state' x)
[[ $reply == OK ]] || sluice_die "the orchestrator's Redis user may not write its state: $reply"
redis_as orchestrator DEL 'sluice:{compose-test}:state' >/dev/null
redis_as admin ACL LOG RESET >/dev/null # the refusals above were on purpose
phase_done healthy

phase demo
gateway=$(podman exec "$(container source)" awk '$2 == "host.containers.internal" { print $1; exit }' /etc/hosts)
[[ $gateway =~ ^[0-9.]+$ ]] || sluice_die "no address of host.containers.internal in the containers: '$gateway'"
(cd "$work/git" && exec /usr/bin/python3 -m http.server --bind "$gateway" "$git_port") \
  >"$log_dir/git-http.log" 2>&1 &
helpers+=("$!")
/usr/bin/python3 "$root/scripts/sinks.py" "$work/sinks" "$sink_http_port" "$sink_smtp_port" "$gateway" \
  >"$log_dir/sinks.log" 2>&1 &
helpers+=("$!")
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://$gateway:$git_port/demo/.git/HEAD" 2>/dev/null &&
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$gateway" "$sink_smtp_port" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://$gateway:$git_port/demo/.git/info/refs" ||
  sluice_die "the demo repository is not served on http://$gateway:$git_port/demo/.git"
admin_env() {
  env $(cat "$root/compose/secrets/admin.env") AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= "$@"
}
admin_env "$aws_cli" codepipeline --endpoint-url "http://$SLUICE_API_PUBLISH" create-pipeline \
  --cli-input-json "file://$root/examples/demo-pipeline.json" >/dev/null ||
  sluice_die "create-pipeline of examples/demo-pipeline.json failed"
phase_done demo

phase scenario
SLUICE_AWS_CLI=$aws_cli PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$root/tests/e2e/scenario/scenario.py" \
  --api "http://$SLUICE_API_PUBLISH" --identity "$root/compose/secrets/admin.env" --repo "$repo" \
  --deployed "$work/deployed/site" --sinks "$work/sinks" --schemas "$root/schemas/events" \
  --link-command "podman exec $(container approvals) sluice-approvals link {id} {approver}" \
  --approver admin --mid-run "$here/crash.sh $(container orchestrator)" --timeout 120
denied=$(redis_as admin ACL LOG 10)
[[ -z $denied ]] || sluice_die "Redis refused a service's user a command or a key: $(tr '\n' ' ' <<<"$denied")"
stop_helpers
phase_done scenario

phase down
compose down -v >"$log_dir/down.log" 2>&1 || {
  sluice_tail "$log_dir/down.log" 20
  sluice_die "podman-compose down -v failed"
}
left=$(podman ps -a -q --filter "label=io.podman.compose.project=$project")
[[ -z $left ]] || sluice_die "containers left after down: $left"
if podman volume ls -q | grep -q "^${project}_"; then
  sluice_die "volumes left after down -v: $(podman volume ls -q | grep "^${project}_" | tr '\n' ' ')"
fi
podman network rm -f "${project}_default" >/dev/null 2>&1 || true
phase_done down

finished=1
total=$(($(sluice_now_ms) - test_started))
sluice_log "passed in $((total / 1000)).$((total % 1000 / 100))s:"
printf '  %s\n' "${durations[@]}" >&2
rm -rf -- "$log_dir"
