#!/usr/bin/env bash
# Fetches AWS's event-ruler (the EventBridge pattern matcher) from Maven
# Central: the test oracle of libs/pattern, never used at run time.
#
#   event-ruler.sh fetch     downloads event-ruler and its dependencies into
#                            ${SLUICE_CACHE_DIR:-~/.cache/sluice}/event-ruler-<version>/libs
#                            (nothing when already there)
#   event-ruler.sh classpath prints the classpath ("<dir>/*"), fetching first
set -euo pipefail

SLUICE_SCRIPT_NAME=event-ruler.sh
# shellcheck source=lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

RULER_VERSION=${SLUICE_EVENT_RULER_VERSION:-1.8.1}
RULER_HOME="$(sluice_cache_dir)/event-ruler-$RULER_VERSION"
RULER_LIBS="$RULER_HOME/libs"
RULER_MARKER="$RULER_HOME/.fetched"

usage() {
  echo "usage: event-ruler.sh fetch | event-ruler.sh classpath" >&2
  exit 2
}

ruler_fetched() {
  [[ -f $RULER_MARKER && -f $RULER_LIBS/event-ruler-$RULER_VERSION.jar ]]
}

cmd_fetch() {
  ruler_fetched && return 0
  sluice_require_cmd mvn flock
  mkdir -p -- "$RULER_HOME" || sluice_die "cannot create $RULER_HOME"
  exec 9>"$RULER_HOME/.lock"
  flock -w 900 9 || sluice_die "timed out waiting for another fetch into $RULER_HOME"
  if ruler_fetched; then
    exec 9>&-
    return 0
  fi
  local work repo
  work=$(mktemp -d "$RULER_HOME/fetch.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf -- '$work'" EXIT
  repo=${SLUICE_MAVEN_REPO:-$(sluice_cache_dir)/m2}
  cat >"$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<!-- Throwaway project whose only purpose is to resolve event-ruler's classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.local</groupId>
  <artifactId>sluice-event-ruler</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>software.amazon.event.ruler</groupId>
      <artifactId>event-ruler</artifactId>
      <version>$RULER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  sluice_log "fetching event-ruler $RULER_VERSION from Maven Central into $RULER_LIBS"
  if ! mvn -q -B -Dstyle.color=never -f "$work/pom.xml" -Dmaven.repo.local="$repo" \
    dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
    sluice_log "error: Maven could not resolve event-ruler $RULER_VERSION"
    sluice_tail "$work/mvn.log" 40
    exit 1
  fi
  [[ -f $work/libs/event-ruler-$RULER_VERSION.jar ]] || sluice_die "Maven finished but event-ruler is missing"
  rm -rf -- "$RULER_LIBS"
  mv -- "$work/libs" "$RULER_LIBS"
  echo "event-ruler $RULER_VERSION" >"$RULER_MARKER"
  exec 9>&-
}

(($# == 1)) || usage
case $1 in
  fetch) cmd_fetch ;;
  classpath)
    cmd_fetch >&2
    printf '%s/*\n' "$RULER_LIBS"
    ;;
  *) usage ;;
esac
