/*
 * orch_config.h — the orchestrator's configuration: SLUICE_* environment
 * variables, declared once as a table (core config.h) and validated at start-up.
 */
#ifndef SLUICE_ORCH_CONFIG_H
#define SLUICE_ORCH_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct orch_config {
    char kafka_brokers[512];
    char topic_prefix[64];
    int64_t topic_partitions;
    char group[128];
    char instance[128];
    int64_t session_timeout_ms;
    char redis_host[256];
    int64_t redis_port;
    state_auth_config redis_auth;       /* SLUICE_REDIS_USERNAME, _PASSWORD_FILE, _PASSWORD */
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char account[16];
    char region[32];
    char bind[64];
    int64_t port;
    int64_t history_max;
    int64_t keep_terminal;
    int64_t record_max_bytes; /* bound on every stored state record */
    int64_t timer_lease_ms;
    int64_t timer_poll_ms;
    int64_t sweep_interval_ms;
    int64_t clock_offset_ms;
    int64_t bus_message_max;
    int64_t outbox_retry_attempts;   /* permanent failures of an op before its dead letter */
    int64_t outbox_retry_backoff_ms; /* first wait after an op failed; doubles */
    int64_t outbox_retry_backoff_max_ms;
    char bus_key_file[1024]; /* SLUICE_BUS_KEY_FILE: required (checked by main) */
    char id_key_file[1024];  /* SLUICE_ORCHESTRATOR_ID_KEY_FILE: required (checked by main) */
    char log_level[16];
} orch_config;

extern const sluice_config_var orch_config_vars[];
extern const size_t orch_config_nvars;

/* Loads the configuration from the environment (and SLUICE_CONFIG_FILE). 0 or SLUICE_EINVAL with
 * err. */
int orch_config_load(orch_config *cfg, char *err, size_t errlen);

#endif
