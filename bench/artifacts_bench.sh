#!/usr/bin/env bash
# Measures sluice-artifacts' upload and download throughput beside nginx and prints the figures.
#
#   bench/artifacts_bench.sh [--smoke] [BUILD_DIR]   (default: build, relative to the repository)
#
# Starts sluice-artifacts from BUILD_DIR (no Kafka: the service then publishes no events) and
# Debian's nginx (static GET, PUT through its dav module) as an unprivileged foreground process
# with a generated configuration, both on free loopback ports and with their data in one
# temporary directory (the same filesystem). Generates one file of each size, then for each size,
# direction (put, get) and client (curl, the aws CLI of the project's virtualenv) times REPS
# transfers against each server (alternating) and takes the median. The aws CLI runs with a
# multipart_threshold above the largest size, so that it sends one PutObject and one GetObject,
# which nginx's dav understands (it has no multipart upload). Peak RSS is VmHWM of
# /proc/<pid>/status of the service and of nginx's worker, read after the last transfer.
# Prints a table (size, direction, client, MB/s of each, ratio sluice/nginx), the ratio lines
# and a verdict against the targets of issue 10 (>= 90 % of nginx each way, service RSS < 32 MB).
# Prints figures; never fails on a number.
#
# Settings: SIZES (default "1M 100M 1G"; units K, M, G as powers of 1024), REPS (default 3),
# SLUICE_BENCH_ART_AWS (the aws CLI; default ~/.cache/sluice/venv/bin/aws). --smoke: SIZES=1M,
# REPS=1, the build is not touched (ctest's bench_artifacts_smoke). Exit 77 when nginx is not
# installed. MB/s are 10^6 bytes per second of wall time of the client process (a curl
# transfer's time_total; the whole aws process, start-up included).
set -euo pipefail

SLUICE_SCRIPT_NAME=bench/artifacts_bench.sh
root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd -P)
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

smoke=0
if [[ ${1:-} == --smoke ]]; then
  smoke=1
  shift
fi
build=${1:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac
if ((smoke)); then
  SIZES=1M
  REPS=1
fi
SIZES=${SIZES:-1M 100M 1G}
REPS=${REPS:-3}
aws_cli=${SLUICE_BENCH_ART_AWS:-${HOME:-/root}/.cache/sluice/venv/bin/aws}

nginx_bin=$(command -v nginx || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
if [[ -z $nginx_bin ]]; then
  sluice_log "nginx is not installed (scripts/install-deps.sh installs it): skipped"
  exit 77
fi
[[ -x $aws_cli ]] || sluice_die "no aws CLI at $aws_cli (make deps installs it)"
command -v curl >/dev/null || sluice_die "curl is not installed"

if ((!smoke)); then
  if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
    sluice_log "configuring $build"
    generator=()
    command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
    cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  fi
  sluice_log "building sluice-artifacts in $build"
  cmake --build "$build" -j2 --target sluice_artifacts >&2
fi
service_bin="$build/services/artifacts/sluice-artifacts"
[[ -x $service_bin ]] || sluice_die "$service_bin was not built"

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-artbench.XXXXXX")
service_pid=
nginx_pid=
cleanup() {
  trap - INT TERM EXIT
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port pid: waits up to 10 s until port accepts a connection, while pid lives
  local i
  for ((i = 0; i < 200; i++)); do
    sluice_port_open "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

bytes_of() { # 1M -> 1048576
  local n=${1%[KMG]} unit=${1##*[0-9]}
  case $unit in
    K) echo $((n << 10)) ;;
    M) echo $((n << 20)) ;;
    G) echo $((n << 30)) ;;
    *) echo "$n" ;;
  esac
}

vmhwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

akid=AKIDARTBENCH
secret=artifacts-bench-secret
bucket=sluice-artifacts

read -r sport nport <<<"$(sluice_free_ports 2)"

# sluice-artifacts
mkdir -p -- "$work/sluice"
env -u SLUICE_KAFKA_BROKERS SLUICE_ARTIFACTS_PORT="$sport" SLUICE_ARTIFACTS_DIR="$work/sluice" \
  SLUICE_ARTIFACTS_MIN_FREE_BYTES=0 SLUICE_ARTIFACTS_BUCKETS="$bucket" \
  SLUICE_ARTIFACTS_CREDENTIALS="$akid:$secret:bench:admin" SLUICE_LOG_LEVEL=warn \
  "$service_bin" >"$work/sluice.log" 2>&1 &
service_pid=$!
wait_port "$sport" "$service_pid" || sluice_die "sluice-artifacts did not listen on $sport: $(tail -3 "$work/sluice.log")"

# nginx: static root for GET and HEAD, dav PUT, its body temp files beside the root
ndir="$work/nginx"
mkdir -p -- "$ndir/root/$bucket" "$ndir/body" "$ndir/tmp"
cat >"$ndir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $ndir/nginx.pid;
error_log $ndir/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  types { }
  default_type application/octet-stream;
  client_body_temp_path $ndir/body;
  proxy_temp_path $ndir/tmp;
  fastcgi_temp_path $ndir/tmp;
  uwsgi_temp_path $ndir/tmp;
  scgi_temp_path $ndir/tmp;
  server {
    listen 127.0.0.1:$nport;
    root $ndir/root;
    location / {
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
    }
  }
}
EOF
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  # unprivileged: the master itself runs as nobody, so no worker is root either
  chmod 755 "$work"
  chown -R nobody "$ndir"
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
"${run_as[@]}" "$nginx_bin" -p "$ndir" -e "$ndir/error.log" -c "$ndir/nginx.conf" \
  >"$work/nginx.out" 2>&1 &
nginx_pid=$!
wait_port "$nport" "$nginx_pid" || sluice_die "nginx did not listen on $nport: $(cat "$work/nginx.out" "$ndir/error.log" 2>/dev/null)"

# the aws CLI: the bench's credentials, no configuration of the machine's but its own
cat >"$work/aws.config" <<EOF
[default]
region = us-east-1
s3 =
  multipart_threshold = 8GB
EOF
export AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 \
  AWS_CONFIG_FILE="$work/aws.config" AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true

sigv4=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$akid:$secret"
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")

# one transfer: server client dir size file key -> seconds on stdout; dies if it failed
transfer() {
  local server=$1 client=$2 dir=$3 file=$4 key=$5 port auth=() t0 t1 out
  if [[ $server == sluice ]]; then
    port=$sport
    auth=("${sigv4[@]}")
  else
    port=$nport
  fi
  local url="http://127.0.0.1:$port/$bucket/$key"
  if [[ $client == curl ]]; then
    local code
    if [[ $dir == put ]]; then
      out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "${auth[@]}" --upload-file "$file" "$url")
    else
      out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "${auth[@]}" "$url")
    fi
    code=${out%% *}
    [[ $code == 20? ]] || sluice_die "curl $dir $url answered $code"
    echo "${out#* }"
  else
    t0=$EPOCHREALTIME
    if [[ $dir == put ]]; then
      "$aws_cli" --endpoint-url "http://127.0.0.1:$port" s3 cp --only-show-errors "$file" "s3://$bucket/$key" \
        >"$work/aws.out" 2>&1 || sluice_die "aws s3 cp to $server failed: $(cat "$work/aws.out")"
    else
      "$aws_cli" --endpoint-url "http://127.0.0.1:$port" s3 cp --only-show-errors "s3://$bucket/$key" /dev/null \
        >"$work/aws.out" 2>&1 || sluice_die "aws s3 cp from $server failed: $(cat "$work/aws.out")"
    fi
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

sluice_log "sluice-artifacts on $sport (pid $service_pid), nginx on $nport; sizes $SIZES, $REPS repetitions"
rows=()
declare -A worst=() # direction -> lowest ratio
for size in $SIZES; do
  bytes=$(bytes_of "$size")
  src="$work/src-$size"
  head -c "$bytes" /dev/urandom >"$src"
  for dir in put get; do
    for client in curl aws; do
      declare -A mbps=() times=()
      # the servers alternate, so that a change of the machine's load hits both alike
      for ((r = 0; r < REPS; r++)); do
        for server in sluice nginx; do
          times[$server]+="$(transfer "$server" "$client" "$dir" "$src" "obj-$size") "
        done
      done
      for server in sluice nginx; do
        t=$(printf '%s\n' ${times[$server]} | median)
        mbps[$server]=$(awk -v b="$bytes" -v t="$t" 'BEGIN { printf "%.3f", b / t / 1e6 }')
      done
      # the object GET reads back is the one PUT stored: compare it once per size
      if [[ $dir == get && $client == curl ]]; then
        curl -sS -o "$work/back" "${sigv4[@]}" "http://127.0.0.1:$sport/$bucket/obj-$size"
        cmp -s "$src" "$work/back" || sluice_die "sluice-artifacts returned other bytes for obj-$size"
        cmp -s "$src" "$ndir/root/$bucket/obj-$size" || sluice_die "nginx stored other bytes for obj-$size"
        rm -f -- "$work/back"
      fi
      ratio=$(awk -v a="${mbps[sluice]}" -v b="${mbps[nginx]}" 'BEGIN { printf "%.2f", a / b }')
      rows+=("$size $dir $client ${mbps[sluice]} ${mbps[nginx]} $ratio")
      if [[ -z ${worst[$dir]:-} ]] || awk -v a="$ratio" -v b="${worst[$dir]}" 'BEGIN { exit !(a < b) }'; then
        worst[$dir]=$ratio
      fi
      unset mbps times
    done
  done
  rm -f -- "$src"
done

nginx_worker=$(pgrep -P "$nginx_pid" | head -1 || true)
svc_kb=$(vmhwm_kb "$service_pid")
ngx_kb=$(vmhwm_kb "${nginx_worker:-$nginx_pid}")
svc_ok=0
((svc_kb < 32 * 1024)) && svc_ok=1
target() { # direction: "met (lowest ratio R)" or "NOT met (...)"
  awk -v w="${worst[$1]}" 'BEGIN { printf "%s (lowest ratio %s)", (w >= 0.9) ? "met" : "NOT met", w }'
}

printf '\n%-6s %-4s %-5s %12s %12s %6s\n' size dir client "sluice MB/s" "nginx MB/s" ratio
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086
  printf '%-6s %-4s %-5s %12.1f %12.1f %6s\n' $row
done
echo
for row in "${rows[@]}"; do
  read -r size dir client s n ratio <<<"$row"
  printf 'ratio %s %s %s: %s (%.1f / %.1f MB/s)\n' "$size" "$dir" "$client" "$ratio" "$s" "$n"
done
echo "peak RSS (VmHWM): sluice-artifacts $((svc_kb / 1024)) MB ($svc_kb kB), nginx worker $((ngx_kb / 1024)) MB ($ngx_kb kB)"
echo "verdict: throughput >= 90 % of nginx: upload $(target put), download $(target get);" \
  "service RSS < 32 MB: $( ((svc_ok)) && echo met || echo NOT met) ($((svc_kb / 1024)) MB)"
