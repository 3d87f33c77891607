#!/bin/bash
# The stand-in's entry point: server.properties from the KAFKA_* variables
# (as the official image's), log directories formatted with CLUSTER_ID when
# new, then the broker in the foreground.
set -euo pipefail
props=/opt/kafka/config/server.properties
: >"$props"
while IFS='=' read -r name value; do
  case $name in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_LOG4J_OPTS) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key=${name#KAFKA_}
  key=${key,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  key=${key//@/_}
  printf '%s=%s\n' "$key" "$value" >>"$props"
done < <(env)
dirs=$(sed -n 's/^log\.dirs=//p' "$props")
if [[ -z $dirs ]]; then
  dirs=/tmp/kraft-combined-logs
  printf 'log.dirs=%s\n' "$dirs" >>"$props"
fi
java_tools=(java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  -Dlog4j.configuration=file:/opt/kafka/config/tools-log4j.properties -cp '/opt/kafka/libs/*')
"${java_tools[@]}" kafka.tools.StorageTool format --cluster-id="${CLUSTER_ID:?CLUSTER_ID is not set}" \
  -c "$props" --ignore-formatted >/dev/null
# shellcheck disable=SC2086 # options lists
exec java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms64m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData} \
  -Djava.awt.headless=true -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties \
  ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
