#!/bin/sh
# The image's health check: GET /healthz on the port of the service this
# container runs (SLUICE_HEALTH_PORT, set per service by the compose file;
# otherwise the first port variable that is set).
port=${SLUICE_HEALTH_PORT:-${SLUICE_API_PORT:-${SLUICE_ORCHESTRATOR_PORT:-${SLUICE_ARTIFACTS_PORT:-${SLUICE_NOTIFIER_PORT:-${SLUICE_WORKER_PORT:-}}}}}}
if [ -z "$port" ]; then
  echo "sluice-healthz: SLUICE_HEALTH_PORT is not set" >&2
  exit 1
fi
exec curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/healthz"
