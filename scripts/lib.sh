# shellcheck shell=bash
# Shared helpers for Sluice's service scripts (kafka.sh, redis.sh, test-env.sh).
#
# Source it after `set -euo pipefail` and after setting SLUICE_SCRIPT_NAME (the
# prefix of every message). It defines no state of its own beyond constants:
# every helper takes what it needs as arguments.
#
#   sluice_log MSG...            message on stderr, prefixed with the script name
#   sluice_die MSG...            the same, then exit 1
#   sluice_cache_dir             where downloaded artifacts are kept
#   sluice_abs_dir DIR           creates DIR and prints its absolute path
#   sluice_require_cmd CMD...    fails unless every CMD is on PATH
#   sluice_require_port VALUE    fails unless VALUE is a TCP port number
#   sluice_require_uint NAME V   fails unless V is a non-negative integer
#   sluice_port_open PORT        true when 127.0.0.1:PORT accepts connections
#   sluice_free_ports N          prints N distinct free loopback TCP ports
#   sluice_pid_from_file FILE    prints the pid in FILE if that process is alive
#   sluice_pid_gone PID          true when PID has exited (even if not reaped)
#   sluice_stop_pid PID SECS     SIGTERM, wait up to SECS, then SIGKILL
#   sluice_render TPL OUT K=V... copies TPL to OUT replacing @K@ with V
#   sluice_tail FILE [N]         prints the last N lines of FILE, indented
#   sluice_now_ms                milliseconds since the epoch
#   sluice_service_stop USAGE PIDFN PIDFILE WHAT SECS ARGS...
#                                a service script's "stop --dir D [--timeout SECS]"
#   sluice_service_status USAGE PIDFN ARGS...
#                                a service script's "status --dir D"

# The directory holding these scripts, whatever the caller's working directory.
SLUICE_SCRIPTS_DIR=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
# shellcheck disable=SC2034 # read by the scripts that source this file
SLUICE_CONF_DIR="$SLUICE_SCRIPTS_DIR/conf"

# Bash 5.2 lets '&' in a ${var//pat/rep} replacement stand for the match; the
# template renderer wants it literal.
shopt -u patsub_replacement 2>/dev/null || true

sluice_log() {
  printf '%s: %s\n' "${SLUICE_SCRIPT_NAME:-sluice}" "$*" >&2
}

sluice_die() {
  sluice_log "error: $*"
  exit 1
}

sluice_cache_dir() {
  printf '%s\n' "${SLUICE_CACHE_DIR:-${HOME:-/root}/.cache/sluice}"
}

sluice_abs_dir() {
  local dir=$1
  case $dir in
    *$'\n'*) sluice_die "directory name must not contain a newline: '$dir'" ;;
    '') sluice_die "empty directory name" ;;
  esac
  mkdir -p -- "$dir" || sluice_die "cannot create directory '$dir'"
  (cd -- "$dir" && pwd -P)
}

sluice_require_cmd() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 ||
      sluice_die "'$cmd' is not installed (run scripts/install-deps.sh)"
  done
}

sluice_require_port() {
  local value=$1
  if [[ ! $value =~ ^[0-9]{1,5}$ ]] || ((10#$value < 1 || 10#$value > 65535)); then
    sluice_die "not a TCP port: '$value'"
  fi
}

sluice_require_uint() {
  local name=$1 value=$2
  [[ $value =~ ^[0-9]{1,9}$ ]] || sluice_die "$name must be a non-negative integer, got '$value'"
}

# Bash's /dev/tcp connects without any extra tool; `timeout` bounds a
# connect that would hang.
sluice_port_open() {
  local port=$1
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" >/dev/null 2>&1
}

# Binding port 0 lets the kernel choose; all N sockets are held open together
# so the ports are distinct. Falls back to probing random ports with ss.
sluice_free_ports() {
  local count=$1 py
  for py in /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" - "$count" <<'EOF' && return 0
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
    fi
  done
  sluice_require_cmd ss
  local ports=() port tries=0
  while ((${#ports[@]} < count)); do
    ((tries++ < 1000)) || sluice_die "could not find $count free TCP ports"
    port=$((20000 + RANDOM % 30000))
    [[ " ${ports[*]} " == *" $port "* ]] && continue
    if ! ss -Htln "sport = :$port" | grep -q .; then
      ports+=("$port")
    fi
  done
  printf '%s\n' "${ports[*]}"
}

sluice_pid_from_file() {
  local file=$1 pid
  [[ -f $file ]] || return 1
  pid=$(tr -d '[:space:]' <"$file" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

# A process that has exited but not been reaped yet counts as stopped.
sluice_pid_gone() {
  local pid=$1 stat
  kill -0 "$pid" 2>/dev/null || return 0
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
  # The state follows the command name, which is in parentheses.
  stat=${stat##*) }
  [[ ${stat:0:1} == Z ]]
}

sluice_stop_pid() {
  local pid=$1 secs=$2 deadline i
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$(($(sluice_now_ms) + secs * 1000))
  until sluice_pid_gone "$pid"; do
    if (($(sluice_now_ms) >= deadline)); then
      sluice_log "process $pid still running after ${secs}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        sluice_pid_gone "$pid" && break
        sleep 0.1
      done
      return 0
    fi
    sleep 0.1
  done
}

sluice_render() {
  local template=$1 out=$2 content pair key value
  shift 2
  [[ -f $template ]] || sluice_die "missing template $template"
  content=$(<"$template")
  for pair in "$@"; do
    key=${pair%%=*}
    value=${pair#*=}
    case $value in
      *$'\n'*) sluice_die "value for @$key@ must not contain a newline" ;;
    esac
    content=${content//"@$key@"/"$value"}
  done
  if [[ $content =~ @[A-Z_]+@ ]]; then
    sluice_die "template $template: no value for ${BASH_REMATCH[0]}"
  fi
  printf '%s\n' "$content" >"$out.tmp.$$"
  mv -f -- "$out.tmp.$$" "$out"
}

sluice_tail() {
  local file=$1 lines=${2:-30}
  if [[ -s $file ]]; then
    printf '  --- last %s lines of %s ---\n' "$lines" "$file" >&2
    tail -n "$lines" -- "$file" | sed 's/^/  | /' >&2
  else
    printf '  (%s is empty or missing)\n' "$file" >&2
  fi
}

sluice_now_ms() {
  local t=${EPOCHREALTIME//[.,]/}
  printf '%s\n' "$((10#${t:0:13}))"
}

# The "stop" command of a service script (kafka.sh, redis.sh). ARGS are the
# command's own: --dir D [--timeout SECS], SECS defaulting to the fifth
# argument. PIDFN DIR prints the pid of D's server when it runs; that server
# is stopped (SIGTERM, SIGKILL after SECS), "WHAT of D stopped" is logged and
# D/PIDFILE removed. Succeeds when D or its server does not exist. Bad ARGS
# call the script's USAGE function (which exits).
sluice_service_stop() {
  local usage=$1 pid_fn=$2 pid_file=$3 what=$4 timeout=$5 dir=""
  shift 5
  while (($#)); do
    case $1 in
      --dir) (($# >= 2)) || "$usage"; dir=$2; shift 2 ;;
      --timeout) (($# >= 2)) || "$usage"; timeout=$2; shift 2 ;;
      *) sluice_log "unknown argument '$1'"; "$usage" ;;
    esac
  done
  [[ -n $dir ]] || "$usage"
  sluice_require_uint --timeout "$timeout"
  [[ -d $dir ]] || return 0
  dir=$(cd -- "$dir" && pwd -P)
  local pid
  if pid=$("$pid_fn" "$dir"); then
    sluice_stop_pid "$pid" "$timeout"
    sluice_log "$what of $dir stopped (pid $pid)"
  fi
  rm -f -- "$dir/$pid_file"
}

# The "status" command of a service script: ARGS are --dir D; exits 0 when
# PIDFN finds D's server running. Bad ARGS call USAGE.
sluice_service_status() {
  local usage=$1 pid_fn=$2 dir=""
  shift 2
  while (($#)); do
    case $1 in
      --dir) (($# >= 2)) || "$usage"; dir=$2; shift 2 ;;
      *) sluice_log "unknown argument '$1'"; "$usage" ;;
    esac
  done
  [[ -n $dir ]] || "$usage"
  [[ -d $dir ]] || return 1
  dir=$(cd -- "$dir" && pwd -P)
  "$pid_fn" "$dir" >/dev/null
}
