#!/usr/bin/env bash
# Fetches and runs the Apache Kafka broker that Sluice uses (3.9.1, KRaft mode,
# a single node that is both controller and broker, on 127.0.0.1 only).
#
#   kafka.sh fetch
#       Downloads kafka_2.13, kafka-tools and slf4j-reload4j with their
#       runtime dependencies from Maven Central into
#       ${SLUICE_CACHE_DIR:-~/.cache/sluice}/kafka-<version>/libs. Does nothing
#       when that cache is already complete (its marker file is written last).
#   kafka.sh start --port P --controller-port C --dir D [--partitions N]
#                  [--no-auto-create] [--timeout SECS] [--sasl S [--acl-prefix A]]
#       Writes D/server.properties and D/log4j.properties, formats D/data,
#       starts the broker in the background (pid in D/kafka.pid, JVM output in
#       D/kafka.out, log in D/kafka.log) and waits until it serves on P.
#       With --sasl S [--acl-prefix A]: the listener on P speaks SASL_PLAINTEXT
#       with SCRAM-SHA-256/512, the controller's SASL_PLAINTEXT with PLAIN, and
#       the KRaft StandardAuthorizer allows only what the ACLs say. S is a
#       directory of password files, one line each, mode 0600:
#         S/broker.password  the broker's own principal (User:broker, super user)
#         S/sluice.password  Sluice's services (User:sluice): write, read,
#                            describe and create topics, and join groups,
#                            whose names start with A (default "sluice")
#         S/reader.password  a read-only client (User:reader): reads the topic
#                            A.events only, in groups whose names start with
#                            A-reader; it writes nothing
#       The SCRAM users are created when D/data is formatted
#       (kafka-storage format --add-scram), the ACLs once the broker serves;
#       S/admin.properties (0600) is written for the command-line tools. A D
#       whose data was formatted without --sasl is refused (remove D/data:
#       SCRAM users exist only from the format on); changing a password also
#       takes a fresh D/data.
#   kafka.sh stop --dir D [--timeout SECS]
#       Stops the broker of D (SIGTERM, then SIGKILL after SECS, default 20).
#       Succeeds when nothing runs there.
#   kafka.sh status --dir D
#       Exits 0 when the broker of D is running.
#   kafka.sh create-topic --port P --topic T [--partitions N]
#       Creates topic T (if it does not exist yet) with N partitions (default 3).
#   kafka.sh run-class CLASS [ARGS...]
#       Runs a main class (such as org.apache.kafka.tools.consumer.ConsoleConsumer)
#       on the broker's classpath, logging warnings to stderr.
#
# Environment: SLUICE_CACHE_DIR (cache root), SLUICE_MAVEN_REPO (Maven local
# repository, default <cache>/m2), SLUICE_KAFKA_VERSION (default 3.9.1),
# JAVA (java binary, default java), SLUICE_KAFKA_HEAP (default 512m),
# SLUICE_KAFKA_JVM_OPTS (replaces the default JVM tuning flags).
set -euo pipefail

SLUICE_SCRIPT_NAME=kafka.sh
# shellcheck source=lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"

KAFKA_VERSION=${SLUICE_KAFKA_VERSION:-3.9.1}
SLF4J_VERSION=1.7.36
KAFKA_HOME="$(sluice_cache_dir)/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_MARKER="$KAFKA_HOME/.complete"
JAVA=${JAVA:-java}
KAFKA_HEAP=${SLUICE_KAFKA_HEAP:-512m}
# Start-up dominates a test run on 2 cores: the serial collector and the C1
# compiler alone start the broker in about 1.6 s instead of 2.0 s with the
# defaults, and serve test traffic well enough. The young generation is set
# at 128 MiB (the broker starts with 192 MiB so that it is 128 MiB from the
# first second): sized from a 64 MiB starting heap it was about 20 MiB, and the
# broker stopped for a 6-9 ms collection about three times a second under
# light traffic — the tail of every transition timed against it (the
# benchmark's light p99 fell from 3-4x to 1.6-2.2x its floor with this).
# SLUICE_KAFKA_JVM_OPTS (space-separated) replaces them.
if [[ -n ${SLUICE_KAFKA_JVM_OPTS:-} ]]; then
  read -r -a KAFKA_JVM_FLAGS <<<"$SLUICE_KAFKA_JVM_OPTS"
else
  KAFKA_JVM_FLAGS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xmn128m)
fi
KAFKA_JVM_FLAGS+=(-Djava.awt.headless=true -Dfile.encoding=UTF-8)

usage() {
  cat >&2 <<'EOF'
usage: kafka.sh fetch
       kafka.sh start --port P --controller-port C --dir D [--partitions N] [--no-auto-create] [--timeout SECS]
                      [--sasl SECRETS_DIR [--acl-prefix PREFIX]]
       kafka.sh stop --dir D [--timeout SECS]
       kafka.sh status --dir D
       kafka.sh create-topic --port P --topic T [--partitions N]
       kafka.sh run-class CLASS [ARGS...]
EOF
  exit 2
}

# ---------------------------------------------------------------- fetch

kafka_fetched() {
  [[ -f $KAFKA_MARKER && -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar ]]
}

kafka_write_pom() {
  local pom=$1
  cat >"$pom" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Throwaway project whose only purpose is to resolve the broker's classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.local</groupId>
  <artifactId>sluice-kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- Command-line tools (TopicCommand, ConsoleConsumer); Kafka Connect's
         runtime, which kafka-tools also lists, is not needed for them. -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
        <exclusion>
          <groupId>com.fasterxml.jackson.jaxrs</groupId>
          <artifactId>jackson-jaxrs-json-provider</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <!-- Without a binding SLF4J logs nothing at all. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

cmd_fetch() {
  (($# == 0)) || usage
  kafka_fetched && return 0
  sluice_require_cmd mvn flock
  mkdir -p -- "$KAFKA_HOME" || sluice_die "cannot create $KAFKA_HOME"

  # Two fetches at once (two build trees testing together) must not race.
  exec 9>"$KAFKA_HOME/.lock"
  flock -w 900 9 || sluice_die "timed out waiting for another fetch into $KAFKA_HOME"
  if kafka_fetched; then
    exec 9>&-
    return 0
  fi

  local work repo started
  work=$(mktemp -d "$KAFKA_HOME/fetch.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf -- '$work'" EXIT
  repo=${SLUICE_MAVEN_REPO:-$(sluice_cache_dir)/m2}
  started=$(sluice_now_ms)
  sluice_log "fetching Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIBS"
  kafka_write_pom "$work/pom.xml"
  if ! mvn -q -B -Dstyle.color=never -f "$work/pom.xml" -Dmaven.repo.local="$repo" \
    dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
    sluice_log "error: Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
    sluice_tail "$work/mvn.log" 40
    exit 1
  fi
  local jar
  for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" \
    "kafka-clients-$KAFKA_VERSION.jar" "slf4j-reload4j-$SLF4J_VERSION.jar"; do
    [[ -f $work/libs/$jar ]] || sluice_die "Maven finished but $jar is missing"
  done

  rm -rf -- "$KAFKA_LIBS"
  mv -- "$work/libs" "$KAFKA_LIBS"
  printf 'kafka %s\njars %s\n' "$KAFKA_VERSION" "$(find "$KAFKA_LIBS" -name '*.jar' | wc -l)" \
    >"$KAFKA_MARKER.tmp"
  mv -f -- "$KAFKA_MARKER.tmp" "$KAFKA_MARKER"
  sluice_log "fetched Kafka $KAFKA_VERSION in $((($(sluice_now_ms) - started) / 1000))s"
  exec 9>&-
}

# ---------------------------------------------------------------- start / stop

# The pid of D's broker if it runs; checks the command line so that a pid
# recycled by an unrelated process is never taken for the broker.
kafka_running_pid() {
  local dir=$1 pid
  pid=$(sluice_pid_from_file "$dir/kafka.pid") || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $dir/server.properties" ||
    return 1
  printf '%s\n' "$pid"
}

# 16 random bytes in URL-safe base64 without padding: the form of a Kafka Uuid.
# Drawn again when it starts with '-', which the storage tool would read as an option.
kafka_new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    case $id in -*) ;; *) break ;; esac
  done
  printf '%s\n' "$id"
}

kafka_fail_start() {
  local dir=$1 msg=$2 pid
  sluice_log "error: $msg"
  if grep -qE '^\[[^]]*\] (ERROR|FATAL) |^Caused by: ' "$dir/kafka.log" 2>/dev/null; then
    printf '  --- first errors in %s ---\n' "$dir/kafka.log" >&2
    grep -m 6 -E '^\[[^]]*\] (ERROR|FATAL) |^Caused by: ' "$dir/kafka.log" | sed 's/^/  | /' >&2
  fi
  sluice_tail "$dir/kafka.log" 40
  sluice_tail "$dir/kafka.out" 20
  if pid=$(kafka_running_pid "$dir"); then
    sluice_stop_pid "$pid" 10
  fi
  rm -f -- "$dir/kafka.pid"
  exit 1
}

# The one-line password of a file that only its owner may read.
kafka_read_password() {
  local file=$1 mode pw
  [[ -f $file ]] || sluice_die "missing password file $file"
  mode=$(stat -c %a -- "$file")
  [[ $mode =~ ^[0-7]?[0-7]00$ ]] || sluice_die "$file: mode $mode lets group or others read it (chmod 600 it)"
  pw=$(head -n 1 -- "$file")
  # It goes into a JAAS string and a --add-scram argument: no quotes, commas or brackets.
  [[ $pw =~ ^[A-Za-z0-9._~+/=-]{8,256}$ ]] ||
    sluice_die "$file: the password must be 8..256 characters of A-Z a-z 0-9 . _ ~ + / = -"
  printf '%s\n' "$pw"
}

# Grants the ACLs of --sasl once the broker serves (kafka.admin.AclCommand as the super user).
kafka_apply_acls() {
  local port=$1 secrets=$2 prefix=$3
  kafka_run_class kafka.admin.AclCommand --bootstrap-server "127.0.0.1:$port" \
    --command-config "$secrets/admin.properties" --add --force \
    --allow-principal User:sluice --producer --consumer \
    --resource-pattern-type prefixed --topic "$prefix" --group "$prefix" >/dev/null ||
    return 1
  kafka_run_class kafka.admin.AclCommand --bootstrap-server "127.0.0.1:$port" \
    --command-config "$secrets/admin.properties" --add --force \
    --allow-principal User:reader --consumer \
    --resource-pattern-type prefixed --topic "$prefix.events" --group "$prefix-reader" >/dev/null
}

cmd_start() {
  local port="" cport="" dir="" partitions=3 auto_create=true timeout=120 sasl="" acl_prefix=sluice
  while (($#)); do
    case $1 in
      --port) (($# >= 2)) || usage; port=$2; shift 2 ;;
      --controller-port) (($# >= 2)) || usage; cport=$2; shift 2 ;;
      --dir) (($# >= 2)) || usage; dir=$2; shift 2 ;;
      --partitions) (($# >= 2)) || usage; partitions=$2; shift 2 ;;
      --timeout) (($# >= 2)) || usage; timeout=$2; shift 2 ;;
      --no-auto-create) auto_create=false; shift ;;
      --sasl) (($# >= 2)) || usage; sasl=$2; shift 2 ;;
      --acl-prefix) (($# >= 2)) || usage; acl_prefix=$2; shift 2 ;;
      *) sluice_log "unknown argument '$1'"; usage ;;
    esac
  done
  [[ -n $port && -n $cport && -n $dir ]] || usage
  [[ $acl_prefix =~ ^[A-Za-z0-9._-]{1,200}$ ]] || sluice_die "invalid --acl-prefix '$acl_prefix'"
  sluice_require_port "$port"
  sluice_require_port "$cport"
  [[ $port != "$cport" ]] || sluice_die "--port and --controller-port must differ"
  sluice_require_uint --partitions "$partitions"
  ((partitions >= 1)) || sluice_die "--partitions must be at least 1"
  sluice_require_uint --timeout "$timeout"
  sluice_require_cmd "$JAVA" setsid timeout
  dir=$(sluice_abs_dir "$dir")

  if kafka_running_pid "$dir" >/dev/null; then
    sluice_die "a broker already runs in $dir (pid $(kafka_running_pid "$dir")); stop it first"
  fi
  local p
  for p in "$port" "$cport"; do
    if sluice_port_open "$p"; then
      sluice_die "port $p on 127.0.0.1 is already in use"
    fi
  done
  cmd_fetch

  local started cluster_id
  started=$(sluice_now_ms)
  mkdir -p -- "$dir/data"
  if [[ -s $dir/cluster.id ]]; then
    cluster_id=$(<"$dir/cluster.id")
  else
    cluster_id=$(kafka_new_cluster_id)
    printf '%s\n' "$cluster_id" >"$dir/cluster.id"
  fi
  local scram=()
  if [[ -n $sasl && -f $dir/data/meta.properties && ! -f $dir/sasl-users ]]; then
    sluice_die "$dir/data was formatted without SCRAM users; remove $dir/data to start it with --sasl"
  fi
  if [[ -n $sasl ]]; then
    sasl=$(sluice_abs_dir "$sasl")
    local user pw broker_pw=""
    for user in broker sluice reader; do
      pw=$(kafka_read_password "$sasl/$user.password") || exit 1
      [[ $user == broker ]] && broker_pw=$pw
      scram+=(--add-scram "SCRAM-SHA-256=[name=$user,password=$pw]"
        --add-scram "SCRAM-SHA-512=[name=$user,password=$pw]")
    done
    (
      umask 077
      sluice_render "$SLUICE_CONF_DIR/kafka-server-sasl.properties" "$dir/server.properties" \
        "PORT=$port" "CONTROLLER_PORT=$cport" "DATA_DIR=$dir/data" \
        "PARTITIONS=$partitions" "AUTO_CREATE=$auto_create" \
        "BROKER_USER=broker" "BROKER_PASSWORD=$broker_pw"
      printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=SCRAM-SHA-256" \
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"$broker_pw\";" \
        >"$sasl/admin.properties"
    )
  else
    sluice_render "$SLUICE_CONF_DIR/kafka-server.properties" "$dir/server.properties" \
      "PORT=$port" "CONTROLLER_PORT=$cport" "DATA_DIR=$dir/data" \
      "PARTITIONS=$partitions" "AUTO_CREATE=$auto_create"
  fi
  sluice_render "$SLUICE_CONF_DIR/kafka-log4j.properties" "$dir/log4j.properties" \
    "LOG_FILE=$dir/kafka.log"
  # Keep the previous run's log for reading, and never mistake its
  # "started" line for this run's.
  local f
  for f in kafka.log kafka.out; do
    [[ -f $dir/$f ]] && mv -f -- "$dir/$f" "$dir/$f.1"
  done
  : >"$dir/kafka.log"

  if ! "$JAVA" -Xmx256m "${KAFKA_JVM_FLAGS[@]}" \
    -Dlog4j.configuration="file:$SLUICE_CONF_DIR/kafka-tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
    --cluster-id="$cluster_id" -c "$dir/server.properties" --ignore-formatted "${scram[@]}" \
    >"$dir/format.out" 2>&1; then
    sluice_log "error: formatting $dir/data failed"
    sluice_tail "$dir/format.out" 30
    exit 1
  fi
  if [[ -n $sasl && ! -f $dir/sasl-users ]]; then
    printf 'SCRAM users broker, sluice, reader from %s\n' "$sasl" >"$dir/sasl-users"
  fi

  # A new session detaches the broker from the caller's terminal and process
  # group (ctest, make); every stream goes to a file so that the caller's
  # pipes close when this script exits. The inner shell writes its own pid
  # and becomes the JVM, so the pid file names the broker itself.
  rm -f -- "$dir/kafka.pid"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'printf "%s\n" "$$" >"$1"; shift; exec "$@"' _ "$dir/kafka.pid" \
    "$JAVA" "-Xmx$KAFKA_HEAP" "-Xms192m" "${KAFKA_JVM_FLAGS[@]}" \
    -Dlog4j.configuration="file:$dir/log4j.properties" \
    -Dkafka.logs.dir="$dir" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >"$dir/kafka.out" 2>&1 &

  local deadline pid=""
  deadline=$((started + timeout * 1000))
  while :; do
    if [[ -z $pid && -s $dir/kafka.pid ]]; then
      pid=$(tr -d '[:space:]' <"$dir/kafka.pid")
      [[ $pid =~ ^[0-9]+$ ]] || kafka_fail_start "$dir" "bad pid file $dir/kafka.pid"
    fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      kafka_fail_start "$dir" "the broker exited during start-up"
    fi
    if [[ -n $pid ]] && grep -q 'Kafka Server started' "$dir/kafka.log" 2>/dev/null &&
      sluice_port_open "$port"; then
      break
    fi
    if (($(sluice_now_ms) >= deadline)); then
      kafka_fail_start "$dir" "the broker did not start on 127.0.0.1:$port within ${timeout}s"
    fi
    sleep 0.2
  done
  if [[ -n $sasl ]]; then
    kafka_apply_acls "$port" "$sasl" "$acl_prefix" ||
      kafka_fail_start "$dir" "granting the ACLs of --sasl failed"
  fi
  local took=$(($(sluice_now_ms) - started))
  sluice_log "broker ready on 127.0.0.1:$port (pid $pid, dir $dir${sasl:+, SASL + ACLs prefix $acl_prefix}) in $((took / 1000)).$((took % 1000 / 100))s"
}

cmd_stop() {
  sluice_service_stop usage kafka_running_pid kafka.pid broker 20 "$@"
}

cmd_status() {
  sluice_service_status usage kafka_running_pid "$@"
}

# ---------------------------------------------------------------- tools

kafka_run_class() {
  kafka_fetched || sluice_die "Kafka is not fetched yet; run '$0 fetch'"
  sluice_require_cmd "$JAVA"
  "$JAVA" -Xmx256m "${KAFKA_JVM_FLAGS[@]}" \
    -Dlog4j.configuration="file:$SLUICE_CONF_DIR/kafka-tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

cmd_create_topic() {
  local port="" topic="" partitions=3
  while (($#)); do
    case $1 in
      --port) (($# >= 2)) || usage; port=$2; shift 2 ;;
      --topic) (($# >= 2)) || usage; topic=$2; shift 2 ;;
      --partitions) (($# >= 2)) || usage; partitions=$2; shift 2 ;;
      *) sluice_log "unknown argument '$1'"; usage ;;
    esac
  done
  [[ -n $port && -n $topic ]] || usage
  sluice_require_port "$port"
  sluice_require_uint --partitions "$partitions"
  [[ $topic =~ ^[A-Za-z0-9._-]{1,249}$ ]] || sluice_die "invalid topic name '$topic'"
  kafka_run_class org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$port" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor 1
}

cmd_run_class() {
  (($# >= 1)) || usage
  kafka_run_class "$@"
}

(($# >= 1)) || usage
command=$1
shift
case $command in
  fetch) cmd_fetch "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  create-topic) cmd_create_topic "$@" ;;
  run-class) cmd_run_class "$@" ;;
  -h | --help | help) usage ;;
  *) sluice_log "unknown command '$command'"; usage ;;
esac
