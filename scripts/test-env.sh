#!/usr/bin/env bash
# Starts and stops the Kafka broker and Redis server that Sluice's integration
# tests run against (the integration_env ctest fixture).
#
#   test-env.sh start DIR
#       Fetches Kafka if needed, stops whatever a previous run left in DIR,
#       picks free loopback ports, starts Redis (DIR/redis) and Kafka
#       (DIR/kafka) side by side with fresh data, then writes DIR/env:
#         SLUICE_TEST_KAFKA_BROKERS=127.0.0.1:<port>
#         SLUICE_TEST_REDIS_HOST=127.0.0.1
#         SLUICE_TEST_REDIS_PORT=<port>
#         SLUICE_TEST_KAFKA_DIR=<DIR/kafka>
#         SLUICE_TEST_REDIS_DIR=<DIR/redis>
#         SLUICE_TEST_JOB_CREDENTIAL_KEYS_FILE=<DIR/job-credential-keys>
#         SLUICE_TEST_BUS_KEY_FILE=<DIR/bus-keys>            (mode 0600)
#         SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE=<DIR/id-key>  (mode 0600)
#       With SLUICE_TEST_SECURE=1 both run secured: Kafka with a SASL/SCRAM
#       listener and ACLs (kafka.sh start --sasl, ACL prefix "sluice"), Redis
#       with the ACL user "sluice" and the default user off; the passwords are
#       generated into DIR/secrets (files 0600) and DIR/env adds:
#         SLUICE_TEST_SECURE=1
#         SLUICE_TEST_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
#         SLUICE_TEST_KAFKA_SASL_MECHANISM=SCRAM-SHA-256
#         SLUICE_TEST_KAFKA_SASL_USERNAME=sluice
#         SLUICE_TEST_KAFKA_SASL_PASSWORD_FILE=<DIR/secrets/sluice.password>
#         SLUICE_TEST_KAFKA_READER_USERNAME=reader
#         SLUICE_TEST_KAFKA_READER_PASSWORD_FILE=<DIR/secrets/reader.password>
#         SLUICE_TEST_KAFKA_ACL_PREFIX=sluice   (topics and groups of User:sluice)
#         SLUICE_TEST_REDIS_USERNAME=sluice
#         SLUICE_TEST_REDIS_PASSWORD_FILE=<DIR/secrets/redis.password>
#         SLUICE_TEST_KAFKA_ADMIN_CONFIG=<DIR/secrets/admin.properties> (the super user's,
#                                        for kafka.sh run-class kafka.admin.AclCommand)
#   test-env.sh stop DIR
#       Stops both and removes DIR/env; logs stay in DIR. Succeeds when
#       nothing runs.
#
# Environment: SLUICE_TEST_SECURE (1: secured servers, see above),
# SLUICE_TEST_KAFKA_PARTITIONS (default number of partitions of
# auto-created topics, 3), SLUICE_TEST_START_TIMEOUT (seconds per server, 120),
# and whatever kafka.sh reads (SLUICE_CACHE_DIR, ...).
set -euo pipefail

SLUICE_SCRIPT_NAME=test-env.sh
# shellcheck source=lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

KAFKA_SH="$SLUICE_SCRIPTS_DIR/kafka.sh"
REDIS_SH="$SLUICE_SCRIPTS_DIR/redis.sh"
PARTITIONS=${SLUICE_TEST_KAFKA_PARTITIONS:-3}
START_TIMEOUT=${SLUICE_TEST_START_TIMEOUT:-120}
# A port picked free can be taken by someone else before a server binds it;
# such a start is tried again with new ports.
START_ATTEMPTS=3
SECURE=${SLUICE_TEST_SECURE:-0}
ACL_PREFIX=sluice
KAFKA_SECURE_ARGS=()
REDIS_SECURE_ARGS=()

usage() {
  echo "usage: test-env.sh start DIR | test-env.sh stop DIR" >&2
  exit 2
}

stop_all() {
  local dir=$1 kpid rpid rc=0
  rm -f -- "$dir/env"
  "$KAFKA_SH" stop --dir "$dir/kafka" &
  kpid=$!
  "$REDIS_SH" stop --dir "$dir/redis" &
  rpid=$!
  wait "$kpid" || rc=1
  wait "$rpid" || rc=1
  return "$rc"
}

# Starts both servers once; returns 0 when both are up, 1 when one failed,
# 75 when the failure looks like a port taken in the meantime.
start_once() {
  local dir=$1 kport=$2 cport=$3 rport=$4 kpid rpid krc=0 rrc=0
  rm -rf -- "$dir/kafka/data" "$dir/kafka/cluster.id"
  "$REDIS_SH" start --port "$rport" --dir "$dir/redis" --appendonly no \
    --timeout "$START_TIMEOUT" "${REDIS_SECURE_ARGS[@]}" >"$dir/redis-start.log" 2>&1 &
  rpid=$!
  "$KAFKA_SH" start --port "$kport" --controller-port "$cport" --dir "$dir/kafka" \
    --partitions "$PARTITIONS" --timeout "$START_TIMEOUT" "${KAFKA_SECURE_ARGS[@]}" \
    >"$dir/kafka-start.log" 2>&1 &
  kpid=$!
  wait "$rpid" || rrc=$?
  wait "$kpid" || krc=$?
  cat -- "$dir/redis-start.log" "$dir/kafka-start.log" >&2
  ((rrc == 0 && krc == 0)) && return 0

  stop_all "$dir" || true
  if grep -qsiE 'address already in use|already in use' \
    "$dir/redis-start.log" "$dir/kafka-start.log" "$dir/redis/redis.log" \
    "$dir/kafka/kafka.log" "$dir/kafka/kafka.out"; then
    return 75
  fi
  return 1
}

cmd_start() {
  local dir started
  dir=$(sluice_abs_dir "$1")
  started=$(sluice_now_ms)
  sluice_require_uint SLUICE_TEST_KAFKA_PARTITIONS "$PARTITIONS"
  sluice_require_uint SLUICE_TEST_START_TIMEOUT "$START_TIMEOUT"

  stop_all "$dir" || sluice_die "could not stop the servers a previous run left in $dir"
  "$KAFKA_SH" fetch
  case $SECURE in
    0 | "") ;;
    1)
      local user
      mkdir -p -- "$dir/secrets"
      chmod 700 -- "$dir/secrets"
      for user in broker sluice reader redis; do
        (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$dir/secrets/$user.password" &&
          echo >>"$dir/secrets/$user.password")
      done
      KAFKA_SECURE_ARGS=(--sasl "$dir/secrets" --acl-prefix "$ACL_PREFIX")
      REDIS_SECURE_ARGS=(--acl-user sluice --acl-password-file "$dir/secrets/redis.password")
      ;;
    *) sluice_die "SLUICE_TEST_SECURE must be 0 or 1, got '$SECURE'" ;;
  esac

  local attempt ports kport cport rport rc
  for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
    ports=$(sluice_free_ports 3)
    read -r kport cport rport <<<"$ports"
    [[ -n $rport ]] || sluice_die "could not pick free ports (got '$ports')"
    rc=0
    start_once "$dir" "$kport" "$cport" "$rport" || rc=$?
    ((rc == 0)) && break
    if ((rc != 75)); then
      sluice_die "the test servers did not start; logs are in $dir/kafka and $dir/redis"
    fi
    sluice_log "a picked port was taken meanwhile (attempt $attempt of $START_ATTEMPTS)"
  done
  ((rc == 0)) || sluice_die "no free ports after $START_ATTEMPTS attempts"

  # the job credential key the api signs with and sluice-artifacts verifies with
  (umask 077 && printf 'test %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
    >"$dir/job-credential-keys")
  # the bus key every test signs and verifies with, the orchestrator's id key
  (umask 077 && printf 'test %s\n' "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
    >"$dir/bus-keys" && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$dir/id-key")
  chmod 600 "$dir/bus-keys" "$dir/id-key"
  cat >"$dir/env.tmp" <<EOF
SLUICE_TEST_JOB_CREDENTIAL_KEYS_FILE=$dir/job-credential-keys
SLUICE_TEST_BUS_KEY_FILE=$dir/bus-keys
SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE=$dir/id-key
SLUICE_TEST_KAFKA_BROKERS=127.0.0.1:$kport
SLUICE_TEST_REDIS_HOST=127.0.0.1
SLUICE_TEST_REDIS_PORT=$rport
SLUICE_TEST_KAFKA_DIR=$dir/kafka
SLUICE_TEST_REDIS_DIR=$dir/redis
EOF
  if [[ $SECURE == 1 ]]; then
    cat >>"$dir/env.tmp" <<EOF
SLUICE_TEST_SECURE=1
SLUICE_TEST_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
SLUICE_TEST_KAFKA_SASL_MECHANISM=SCRAM-SHA-256
SLUICE_TEST_KAFKA_SASL_USERNAME=sluice
SLUICE_TEST_KAFKA_SASL_PASSWORD_FILE=$dir/secrets/sluice.password
SLUICE_TEST_KAFKA_READER_USERNAME=reader
SLUICE_TEST_KAFKA_READER_PASSWORD_FILE=$dir/secrets/reader.password
SLUICE_TEST_KAFKA_ACL_PREFIX=$ACL_PREFIX
SLUICE_TEST_REDIS_USERNAME=sluice
SLUICE_TEST_REDIS_PASSWORD_FILE=$dir/secrets/redis.password
SLUICE_TEST_KAFKA_ADMIN_CONFIG=$dir/secrets/admin.properties
EOF
  fi
  mv -f -- "$dir/env.tmp" "$dir/env"
  local took=$(($(sluice_now_ms) - started))
  sluice_log "test servers ready in $((took / 1000)).$((took % 1000 / 100))s; addresses in $dir/env"
}

cmd_stop() {
  local dir=$1
  [[ -d $dir ]] || return 0
  dir=$(cd -- "$dir" && pwd -P)
  stop_all "$dir" || sluice_die "could not stop the test servers of $dir"
}

(($# == 2)) || usage
[[ -n $2 ]] || usage
case $1 in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  *) sluice_log "unknown command '$1'"; usage ;;
esac
