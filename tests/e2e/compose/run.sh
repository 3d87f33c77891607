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
#   up        podman-compose up -d, the api and artifact store published on
#             free loopback ports (SLUICE_API_PUBLISH, SLUICE_ARTIFACTS_PUBLISH)
#   healthy   every Sluice container answers /healthz, Redis PONG; the
#             topics made; Kafka refuses the sluice user a topic outside
#             its ACLs' prefix
#   scenario  scenario.py: pipeline, job worker, orchestrator killed and
#             restarted by its restart policy, approval, Succeeded, S3 put/get
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

down() {
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
read -r -a ports <<<"$(sluice_free_ports 4)"
api_port=${ports[0]:?no free port}
artifacts_port=${ports[1]:?no free port}
export SLUICE_API_PUBLISH=127.0.0.1:$api_port
export SLUICE_ARTIFACTS_PUBLISH=127.0.0.1:$artifacts_port
export SLUICE_SOURCE_PUBLISH=127.0.0.1:${ports[2]:?no free port}
export SLUICE_APPROVALS_PUBLISH=127.0.0.1:${ports[3]:?no free port}
export SLUICE_APPROVALS_PUBLIC_URL=http://$SLUICE_APPROVALS_PUBLISH
# The images exist (images phase): never let podman-compose build.
compose up -d --no-build >"$log_dir/up.log" 2>&1 || {
  sluice_tail "$log_dir/up.log" 40
  sluice_die "podman-compose up failed"
}
phase_done up

phase healthy
container() { printf '%s_%s_1\n' "$project" "$1"; }
deadline=$(($(sluice_now_ms) + 240000))
pending=(redis orchestrator api artifacts notifier worker source approvals)
while ((${#pending[@]})); do
  still=()
  for svc in "${pending[@]}"; do
    if [[ $svc == redis ]]; then
      podman exec "$(container redis)" sh -c \
        'redis-cli --no-auth-warning -a "$(cat /run/secrets/redis-password)" ping' 2>/dev/null |
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
phase_done healthy

phase scenario
SLUICE_AWS_CLI=$aws_cli PYTHONDONTWRITEBYTECODE=1 "$python" "$here/scenario.py" \
  "http://$SLUICE_API_PUBLISH" "http://$SLUICE_ARTIFACTS_PUBLISH" "$root/compose/secrets" \
  "$(container orchestrator)"
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
