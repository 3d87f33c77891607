#!/usr/bin/env bash
# compose/docker-compose.yml, alone and with the scale override, with no .env
# and with compose/.env.example, parse with docker-compose (Docker's own
# reading of the files, not podman-compose's); the scale override sets the
# orchestrator's replicas, only the api, the artifact store, the approvals, the source and the console services publish ports,
# every secret mount is a service's own copy, the bus key file is set where
# it is required and every Sluice service logs in to Kafka with SASL.
#
#   check-config.sh DOCKER_COMPOSE ROOT
set -euo pipefail
dc=$1
root=$2
cd -- "$root/compose"
# Secrets need not exist to parse, and the check must not depend on them.
export COMPOSE_PROJECT_NAME=sluice-config-check
fail() {
  echo "check-config.sh: $*" >&2
  exit 1
}
"$dc" -f docker-compose.yml config -q || fail "docker-compose.yml does not parse"
"$dc" --env-file .env.example -f docker-compose.yml config -q ||
  fail "docker-compose.yml does not parse with .env.example"
scaled=$("$dc" --env-file .env.example -f docker-compose.yml -f docker-compose.scale.yml config) ||
  fail "docker-compose.scale.yml does not parse"
grep -A1 '^    deploy:' <<<"$scaled" | grep -q 'replicas: 3' ||
  fail "the scale override does not set 3 orchestrator replicas"
services=$("$dc" -f docker-compose.yml config --services | sort | tr '\n' ' ')
[[ $services == "api approvals artifacts console kafka kafka-topics notifier orchestrator redis source worker " ]] ||
  fail "unexpected services: $services"
published=$("$dc" -f docker-compose.yml config |
  awk '/^    ports:/ {p = 1; next} p && /^    - / {print $2; next} {p = 0}' | sort | tr '\n' ' ')
[[ $published == "127.0.0.1:7070:7070/tcp 127.0.0.1:7071:7071/tcp 127.0.0.1:7072:7072/tcp 127.0.0.1:7073:7073/tcp 127.0.0.1:7077:7077/tcp " ]] ||
  fail "published ports are '$published', not only the api's, the artifact store's, the approval pages', the webhooks' and the console's on 127.0.0.1"
# Every secret a container reads is its own copy (secrets/<service>/...), made
# for the uid it runs as: a file shared between services would be owned by at
# most one of them.
# (a service's own directory of copies, mounted whole, is its copy: the notifier's)
shared=$("$dc" -f docker-compose.yml config | grep -o '/compose/secrets/[^/:]*:' |
  grep -v '/compose/secrets/notifier:' || true)
[[ -z $shared ]] || fail "secrets mounted from compose/secrets/ itself, not a service's copy: $shared"
for svc in orchestrator api worker source approvals console; do
  "$dc" -f docker-compose.yml config | sed -n "/^  $svc:/,/^  [a-z]/p" |
    grep -q "SLUICE_BUS_KEY_FILE: /run/secrets/bus-keys" || fail "$svc has no SLUICE_BUS_KEY_FILE"
done
for svc in orchestrator api artifacts notifier worker source approvals console; do
  "$dc" -f docker-compose.yml config | sed -n "/^  $svc:/,/^  [a-z]/p" |
    grep -q "SLUICE_KAFKA_SECURITY_PROTOCOL: SASL_PLAINTEXT" || fail "$svc does not log in to Kafka"
done
echo "check-config.sh: docker-compose parses compose/ (services: $services)"
