/*
 * apv_config.h — sluice-approvals' configuration table (SLUICE_* variables,
 * docs/approvals.md lists them).
 */
#ifndef SLUICE_APV_CONFIG_H
#define SLUICE_APV_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stdint.h>

typedef struct apv_config {
    char kafka_brokers[1024];
    char topic_prefix[64];
    int64_t topic_partitions;
    char group[256];
    char redis_host[256];
    int64_t redis_port;
    state_auth_config redis_auth;       /* SLUICE_REDIS_USERNAME, _PASSWORD_FILE, _PASSWORD */
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char bus_key_file[1024];
    char link_key_file[1024];
    char credentials[16384]; /* SLUICE_API_CREDENTIALS (secret) */
    char bind[64];
    int64_t port;
    char public_url[1024];
    int64_t session_idle_s;
    int64_t link_ttl_s;
    int64_t reply_timeout_ms;
    int64_t keep_s;
    char account[16];
    char region[32];
    char log_level[16];
} apv_config;

extern const sluice_config_var apv_config_vars[];
extern const size_t apv_config_nvars;

/* Loads the configuration from the environment. 0, or SLUICE_EINVAL with every problem in err. */
int apv_config_load(apv_config *cfg, char *err, size_t errlen);

#endif
