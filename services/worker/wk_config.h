/*
 * wk_config.h — the worker's configuration: SLUICE_* environment variables,
 * declared once as a table (core config.h) and validated at start-up.
 */
#ifndef SLUICE_WK_CONFIG_H
#define SLUICE_WK_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wk_config {
    char kafka_brokers[512];
    char topic_prefix[64];
    int64_t topic_partitions;
    char group[128];
    int64_t session_timeout_ms;
    char redis_host[256];
    int64_t redis_port;
    state_auth_config redis_auth;       /* SLUICE_REDIS_USERNAME, _PASSWORD_FILE, _PASSWORD */
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char account[16];
    char region[32];
    char bind[64];
    int64_t port;
    char artifacts_endpoint[256];
    char job_keys_file[512];
    char workspace_root[256];
    bool keep_workspaces;
    int64_t slots;
    int64_t lease_ms;
    int64_t done_ttl_ms;
    int64_t artifact_max_bytes;
    int64_t unpacked_max_bytes;
    int64_t output_max_bytes;
    int64_t log_max_bytes;
    /* the action logs in the artifact store (wk_log.h) and the commands' user (wk_user.h) */
    char logs_bucket[64];
    char logs_prefix[128];
    char logs_url[256];
    int64_t log_stored_max_bytes;
    int64_t log_flush_ms;
    char run_as[64];
    int64_t timeout_max_ms;
    int64_t lost_retries;
    char path[512];
    char projects_file[512];
    char deploy_dirs[4096];
    char functions_file[512];
    char deploy_buckets[4096];
    char deploy_key_file[512];
    char secrets_file[512];
    char external_providers[4096];
    char bus_key_file[1024]; /* SLUICE_BUS_KEY_FILE: required (checked by main) */
    char log_level[16];
} wk_config;

extern const sluice_config_var wk_config_vars[];
extern const size_t wk_config_nvars;

/*
 * Loads the configuration from the environment (and SLUICE_CONFIG_FILE).
 * 0, or SLUICE_EINVAL with every problem in err.
 */
int wk_config_load(wk_config *cfg, char *err, size_t errlen);

#endif
