#!/usr/bin/env bash
# Generates the secrets of the compose stack into compose/secrets/ (or DIR):
#
#   redis.acl                   Redis's ACL file, made anew on every run:
#                               user admin (every command: backups), one user
#                               per service of scripts/conf/redis-users.acl
#                               (only its keys and commands), and the default
#                               user locked by a password nobody keeps
#   redis-admin-password        the Redis admin user's password
#   redis-<service>-password    the password of each service's Redis user
#                               (orchestrator, api, approvals, source, worker,
#                               notifier)
#   job-credential-keys         the key of job credentials (api, artifacts,
#                               worker)
#   bus-keys                    the bus key file ("<key-id> <64 hex>"): signs
#                               and verifies bus messages (api, orchestrator,
#                               worker, source, approvals)
#   approval-link-key           the key of the approval links (approvals, and the
#                               notifier: approvers' own links in mails)
#   id-key                      the orchestrator's id key (64 hex)
#   kafka-broker-password,      Kafka's SCRAM users: the broker (super user;
#   kafka-sluice-password       kafka and kafka-topics) and sluice (every
#                               Sluice service, as kafka-password)
#   <service>.env               what each Sluice service reads through
#                               SLUICE_CONFIG_FILE: SLUICE_REDIS_USERNAME and
#                               SLUICE_REDIS_PASSWORD of its own user and,
#                               for the api, the artifact store, the
#                               approvals service and the notifier, the
#                               access keys (SLUICE_API_CREDENTIALS /
#                               _ARTIFACTS_; the notifier keeps only the
#                               identities' groups and e-mail addresses)
#   notifier-webhook-url,       the webhook target of compose/config/
#   notifier-webhook-secret     notifier-rules.json (its rule is disabled
#                               until you point the URL somewhere)
#   admin.env, worker.env       AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of
#                               the two identities: admin (role admin) and
#                               worker (role worker, for job workers)
#
#   gen-secrets.sh [--force] [DIR]
#
# The files above are the originals, root's and mode 0600. What a container
# reads is a copy under DIR/<service>/ (orchestrator, api, artifacts,
# notifier, worker: uid 10001; redis: uid 999; kafka: uid 1000), owned by
# the uid the container runs as and mode 0600 — Sluice refuses a secret file
# that is not its process's own or that its group or others may read. Each service gets
# only the files it uses. Run as root so the copies can be given away;
# otherwise they stay the caller's, with a warning (then only rootless
# podman with --userns=keep-id, or a one-user machine, can use them).
#
# Existing files are kept unless --force is given (then all are made anew:
# restart the stack); the per-service copies are made again on every run.
set -euo pipefail

force=0
if [[ ${1:-} == --force ]]; then
  force=1
  shift
fi
dir=${1:-$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/secrets}
mkdir -p -- "$dir"
chmod 0755 -- "$dir"

rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
# An access key id as AWS shapes them: AKIA and 16 of A-Z2-7.
rand_akid() {
  printf 'AKIA%s' "$(head -c 64 /dev/urandom | base32 | tr -dc 'A-Z2-7' | head -c 16)"
}
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# put FILE CONTENT: writes DIR/FILE atomically, mode 0600.
put() {
  local file=$dir/$1
  (umask 077 && printf '%s\n' "$2" >"$file.tmp")
  mv -f -- "$file.tmp" "$file"
}

# give SERVICE UID FILE[:NAME]...: copies DIR/FILE to DIR/SERVICE/NAME (NAME
# defaults to FILE), owned by UID, mode 0600.
warned=0
give() {
  local service=$1 uid=$2 spec src name
  shift 2
  (umask 022 && mkdir -p -- "$dir/$service")
  for spec in "$@"; do
    src=${spec%%:*}
    name=${spec#*:}
    (umask 077 && cp -- "$dir/$src" "$dir/$service/$name.tmp")
    chmod 0600 -- "$dir/$service/$name.tmp"
    if [[ $(id -u) -eq 0 ]]; then
      chown "$uid:$uid" -- "$dir/$service/$name.tmp"
    elif ((warned == 0)); then
      echo "gen-secrets.sh: warning: not root, the copies in $dir/<service>/ cannot be given to their container's uid" >&2
      warned=1
    fi
    mv -f -- "$dir/$service/$name.tmp" "$dir/$service/$name"
  done
}

redis_admin_password=$(rand_hex 24)
admin_key=$(rand_akid)
admin_secret=$(rand_hex 20)
worker_key=$(rand_akid)
worker_secret=$(rand_hex 20)
credentials="$admin_key:$admin_secret:admin:admin,$worker_key:$worker_secret:worker:worker"

if ((force == 1)) || [[ ! -s $dir/api.env || ! -s $dir/admin.env ]]; then
  put redis-admin-password "$redis_admin_password"
  put job-credential-keys "compose $(rand_hex 32)"
  put orchestrator.env ""
  put notifier.env ""
  put worker-service.env ""
  put api.env "SLUICE_API_CREDENTIALS=$credentials"
  put artifacts.env "SLUICE_ARTIFACTS_CREDENTIALS=$credentials"
  put notifier-webhook-url "http://127.0.0.1:9/sluice-notifications"
  put notifier-webhook-secret "$(rand_hex 32)"
  put admin.env "AWS_ACCESS_KEY_ID=$admin_key
AWS_SECRET_ACCESS_KEY=$admin_secret"
  put worker.env "AWS_ACCESS_KEY_ID=$worker_key
AWS_SECRET_ACCESS_KEY=$worker_secret"
fi
# Added after the files above: made when missing, so an older DIR gains them.
if ((force == 1)) || [[ ! -e $dir/worker-service.env ]]; then
  put worker-service.env ""
fi
if ((force == 1)) || [[ ! -s $dir/redis-admin-password ]]; then
  put redis-admin-password "$redis_admin_password"
fi
if ((force == 1)) || [[ ! -s $dir/bus-keys ]]; then
  put bus-keys "compose $(rand_hex 32)"
fi
if ((force == 1)) || [[ ! -s $dir/id-key ]]; then
  put id-key "$(rand_hex 32)"
fi
if ((force == 1)) || [[ ! -s $dir/kafka-broker-password ]]; then
  put kafka-broker-password "$(rand_hex 24)"
fi
if ((force == 1)) || [[ ! -s $dir/kafka-sluice-password ]]; then
  put kafka-sluice-password "$(rand_hex 24)"
fi
if ((force == 1)) || [[ ! -e $dir/source.env ]]; then
  put source.env ""
fi
if ((force == 1)) || [[ ! -s $dir/approvals.env ]] ||
  ! grep -q '^SLUICE_API_CREDENTIALS=' "$dir/approvals.env"; then
  put approvals.env "$(grep '^SLUICE_API_CREDENTIALS=' "$dir/api.env")"
fi
if ((force == 1)) || [[ ! -s $dir/console.env ]] ||
  ! grep -q '^SLUICE_API_CREDENTIALS=' "$dir/console.env"; then
  put console.env "$(grep '^SLUICE_API_CREDENTIALS=' "$dir/api.env")"
fi
if ((force == 1)) || [[ ! -s $dir/approval-link-key ]]; then
  put approval-link-key "$(rand_hex 32)"
fi
# the notifier mails approvers their own links: it reads the identities (names, groups, e-mail
# addresses; it keeps no secret of them) beside the link key
if ((force == 1)) || ! grep -q '^SLUICE_API_CREDENTIALS=' "$dir/notifier.env"; then
  put notifier.env "$(grep '^SLUICE_REDIS_PASSWORD=' "$dir/orchestrator.env")
$(grep '^SLUICE_API_CREDENTIALS=' "$dir/api.env")"
fi

# Redis: one user per service (its rules from scripts/conf/redis-users.acl), each
# service's .env naming its user; the ACL file is made anew from the kept passwords.
# The default user stays on, locked by the hash of a random password: Redis 7.0
# replays the append-only file's transactions as the default user
# (scripts/redis.sh says more).
users=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/../scripts/conf/redis-users.acl
[[ -f $users ]] || { echo "gen-secrets.sh: no $users" >&2; exit 1; }
acl="user default on #$(sha256 "$(rand_hex 32)") ~* &* +@all
user admin on #$(sha256 "$(head -n 1 "$dir/redis-admin-password")") ~* &* +@all"
redis_env_of() {
  case $1 in
    worker) echo worker-service.env ;;
    *) echo "$1.env" ;;
  esac
}
while read -r name rules; do
  [[ -z $name || $name == \#* ]] && continue
  if ((force == 1)) || [[ ! -s $dir/redis-$name-password ]]; then
    put "redis-$name-password" "$(rand_hex 24)"
  fi
  password=$(head -n 1 "$dir/redis-$name-password")
  acl+=$'\n'"user $name on #$(sha256 "$password") $rules"
  env_file=$(redis_env_of "$name")
  [[ -e $dir/$env_file ]] || { echo "gen-secrets.sh: no $dir/$env_file for Redis user $name" >&2; exit 1; }
  rest=$(grep -v '^SLUICE_REDIS_\(USERNAME\|PASSWORD\)=' "$dir/$env_file" | grep . || true)
  put "$env_file" "${rest:+$rest$'\n'}SLUICE_REDIS_USERNAME=$name
SLUICE_REDIS_PASSWORD=$password"
done <"$users"
put redis.acl "$acl"
rm -f -- "$dir/redis-password" "$dir/redis/redis-password"

give redis 999 redis.acl redis-admin-password
give kafka 1000 kafka-broker-password kafka-sluice-password
give orchestrator 10001 orchestrator.env:sluice.env kafka-sluice-password:kafka-password bus-keys id-key
give api 10001 api.env:sluice.env kafka-sluice-password:kafka-password bus-keys job-credential-keys
give artifacts 10001 artifacts.env:sluice.env kafka-sluice-password:kafka-password job-credential-keys
give notifier 10001 notifier.env:sluice.env kafka-sluice-password:kafka-password notifier-webhook-url \
  notifier-webhook-secret approval-link-key
give worker 10001 worker-service.env:sluice.env kafka-sluice-password:kafka-password bus-keys \
  job-credential-keys
give source 10001 source.env:sluice.env kafka-sluice-password:kafka-password bus-keys \
  job-credential-keys
give approvals 10001 approvals.env:sluice.env kafka-sluice-password:kafka-password bus-keys \
  approval-link-key
echo "gen-secrets.sh: the secrets are in $dir, the containers' copies in $dir/<service>/" >&2
give console 10001 console.env:sluice.env kafka-sluice-password:kafka-password bus-keys
