#!/usr/bin/env bash
# Generates the secrets of the compose stack into compose/secrets/ (or DIR):
#
#   redis-password, redis.acl   Redis: the services' password and the ACL
#                               file (user default: that password, every
#                               command but @dangerous; user admin: all)
#   redis-admin-password        the Redis admin user's password
#   job-credential-keys         the key of job credentials (api + artifacts)
#   <service>.env               what each Sluice service reads through
#                               SLUICE_CONFIG_FILE: SLUICE_REDIS_PASSWORD and,
#                               for the api and the artifact store, the access
#                               keys (SLUICE_API_CREDENTIALS / _ARTIFACTS_)
#   notifier-webhook-url,       the webhook target of compose/config/
#   notifier-webhook-secret     notifier-rules.json (its rule is disabled
#                               until you point the URL somewhere)
#   admin.env, worker.env       AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of
#                               the two identities: admin (role admin) and
#                               worker (role worker, for job workers)
#
#   gen-secrets.sh [--force] [DIR]
#
# Existing files are kept unless --force is given (then all are made anew:
# restart the stack). Files the containers read belong to the group their
# user runs as (10001 for Sluice, 999 for Redis) with mode 0640, or to that
# user with mode 0600 where the service insists (the notifier's target
# secrets); the rest are 0600 and root's. Run as root so the groups can be set; otherwise they are 0644 with a
# warning (good enough on a one-user machine, not on a shared one).
set -euo pipefail

force=0
if [[ ${1:-} == --force ]]; then
  force=1
  shift
fi
dir=${1:-$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/secrets}
mkdir -p -- "$dir"
chmod 0755 -- "$dir"

if ((force == 0)) && [[ -s $dir/redis.acl && -s $dir/api.env && -s $dir/admin.env ]]; then
  echo "gen-secrets.sh: $dir already holds the secrets (--force makes new ones)" >&2
  exit 0
fi

rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
# An access key id as AWS shapes them: AKIA and 16 of A-Z2-7.
rand_akid() {
  printf 'AKIA%s' "$(head -c 64 /dev/urandom | base32 | tr -dc 'A-Z2-7' | head -c 16)"
}
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# put FILE GROUP CONTENT: writes FILE atomically, readable by GROUP (or only
# its owner when GROUP is -, or owned by user U with mode 0600 when GROUP is
# user:U).
put() {
  local file=$dir/$1 group=$2 content=$3
  (umask 077 && printf '%s\n' "$content" >"$file.tmp")
  if [[ $group == user:* ]]; then
    if [[ $(id -u) -eq 0 ]]; then
      chown "${group#user:}" "$file.tmp"
    else
      echo "gen-secrets.sh: warning: not root, $1 cannot be given to uid ${group#user:}" >&2
    fi
  elif [[ $group != - ]]; then
    if [[ $(id -u) -eq 0 ]]; then
      chgrp "$group" "$file.tmp"
      chmod 0640 "$file.tmp"
    else
      echo "gen-secrets.sh: warning: not root, $1 is made world-readable for its container" >&2
      chmod 0644 "$file.tmp"
    fi
  fi
  mv -f -- "$file.tmp" "$file"
}

redis_password=$(rand_hex 24)
redis_admin_password=$(rand_hex 24)
admin_key=$(rand_akid)
admin_secret=$(rand_hex 20)
worker_key=$(rand_akid)
worker_secret=$(rand_hex 20)
credentials="$admin_key:$admin_secret:admin:admin,$worker_key:$worker_secret:worker:worker"

put redis-password 999 "$redis_password"
put redis-admin-password - "$redis_admin_password"
put redis.acl 999 "user default on #$(sha256 "$redis_password") ~* &* +@all -@dangerous
user admin on #$(sha256 "$redis_admin_password") ~* &* +@all"
put job-credential-keys 10001 "compose $(rand_hex 32)"
put orchestrator.env 10001 "SLUICE_REDIS_PASSWORD=$redis_password"
put notifier.env 10001 "SLUICE_REDIS_PASSWORD=$redis_password"
put api.env 10001 "SLUICE_REDIS_PASSWORD=$redis_password
SLUICE_API_CREDENTIALS=$credentials"
put artifacts.env 10001 "SLUICE_ARTIFACTS_CREDENTIALS=$credentials"
put notifier-webhook-url user:10001 "http://127.0.0.1:9/sluice-notifications"
put notifier-webhook-secret user:10001 "$(rand_hex 32)"
put admin.env - "AWS_ACCESS_KEY_ID=$admin_key
AWS_SECRET_ACCESS_KEY=$admin_secret"
put worker.env - "AWS_ACCESS_KEY_ID=$worker_key
AWS_SECRET_ACCESS_KEY=$worker_secret"
echo "gen-secrets.sh: wrote the secrets into $dir" >&2
