#!/usr/bin/env bash
# What `make run` writes to Redis survives a restart: scripts/redis.sh with an
# ACL user and the append-only file (as run.sh starts it) keeps the writes of
# MULTI/EXEC transactions — the orchestrator's compare-and-set and the api's
# saves are transactions — across a stop and a start, and still serves nothing
# without AUTH. (A disabled default user made Redis drop every transaction of
# the file while loading it.)
#
#   test_redis_acl_restart.sh SOURCE_DIR
set -euo pipefail
src=$1
SLUICE_SCRIPT_NAME=test_redis_acl_restart
# shellcheck source=../../../scripts/lib.sh
. "$src/scripts/lib.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-redis-acl.XXXXXX")
cleanup() {
  "$src/scripts/redis.sh" stop --dir "$dir/redis" >/dev/null 2>&1 || true
  rm -rf -- "$dir"
}
trap cleanup EXIT

port=$(sluice_free_ports 1)
(umask 077 && printf 'test-password-%s\n' "$RANDOM$RANDOM" >"$dir/redis.password")
start() {
  "$src/scripts/redis.sh" start --port "$port" --dir "$dir/redis" --appendonly yes \
    --acl-user sluice --acl-password-file "$dir/redis.password" >/dev/null
}
cli() { REDISCLI_AUTH=$(cat "$dir/redis.password") redis-cli -p "$port" --user sluice --no-auth-warning "$@"; }

start
# a transaction, as the services write, and a plain write
printf 'MULTI\nSET sluice:t:multi from-a-transaction\nHSET sluice:t:hash f v\nEXEC\nSET sluice:t:plain plain\n' |
  cli >/dev/null
"$src/scripts/redis.sh" stop --dir "$dir/redis" >/dev/null
start

status=0
for key in sluice:t:multi sluice:t:plain; do
  value=$(cli GET "$key")
  if [[ -z $value ]]; then
    echo "FAIL: $key is gone after the restart"
    status=1
  else
    echo "ok: $key survived the restart ($value)"
  fi
done
if [[ $(cli HGET sluice:t:hash f) != v ]]; then
  echo "FAIL: the transaction's HSET is gone after the restart"
  status=1
fi
if grep -q "AOF-loading-client" "$dir/redis/redis.log"; then
  echo "FAIL: Redis refused commands of its append-only file:"
  grep "AOF-loading-client" "$dir/redis/redis.log" | head -3
  status=1
fi
# nothing without AUTH, the default user included
reply=$(redis-cli -p "$port" PING 2>&1 || true)
if [[ $reply != *NOAUTH* ]]; then
  echo "FAIL: an unauthenticated PING was answered: $reply"
  status=1
else
  echo "ok: an unauthenticated PING is refused ($reply)"
fi
reply=$(redis-cli -p "$port" --user default --pass guess --no-auth-warning PING 2>&1 || true)
if [[ $reply == PONG ]]; then
  echo "FAIL: the default user answered with a guessed password"
  status=1
fi
exit $status
