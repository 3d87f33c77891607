/*
 * api_config.h — the api's configuration: SLUICE_* environment variables.
 *
 * One declarative table (api_config_vars) names each variable, its type,
 * bounds, default and meaning; docs/api.md lists the same. Loading checks
 * every variable and reports every problem at once, then checks what the
 * table cannot say (a 12-digit account, a region name, a log level).
 * Pure apart from api_config_load_env reading the environment.
 */
#ifndef SLUICE_API_CONFIG_H
#define SLUICE_API_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct api_config {
    char bind[64];                      /* SLUICE_API_BIND */
    int64_t port;                       /* SLUICE_API_PORT (0: ephemeral) */
    char credentials[16384];            /* SLUICE_API_CREDENTIALS (secret) */
    char brokers[1024];                 /* SLUICE_KAFKA_BROKERS */
    char topic_prefix[128];             /* SLUICE_TOPIC_PREFIX */
    int64_t partitions;                 /* SLUICE_TOPIC_PARTITIONS */
    char redis_host[256];               /* SLUICE_REDIS_HOST */
    int64_t redis_port;                 /* SLUICE_REDIS_PORT */
    state_auth_config redis_auth;       /* SLUICE_REDIS_USERNAME, _PASSWORD_FILE, _PASSWORD */
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char account[16];                   /* SLUICE_ACCOUNT */
    char region[64];                    /* SLUICE_REGION */
    char external_providers[4096];      /* SLUICE_EXTERNAL_PROVIDERS */
    int64_t reply_timeout_ms;           /* SLUICE_API_REPLY_TIMEOUT_MS */
    int64_t threads;                    /* SLUICE_API_THREADS */
    int64_t max_body;                   /* SLUICE_API_MAX_BODY */
    int64_t max_pipelines;              /* SLUICE_API_MAX_PIPELINES */
    char jobs_group[256];               /* SLUICE_API_JOBS_GROUP */
    int64_t job_lease_s;                /* SLUICE_API_JOB_LEASE_S */
    char job_keys_file[1024];           /* SLUICE_JOB_CREDENTIAL_KEYS_FILE */
    char bus_key_file[1024];            /* SLUICE_BUS_KEY_FILE (required: checked at start-up) */
    int64_t sigv4_max_skew_s;           /* SLUICE_API_SIGV4_MAX_SKEW_S */
    bool replay_cache;                  /* SLUICE_API_REPLAY_CACHE */
    int64_t replay_cache_entries;       /* SLUICE_API_REPLAY_CACHE_ENTRIES */
    char log_level[16];                 /* SLUICE_LOG_LEVEL */
    char webhook_url[1024];             /* SLUICE_API_WEBHOOK_URL */
    bool require_custom_types;          /* SLUICE_API_REQUIRE_CUSTOM_ACTION_TYPES */
    char third_party_clients[8192];     /* SLUICE_API_THIRD_PARTY_CLIENTS (secret) */
    bool start_on_create;               /* SLUICE_API_START_ON_CREATE */
} api_config;

/* The table of variables; *count is set to its length. */
const sluice_config_var *api_config_vars(size_t *count);

/*
 * Fills cfg from lookup and checks it. 0, or SLUICE_EINVAL with every problem
 * in err (secrets are never echoed).
 */
int api_config_load(api_config *cfg, sluice_config_lookup_fn lookup, void *ctx, char *err,
                    size_t errlen);

/* api_config_load over the process environment (and SLUICE_CONFIG_FILE). */
int api_config_load_env(api_config *cfg, char *err, size_t errlen);

#endif
