/*
 * src_config.h — sluice-source's configuration: SLUICE_* environment
 * variables, declared once as a table (core config.h) and validated at
 * start-up.
 */
#ifndef SLUICE_SRC_CONFIG_H
#define SLUICE_SRC_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stddef.h>
#include <stdint.h>

typedef struct src_config {
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
    char bus_key_file[1024];            /* SLUICE_BUS_KEY_FILE: required (checked by main) */
    char account[16];
    char region[32];
    char bind[64];
    int64_t port;
    char repositories_file[1024];
    char job_keys_file[1024];
    char s3_key_file[1024]; /* SLUICE_SOURCE_S3_KEY_FILE: "" none (S3 sources fail) */
    char artifacts_endpoint[512];
    char cache_dir[900];
    int64_t git_timeout_ms;
    int64_t zip_max_bytes;
    int64_t poll_interval_s;
    char log_level[16];
} src_config;

extern const sluice_config_var src_config_vars[];
extern const size_t src_config_nvars;

/*
 * Loads the configuration from the environment (and SLUICE_CONFIG_FILE). 0,
 * or SLUICE_EINVAL with err naming every variable that is wrong.
 */
int src_config_load(src_config *cfg, char *err, size_t errlen);

#endif
