#!/usr/bin/env bash
# The Redis user of each Sluice service (scripts/conf/redis-users.acl, as
# scripts/redis.sh --service-users starts it for make run): each reaches its own
# keys, reads only what it reads, and is refused with NOPERM the keys of the
# others and the commands no service sends (FLUSHALL, CONFIG, KEYS). The admin
# user keeps everything (BGSAVE for backups).
#
#   test_redis_service_users.sh SOURCE_DIR
set -euo pipefail
src=$1
SLUICE_SCRIPT_NAME=test_redis_service_users
# shellcheck source=../../../scripts/lib.sh
. "$src/scripts/lib.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-redis-users.XXXXXX")
cleanup() {
  "$src/scripts/redis.sh" stop --dir "$dir/redis" >/dev/null 2>&1 || true
  rm -rf -- "$dir"
}
trap cleanup EXIT

port=$(sluice_free_ports 1)
mkdir -m 700 "$dir/secrets"
(umask 077 && printf 'admin-password-%s\n' "$RANDOM$RANDOM" >"$dir/secrets/redis-admin.password")
"$src/scripts/redis.sh" start --port "$port" --dir "$dir/redis" --acl-user admin \
  --acl-password-file "$dir/secrets/redis-admin.password" --service-users "$dir/secrets" >/dev/null

# as USER ARGS...: the reply of one command sent as USER (its made password).
as() {
  local user=$1
  shift
  REDISCLI_AUTH=$(head -n 1 "$dir/secrets/redis-$user.password") \
    redis-cli -p "$port" --user "$user" --no-auth-warning "$@" 2>&1
}

status=0
# allow USER ARGS...: the command is served (any reply but NOPERM / an error of access).
allow() {
  local reply
  reply=$(as "$@")
  if [[ $reply == *NOPERM* || $reply == *WRONGPASS* || $reply == *NOAUTH* ]]; then
    echo "FAIL: $1 was refused $(printf '%q ' "${@:2}"): $reply"
    status=1
  else
    echo "ok: $1 may $(printf '%q ' "${@:2}")"
  fi
}
# deny USER ARGS...: the command is refused with NOPERM.
deny() {
  local reply
  reply=$(as "$@")
  if [[ $reply != *NOPERM* ]]; then
    echo "FAIL: $1 was not refused $(printf '%q ' "${@:2}"): $reply"
    status=1
  else
    echo "ok: $1 may not $(printf '%q ' "${@:2}")"
  fi
}

for user in orchestrator api approvals source worker notifier; do
  [[ -s $dir/secrets/redis-$user.password && $(stat -c %a "$dir/secrets/redis-$user.password") == 600 ]] || {
    echo "FAIL: redis.sh made no 0600 password file for $user"
    status=1
  }
done
[[ ! -e $dir/secrets/redis-artifacts.password ]] || {
  echo "FAIL: sluice-artifacts, which keeps nothing in Redis, got a user"
  status=1
}

# orchestrator: the engine state is its own; the declarations it only reads
allow orchestrator SET 'sluice:{p}:state' s
allow orchestrator HSET 'sluice:{p}:executions' e1 x
allow orchestrator HSET 'sluice:{p}:rules' r1 x
allow orchestrator ZADD 'sluice:{p}:rules:order' 1 r1
allow orchestrator ZADD sluice:timers 1 t
allow orchestrator RPUSH 'sluice:{p}:reply:r1' answer
allow orchestrator GET 'sluice:{p}:def:v1'
deny orchestrator SET 'sluice:{p}:def:v1' d
deny orchestrator SET 'sluice:{p}:def' d
deny orchestrator HSET 'sluice:{jobs}:job:j1' status x
deny orchestrator SET sluice:approvals:a1:record x
# api: declarations, jobs and webhooks; the archives read only
allow api SET 'sluice:{p}:def' d
allow api SET 'sluice:{p}:def:v1' d
allow api ZADD sluice:pipelines 0 p
allow api HSET 'sluice:{jobs}:job:j1' status x
allow api HSET 'sluice:{webhooks}:defs' w '{}'
allow api GET 'sluice:{p}:state'
allow api HGETALL 'sluice:{p}:executions'
allow api HMGET 'sluice:{p}:rules' r1
allow api ZREVRANGEBYSCORE 'sluice:{p}:rules:order' +inf -inf
allow api LPUSH 'sluice:{p}:reply:r2' x
# (sluice:{p}:state and :exec:* the api reads with a Lua script, whose keys Redis holds to
# read-write patterns: they are the api's to write too)
deny api HSET 'sluice:{p}:executions' e2 x
deny api HSET 'sluice:{p}:rules' r2 x
deny api DEL 'sluice:{p}:outbox'
deny api ZADD sluice:timers 1 t
deny api SET 'sluice:{p}:worker:lease:j1' x
deny api XADD 'sluice:notifier:{slack}:queue' '*' f v
# approvals: its own records and the replies it waits for
allow approvals SET sluice:approvals:a1:record x
allow approvals SADD 'sluice:approvals:{a1}:claims' me
allow approvals BLPOP 'sluice:{p}:reply:r1' 1
deny approvals GET 'sluice:{p}:state'
deny approvals GET 'sluice:{p}:def'
deny approvals HGET 'sluice:{jobs}:job:j1' status
# source: heads and started marks; declarations and webhooks read only
allow source HSET sluice:source:heads u b
allow source SET 'sluice:{p}:source:started:Source' c
allow source GET 'sluice:{p}:def'
allow source ZRANGEBYLEX sluice:pipelines - +
allow source HGET 'sluice:{webhooks}:defs' w
allow source HSET 'sluice:{webhooks}:triggered' id 1
deny source SET 'sluice:{p}:def' d
deny source HSET 'sluice:{webhooks}:defs' w '{}'
deny source GET 'sluice:{p}:state'
deny source ZADD sluice:pipelines 0 q
# worker: its leases; the declarations read only
allow worker SET 'sluice:{p}:worker:lease:j1' owner PX 1000
allow worker ZADD sluice:worker:running 1 j1
allow worker GET 'sluice:{p}:def:v1'
deny worker SET 'sluice:{p}:def:v1' d
deny worker GET 'sluice:{p}:state'
deny worker HGET 'sluice:{jobs}:job:j1' status
deny worker GET sluice:approvals:a1:record
# notifier: its queues; the archived executions read only
allow notifier XADD 'sluice:notifier:{slack}:queue' '*' f v
allow notifier HGET 'sluice:{p}:executions' e1
deny notifier HSET 'sluice:{p}:executions' e1 y
deny notifier GET 'sluice:{p}:state'
deny notifier SET sluice:source:heads x
# commands no service sends
for user in orchestrator api approvals source worker notifier; do
  deny "$user" FLUSHALL
  deny "$user" CONFIG GET dir
  deny "$user" KEYS '*'
done
deny notifier HGETALL 'sluice:{p}:executions'
# the admin keeps every command
reply=$(REDISCLI_AUTH=$(cat "$dir/secrets/redis-admin.password") redis-cli -p "$port" --user admin \
  --no-auth-warning BGSAVE 2>&1)
if [[ $reply != *"Background saving started"* ]]; then
  echo "FAIL: the admin user may not BGSAVE: $reply"
  status=1
else
  echo "ok: the admin user may BGSAVE"
fi
# a second start keeps the password files (a service restarted later still logs in)
before=$(cat "$dir/secrets/redis-api.password")
"$src/scripts/redis.sh" stop --dir "$dir/redis" >/dev/null
"$src/scripts/redis.sh" start --port "$port" --dir "$dir/redis" --acl-user admin \
  --acl-password-file "$dir/secrets/redis-admin.password" --service-users "$dir/secrets" >/dev/null
if [[ $(cat "$dir/secrets/redis-api.password") != "$before" ]]; then
  echo "FAIL: a second start made the api's password anew"
  status=1
fi
allow api GET 'sluice:{p}:def'
exit $status
