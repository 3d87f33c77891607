# shellcheck shell=bash
# The image names the compose file uses, with compose/.env.example's defaults;
# sourced by images.sh and run.sh.
SLUICE_BASE_IMAGE=debian:bookworm-slim
SLUICE_KAFKA_VERSION=${SLUICE_KAFKA_VERSION:-3.9.1}
SLUICE_KAFKA_IMAGE=${SLUICE_KAFKA_IMAGE:-apache/kafka:$SLUICE_KAFKA_VERSION}
SLUICE_REDIS_IMAGE=${SLUICE_REDIS_IMAGE:-redis:7.0}
SLUICE_IMAGE=${SLUICE_IMAGE:-sluice:latest}
