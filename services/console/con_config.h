/*
 * con_config.h — sluice-console's configuration table (SLUICE_* variables,
 * docs/console.md lists them).
 */
#ifndef SLUICE_CON_CONFIG_H
#define SLUICE_CON_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stdint.h>

typedef struct con_config {
    char kafka_brokers[1024];
    char topic_prefix[64];
    char group[200];
    char redis_host[256];
    int64_t redis_port;
    state_auth_config redis_auth;       /* SLUICE_REDIS_USERNAME, _PASSWORD_FILE, _PASSWORD */
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char bus_key_file[1024];
    char key_file[1024];
    char credentials[16384]; /* SLUICE_API_CREDENTIALS (secret) */
    char api_endpoint[1024];
    char bind[64];
    int64_t port;
    char public_url[1024];
    int64_t session_idle_s;
    int64_t api_timeout_ms;
    int64_t max_clients;
    int64_t client_queue_bytes;
    int64_t heartbeat_s;
    char logs_endpoint[1024]; /* the artifact store the action logs are read from ("": none) */
    char logs_bucket[64];
    char logs_prefix[256];
    char logs_key[16384]; /* AKID:SECRET of the store (secret) */
    int64_t logs_max;
    int64_t log_max_bytes;
    char region[32];
    char account[16];
    char log_level[16];
} con_config;

extern const sluice_config_var con_config_vars[];
extern const size_t con_config_nvars;

/* Loads the configuration from the environment. 0, or SLUICE_EINVAL with every problem in err. */
int con_config_load(con_config *cfg, char *err, size_t errlen);

#endif
