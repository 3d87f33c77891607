#!/usr/bin/env bash
# Builds, with podman only, the images the compose file names, on a machine
# that reaches no container registry — only Debian's package mirror:
#
#   debian:bookworm-slim  debootstrap (variant minbase) from the mirror apt uses
#                         here, imported with `podman import`
#   apache/kafka:<ver>    a stand-in: Debian's Java and the Kafka jars that
#                         scripts/kafka.sh fetches, configured from KAFKA_*
#                         variables as the official image is (standins/kafka)
#   redis:<ver>           a stand-in: Debian's redis-server (standins/redis)
#   sluice:<ver>          compose/Dockerfile
#
#   images.sh ROOT [base|kafka|redis|sluice...]
#       ROOT: the top of the repository; without names, all four in order
#
# Cache: the base is rebuilt only when no image of that name carries the
# label org.sluice.base with the current recipe; the others use podman's
# layer cache. Prints each step's duration.
# Environment: SLUICE_CACHE_DIR (Kafka jars), SLUICE_E2E_MIRROR (overrides the
# mirror found in /etc/apt/sources.list*), and the tags of compose/.env.example.
set -euo pipefail

root=$(cd -- "${1:?usage: images.sh ROOT}" && pwd -P)
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SLUICE_SCRIPT_NAME=images.sh
# shellcheck source=../../../scripts/lib.sh
. "$root/scripts/lib.sh"

# The image names and tags: the same defaults as compose/.env.example.
# shellcheck disable=SC1091
. "$here/tags.sh"

step_started=0
step() {
  step_started=$(sluice_now_ms)
  sluice_log "$*"
}
step_done() {
  local took=$(($(sluice_now_ms) - step_started))
  printf 'images.sh: %-40s %3d.%ds\n' "$1" $((took / 1000)) $((took % 1000 / 100)) >&2
}

# The first bookworm mirror of apt's own sources (deb822 or one-line form).
debian_mirror() {
  if [[ -n ${SLUICE_E2E_MIRROR:-} ]]; then
    printf '%s\n' "$SLUICE_E2E_MIRROR"
    return
  fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' "$f")
    [[ -n $uri ]] && { printf '%s\n' "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    uri=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' "$f")
    [[ -n $uri ]] && { printf '%s\n' "$uri"; return; }
  done
  printf '%s\n' http://deb.debian.org/debian
}

build_base() {
  local mirror recipe have
  mirror=$(debian_mirror)
  recipe="debootstrap-minbase-bookworm-v1 $mirror"
  have=$(podman image inspect --format '{{index .Labels "org.sluice.base"}}' \
    "$SLUICE_BASE_IMAGE" 2>/dev/null || true)
  if [[ $have == "$recipe" ]]; then
    sluice_log "$SLUICE_BASE_IMAGE: cached ($recipe)"
    return
  fi
  step "$SLUICE_BASE_IMAGE: debootstrap --variant=minbase bookworm from $mirror"
  local work
  work=$(mktemp -d /var/tmp/sluice-base.XXXXXX)
  # shellcheck disable=SC2064 # expand now
  trap "rm -rf -- '$work'" RETURN
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    sluice_tail "$work/debootstrap.log" 30
    sluice_die "debootstrap failed"
  }
  # What the official slim image leaves out: documentation, manuals, locales
  # (for packages installed later too), apt's lists and downloaded packages.
  cat >"$work/rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
SLIM
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$work/rootfs/etc/apt/apt.conf.d/90slim"
  find "$work/rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -rf "$work/rootfs/usr/share/man/"* "$work/rootfs/usr/share/info/"* \
    "$work/rootfs/usr/share/locale/"* "$work/rootfs/var/lib/apt/lists/"* \
    "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/cache/apt/archives/"*.deb \
    "$work/rootfs/var/log/"*.log
  printf 'deb %s bookworm main\n' "$mirror" >"$work/rootfs/etc/apt/sources.list"
  tar --numeric-owner -C "$work/rootfs" -c . |
    podman import --change 'CMD ["bash"]' --change "LABEL org.sluice.base=\"$recipe\"" \
      - "$SLUICE_BASE_IMAGE" >/dev/null
  step_done "$SLUICE_BASE_IMAGE (debootstrap + import)"
}

# podman build as Docker would: the docker image format keeps HEALTHCHECK
# (the OCI format drops it); the host's network reaches the mirror.
pbuild() {
  podman build --format docker --network host --layers "$@" >"$log_dir/build.log" 2>&1 || {
    sluice_tail "$log_dir/build.log" 40
    sluice_die "podman build $* failed (log: $log_dir/build.log)"
  }
}

build_kafka() {
  step "$SLUICE_KAFKA_IMAGE: stand-in from the cached Kafka jars"
  "$root/scripts/kafka.sh" fetch
  local ctx=$log_dir/kafka-context
  rm -rf -- "$ctx"
  mkdir -p -- "$ctx"
  cp -- "$here/standins/kafka/"* "$ctx/"
  # Hard links where the file system allows: the context is 47 MB of jars.
  cp -rl -- "$(sluice_cache_dir)/kafka-${SLUICE_KAFKA_VERSION}/libs" "$ctx/libs" 2>/dev/null ||
    cp -r -- "$(sluice_cache_dir)/kafka-${SLUICE_KAFKA_VERSION}/libs" "$ctx/libs"
  pbuild --build-arg "BASE_IMAGE=$SLUICE_BASE_IMAGE" -t "$SLUICE_KAFKA_IMAGE" "$ctx"
  rm -rf -- "$ctx"
  step_done "$SLUICE_KAFKA_IMAGE"
}

build_redis() {
  step "$SLUICE_REDIS_IMAGE: stand-in with Debian's redis-server"
  pbuild --build-arg "BASE_IMAGE=$SLUICE_BASE_IMAGE" -t "$SLUICE_REDIS_IMAGE" "$here/standins/redis"
  step_done "$SLUICE_REDIS_IMAGE"
}

build_sluice() {
  step "$SLUICE_IMAGE: compose/Dockerfile"
  pbuild --build-arg "BASE_IMAGE=$SLUICE_BASE_IMAGE" -f "$root/compose/Dockerfile" \
    -t "$SLUICE_IMAGE" "$root"
  step_done "$SLUICE_IMAGE"
}

sluice_require_cmd podman debootstrap tar
log_dir=${SLUICE_E2E_LOG_DIR:-$(mktemp -d /var/tmp/sluice-images.XXXXXX)}
mkdir -p -- "$log_dir"
shift
(($#)) || set -- base kafka redis sluice
for name in "$@"; do
  case $name in
    base | kafka | redis | sluice) "build_$name" ;;
    *) sluice_die "unknown image '$name' (base, kafka, redis, sluice)" ;;
  esac
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E "^(localhost/)?($SLUICE_BASE_IMAGE|$SLUICE_KAFKA_IMAGE|$SLUICE_REDIS_IMAGE|$SLUICE_IMAGE) " |
  sed 's/^/images.sh: size of /' >&2 || true
