#!/usr/bin/env bash
# Runs a private Redis server for Sluice (Debian's redis-server, bound to
# 127.0.0.1, everything it writes kept in one directory).
#
#   redis.sh start --port P --dir D [--password PW | --acl-user U --acl-password-file F
#                  [--service-users PWDIR]] [--appendonly yes|no] [--timeout SECS]
#       Writes D/redis.conf, starts the server as a daemon (pid in D/redis.pid,
#       log in D/redis.log, data in D) and waits until it answers PING.
#       --password protects the default user; --acl-user U with the one-line
#       password of F (mode 0600) writes D/users.acl (0600) with U allowed
#       every command and key and the default user locked by a password
#       nobody keeps, so nothing is served without AUTH U <password>.
#       --service-users PWDIR adds one user per line of conf/redis-users.acl
#       (the user of each Sluice service, with only its keys and commands),
#       each with the one-line password of PWDIR/redis-<service>.password
#       (mode 0600; made here when missing).
#       With --appendonly no (the default, for tests) nothing is persisted;
#       with yes, writes go to an append-only file and snapshots are kept.
#   redis.sh stop --dir D [--timeout SECS]
#       Shuts the server of D down (SIGTERM, which Redis treats as SHUTDOWN;
#       SIGKILL after SECS, default 10). Succeeds when nothing runs there.
#   redis.sh status --dir D
#       Exits 0 when the server of D is running.
#
# A system instance that Debian's package may have started on 6379 is left
# alone: pick another port.
set -euo pipefail

SLUICE_SCRIPT_NAME=redis.sh
# shellcheck source=lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}

usage() {
  cat >&2 <<'EOF'
usage: redis.sh start --port P --dir D [--password PW | --acl-user U --acl-password-file F
                      [--service-users PWDIR]] [--appendonly yes|no] [--timeout SECS]
       redis.sh stop --dir D [--timeout SECS]
       redis.sh status --dir D
EOF
  exit 2
}

# The pid of D's server if it runs; the process name is checked so that a
# recycled pid is never taken for the server.
redis_running_pid() {
  local dir=$1 pid
  pid=$(sluice_pid_from_file "$dir/redis.pid") || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  printf '%s\n' "$pid"
}

# A value as a double-quoted Redis configuration string.
redis_quote() {
  local value=$1
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  printf '"%s"' "$value"
}

# The users of conf/redis-users.acl as ACL file lines, each with the password of
# PWDIR/redis-<service>.password (made, 0600, when missing).
redis_service_users() {
  local pwdir=$1 name rules file pw
  while read -r name rules; do
    [[ -z $name || $name == \#* ]] && continue
    [[ $name =~ ^[a-z][a-z0-9-]{0,31}$ && -n $rules ]] ||
      sluice_die "$SLUICE_CONF_DIR/redis-users.acl: bad line for '$name'"
    file=$pwdir/redis-$name.password
    if [[ ! -s $file ]]; then
      (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$file" && echo >>"$file")
    fi
    [[ $(stat -c %a -- "$file") =~ ^[0-7]?[0-7]00$ ]] ||
      sluice_die "$file: readable by group or others (chmod 600 it)"
    pw=$(head -n 1 -- "$file")
    [[ $pw =~ ^[A-Za-z0-9._~+/=-]{8,256}$ ]] ||
      sluice_die "$file: the password must be 8..256 characters of A-Z a-z 0-9 . _ ~ + / = -"
    printf 'user %s on >%s %s\n' "$name" "$pw" "$rules"
  done <"$SLUICE_CONF_DIR/redis-users.acl"
}

redis_fail_start() {
  local dir=$1 msg=$2 pid
  sluice_log "error: $msg"
  sluice_tail "$dir/redis.log" 30
  [[ -s $dir/redis.out ]] && sluice_tail "$dir/redis.out" 20
  if pid=$(redis_running_pid "$dir"); then
    sluice_stop_pid "$pid" 5
  fi
  rm -f -- "$dir/redis.pid"
  exit 1
}

cmd_start() {
  local port="" dir="" password="" appendonly=no timeout=30 acl_user="" acl_file="" users_dir=""
  while (($#)); do
    case $1 in
      --port) (($# >= 2)) || usage; port=$2; shift 2 ;;
      --dir) (($# >= 2)) || usage; dir=$2; shift 2 ;;
      --password) (($# >= 2)) || usage; password=$2; shift 2 ;;
      --acl-user) (($# >= 2)) || usage; acl_user=$2; shift 2 ;;
      --acl-password-file) (($# >= 2)) || usage; acl_file=$2; shift 2 ;;
      --service-users) (($# >= 2)) || usage; users_dir=$2; shift 2 ;;
      --appendonly) (($# >= 2)) || usage; appendonly=$2; shift 2 ;;
      --timeout) (($# >= 2)) || usage; timeout=$2; shift 2 ;;
      *) sluice_log "unknown argument '$1'"; usage ;;
    esac
  done
  [[ -n $port && -n $dir ]] || usage
  sluice_require_port "$port"
  case $appendonly in
    yes | no) ;;
    *) sluice_die "--appendonly must be yes or no, got '$appendonly'" ;;
  esac
  case $password in
    *$'\n'* | *$'\r'*) sluice_die "--password must not contain a line break" ;;
  esac
  local acl_password="" cli_user=()
  if [[ -n $acl_user || -n $acl_file ]]; then
    [[ -n $acl_user && -n $acl_file ]] || sluice_die "--acl-user and --acl-password-file go together"
    [[ -z $password ]] || sluice_die "--password and --acl-user exclude each other"
    [[ $acl_user =~ ^[A-Za-z0-9._-]{1,64}$ && $acl_user != default ]] ||
      sluice_die "invalid --acl-user '$acl_user'"
    [[ -f $acl_file ]] || sluice_die "missing password file $acl_file"
    [[ $(stat -c %a -- "$acl_file") =~ ^[0-7]?[0-7]00$ ]] ||
      sluice_die "$acl_file: readable by group or others (chmod 600 it)"
    acl_password=$(head -n 1 -- "$acl_file")
    [[ $acl_password =~ ^[A-Za-z0-9._~+/=-]{8,256}$ ]] ||
      sluice_die "$acl_file: the password must be 8..256 characters of A-Z a-z 0-9 . _ ~ + / = -"
    cli_user=(--user "$acl_user")
    if [[ -n $users_dir ]]; then
      [[ -d $users_dir ]] || sluice_die "--service-users: no directory $users_dir"
    fi
    password=$acl_password # what PING authenticates with below
  fi
  [[ -z $users_dir || -n $acl_user ]] || sluice_die "--service-users needs --acl-user"
  sluice_require_uint --timeout "$timeout"
  sluice_require_cmd "$REDIS_SERVER" "$REDIS_CLI" timeout
  dir=$(sluice_abs_dir "$dir")
  case $dir in
    *[[:space:]\"\\]*) sluice_die "the Redis directory must not contain spaces, quotes or backslashes: '$dir'" ;;
  esac

  if redis_running_pid "$dir" >/dev/null; then
    sluice_die "a Redis server already runs in $dir (pid $(redis_running_pid "$dir")); stop it first"
  fi
  if sluice_port_open "$port"; then
    sluice_die "port $port on 127.0.0.1 is already in use"
  fi

  local save='save ""' requirepass="# no password"
  if [[ $appendonly == yes ]]; then
    save='save 3600 1 300 100 60 10000'
  fi
  if [[ -n $acl_user ]]; then
    requirepass="aclfile $(redis_quote "$dir/users.acl")"
    # The default user stays "on", locked by the hash of a random password nobody keeps:
    # Redis 7.0 replays the MULTI/EXEC blocks of the append-only file as the default user
    # and re-checks its ACL at EXEC, so a default user that is "off" makes every
    # transaction fail while the file loads and their writes are silently lost on restart
    # (redis/redis#14541). Connections must still AUTH as the named user.
    local lock
    lock=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n' | sha256sum | cut -d' ' -f1)
    (
      umask 077
      printf 'user default on #%s ~* &* +@all\nuser %s on >%s ~* &* +@all\n' "$lock" \
        "$acl_user" "$acl_password" >"$dir/users.acl"
    )
    [[ -z $users_dir ]] || redis_service_users "$users_dir" >>"$dir/users.acl"
  elif [[ -n $password ]]; then
    requirepass="requirepass $(redis_quote "$password")"
  fi
  local started
  started=$(sluice_now_ms)
  (
    umask 077
    sluice_render "$SLUICE_CONF_DIR/redis.conf" "$dir/redis.conf" \
      "PORT=$port" "DIR=$dir" "APPENDONLY=$appendonly" "SAVE=$save" \
      "REQUIREPASS=$requirepass"
  )
  [[ -f $dir/redis.log ]] && mv -f -- "$dir/redis.log" "$dir/redis.log.1"
  rm -f -- "$dir/redis.pid"

  # daemonize: the server forks, detaches and points its standard streams at
  # /dev/null, so the caller's pipes close when this script exits.
  if ! "$REDIS_SERVER" "$dir/redis.conf" </dev/null >"$dir/redis.out" 2>&1; then
    redis_fail_start "$dir" "redis-server refused to start"
  fi

  local deadline reply pid
  deadline=$((started + timeout * 1000))
  while :; do
    pid=$(redis_running_pid "$dir" || true)
    if [[ -n $pid ]]; then
      reply=$(REDISCLI_AUTH=$password timeout 2 "$REDIS_CLI" "${cli_user[@]}" -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)
      [[ $reply == PONG ]] && break
    fi
    if (($(sluice_now_ms) >= deadline)); then
      redis_fail_start "$dir" "Redis did not answer PING on 127.0.0.1:$port within ${timeout}s"
    fi
    sleep 0.1
  done
  local took=$(($(sluice_now_ms) - started))
  sluice_log "Redis ready on 127.0.0.1:$port (pid $pid, dir $dir) in $((took / 1000)).$((took % 1000 / 100))s"
}

cmd_stop() {
  sluice_service_stop usage redis_running_pid redis.pid Redis 10 "$@"
}

cmd_status() {
  sluice_service_status usage redis_running_pid "$@"
}

(($# >= 1)) || usage
command=$1
shift
case $command in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  -h | --help | help) usage ;;
  *) sluice_log "unknown command '$command'"; usage ;;
esac
