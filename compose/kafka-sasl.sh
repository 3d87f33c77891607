#!/bin/bash
# The Kafka container's entry point in compose/docker-compose.yml, in front of
# the image's own command (its arguments): what the official image cannot do
# from KAFKA_* variables alone.
#
#   - the JAAS settings of the SASL_PLAINTEXT listener (SCRAM-SHA-256, the
#     broker's own principal) and of the controller listener (PLAIN, the
#     broker only), made from the password files under /run/secrets/ so that
#     no password is written into the compose file or .env;
#   - the log directory formatted with the SCRAM users `broker` and `sluice`
#     on first start (KRaft keeps SCRAM credentials in the metadata log: they
#     exist only from the format on); a formatted directory is left alone,
#     and the image's own format step then finds it formatted;
#   - /tmp/admin.properties, the client settings of the broker's principal,
#     for the health check.
# The layout follows scripts/conf/kafka-server-sasl.properties.
set -euo pipefail
read_password() {
  local pw
  pw=$(head -n 1 -- "$1")
  [[ $pw =~ ^[A-Za-z0-9._~+/=-]{8,256}$ ]] || {
    echo "kafka-sasl.sh: $1: the password must be 8..256 characters of A-Z a-z 0-9 . _ ~ + / = -" >&2
    exit 1
  }
  printf '%s\n' "$pw"
}
broker_pw=$(read_password /run/secrets/kafka-broker-password)
sluice_pw=$(read_password /run/secrets/kafka-sluice-password)
scram="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"$broker_pw\";"
export KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___256_SASL_JAAS_CONFIG=$scram
export KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\"$broker_pw\" user_broker=\"$broker_pw\";"
umask 077
printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=SCRAM-SHA-256" \
  "sasl.jaas.config=$scram" >/tmp/admin.properties

# The format: the same settings the image renders (KAFKA_X_Y -> x.y,
# '__' -> '_', '___' -> '-').
props=/tmp/format.properties
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
/opt/kafka/bin/kafka-storage.sh format --cluster-id="${CLUSTER_ID:?CLUSTER_ID is not set}" \
  -c "$props" --ignore-formatted \
  --add-scram "SCRAM-SHA-256=[name=broker,password=$broker_pw]" \
  --add-scram "SCRAM-SHA-256=[name=sluice,password=$sluice_pw]" >/dev/null
rm -f -- "$props"
umask 022
exec "$@"
