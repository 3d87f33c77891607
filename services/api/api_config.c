/*
 * api_config.c — the configuration table and its checks (see api_config.h).
 */
#include "api_config.h"

#include "sluice/error.h"
#include "sluice/log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const sluice_config_var api_config_table[] = {
    SLUICE_CONFIG_STR("SLUICE_API_BIND", api_config, bind, 1, "127.0.0.1",
                      "Address the api listens on (numeric IPv4 or IPv6)"),
    SLUICE_CONFIG_INT("SLUICE_API_PORT", api_config, port, 0, 65535, "7070",
                      "TCP port of the api (0: an ephemeral port, logged at start-up)"),
    SLUICE_CONFIG_SECRET("SLUICE_API_CREDENTIALS", api_config, credentials, 1, NULL,
                         "Access keys: AKID:SECRET:IDENTITY:ROLE[:SESSION_TOKEN], comma-separated; "
                         "roles viewer, operator, approver, worker, admin"),
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", api_config, brokers, 1, NULL,
                      "Kafka bootstrap servers, host:port[,host:port...]"),
    SLUICE_CONFIG_INT("SLUICE_TOPIC_PARTITIONS", api_config, partitions, 1, 1024, "6",
                      "Partitions of the topics the api creates when they do not exist (the "
                      "orchestrator's setting of the same name must agree)"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", api_config, redis_host, 1, "127.0.0.1", "Redis host"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", api_config, redis_port, 1, 65535, "6379", "Redis port"),
    SLUICE_CONFIG_STR("SLUICE_BUS_KEY_FILE", api_config, bus_key_file, 0, "",
                      "required: the bus key file (lines '<key-id> <hex secret>', mode 0600; the "
                      "first key signs the api's requests, every key verifies sluice.jobs)"),
    SLUICE_CONFIG_STR("SLUICE_JOB_CREDENTIAL_KEYS_FILE", api_config, job_keys_file, 0, "",
                      "Key file of job credentials (lines '<key id> <secret>'; the first signs), "
                      "shared with sluice-artifacts; empty: an ephemeral key, with a warning"),
    STATE_AUTH_CONFIG_VARS(api_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(api_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_EXTERNAL_PROVIDERS", api_config, external_providers, 0, "",
                      "Providers served by external job workers through PollForJobs, "
                      "Owner/Category/Provider/Version, comma-separated"),
    SLUICE_CONFIG_INT("SLUICE_API_REPLY_TIMEOUT_MS", api_config, reply_timeout_ms, 100, 300000,
                      "10000", "How long a request waits for the orchestrator's reply"),
    SLUICE_CONFIG_INT("SLUICE_API_THREADS", api_config, threads, 1, 16, "8",
                      "HTTP worker threads (each holds a Redis connection)"),
    SLUICE_CONFIG_INT("SLUICE_API_MAX_BODY", api_config, max_body, 1024, 16777216, "1572864",
                      "Largest request body accepted, in bytes (larger: 413)"),
    SLUICE_CONFIG_INT(
        "SLUICE_API_MAX_PIPELINES", api_config, max_pipelines, 1, 1000000, "1000",
        "Pipelines the installation may hold (CreatePipeline: LimitExceededException)"),
    SLUICE_CONFIG_STR("SLUICE_API_JOBS_GROUP", api_config, jobs_group, 1, "sluice-api-jobs",
                      "Consumer group of the api's jobs topic consumer"),
    SLUICE_CONFIG_INT("SLUICE_API_JOB_LEASE_S", api_config, job_lease_s, 1, 86400, "60",
                      "Seconds a job handed out by PollForJobs waits for its AcknowledgeJob "
                      "before it is offered again"),
    SLUICE_CONFIG_INT("SLUICE_API_SIGV4_MAX_SKEW_S", api_config, sigv4_max_skew_s, 1, 3600, "900",
                      "Largest difference between a request's X-Amz-Date and the api's clock, in "
                      "seconds (larger: InvalidSignatureException, Signature expired)"),
    SLUICE_CONFIG_BOOL("SLUICE_API_REPLAY_CACHE", api_config, replay_cache, "off",
                       "Refuse a mutating request whose signature was already accepted inside "
                       "the skew window (InvalidSignatureException)"),
    SLUICE_CONFIG_INT("SLUICE_API_REPLAY_CACHE_ENTRIES", api_config, replay_cache_entries, 1,
                      10000000, "100000",
                      "Signatures the replay cache holds (about 48 bytes each); when all are "
                      "live a mutating request is refused with ThrottlingException"),
    SLUICE_CONFIG_STR("SLUICE_API_WEBHOOK_URL", api_config, webhook_url, 1, "http://127.0.0.1:7073",
                      "Base URL of sluice-source's webhook endpoint as senders reach it; "
                      "PutWebhook answers <this>/webhooks/<id> as the webhook's url"),
    SLUICE_CONFIG_BOOL("SLUICE_API_REQUIRE_CUSTOM_ACTION_TYPES", api_config, require_custom_types,
                       "on",
                       "Custom action types must be registered (CreateCustomActionType) before a "
                       "declaration uses them or PollForJobs names them, as on AWS; off: any "
                       "Custom type is accepted as pipelines name it"),
    SLUICE_CONFIG_SECRET("SLUICE_API_THIRD_PARTY_CLIENTS", api_config, third_party_clients, 0, "",
                         "Client pairs of ThirdParty action types, "
                         "ThirdParty/<Category>/<Provider>/<Version>:<CLIENT_ID>:<CLIENT_TOKEN>, "
                         "comma-separated: the clientId their jobs carry and the clientToken "
                         "the third-party job operations must present"),
    SLUICE_CONFIG_BOOL("SLUICE_API_START_ON_CREATE", api_config, start_on_create, "on",
                       "CreatePipeline starts an execution of the new pipeline, as CodePipeline "
                       "does (trigger CreatePipeline); off: it only stores the definition"),
    SLUICE_COMMON_CONFIG_VARS(api_config),
};

const sluice_config_var *api_config_vars(size_t *count)
{
    *count = sizeof api_config_table / sizeof api_config_table[0];
    return api_config_table;
}

/* Checks what the table cannot express; appends problems to err. */
static int api_config_check(const api_config *cfg, char *err, size_t errlen)
{
    int rc = 0;
    size_t used = 0;
    bool digits = strlen(cfg->account) == 12;
    for (size_t i = 0; digits && i < 12; i++) {
        digits = cfg->account[i] >= '0' && cfg->account[i] <= '9';
    }
    if (!digits) {
        used += (size_t)snprintf(err + used, used < errlen ? errlen - used : 0,
                                 "SLUICE_ACCOUNT: \"%s\" is not 12 digits; ", cfg->account);
        rc = SLUICE_EINVAL;
    }
    bool region_ok = cfg->region[0] >= 'a' && cfg->region[0] <= 'z';
    for (const char *p = cfg->region; region_ok && *p != '\0'; p++) {
        region_ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
    }
    if (!region_ok) {
        used += (size_t)snprintf(
            err + (used < errlen ? used : errlen), used < errlen ? errlen - used : 0,
            "SLUICE_REGION: \"%s\" is not a region name like us-east-1; ", cfg->region);
        rc = SLUICE_EINVAL;
    }
    if (strncmp(cfg->webhook_url, "http://", 7) != 0 &&
        strncmp(cfg->webhook_url, "https://", 8) != 0) {
        used += (size_t)snprintf(err + (used < errlen ? used : errlen),
                                 used < errlen ? errlen - used : 0,
                                 "SLUICE_API_WEBHOOK_URL: \"%.200s\" is not an http:// or "
                                 "https:// URL; ",
                                 cfg->webhook_url);
        rc = SLUICE_EINVAL;
    }
    sluice_log_level level;
    if (sluice_log_level_parse(cfg->log_level, &level) != 0) {
        snprintf(err + (used < errlen ? used : errlen), used < errlen ? errlen - used : 0,
                 "SLUICE_LOG_LEVEL: \"%s\" is not debug, info, warn, error or off", cfg->log_level);
        rc = SLUICE_EINVAL;
    }
    return rc;
}

int api_config_load(api_config *cfg, sluice_config_lookup_fn lookup, void *ctx, char *err,
                    size_t errlen)
{
    size_t count = 0;
    const sluice_config_var *vars = api_config_vars(&count);
    memset(cfg, 0, sizeof *cfg);
    int rc = sluice_config_load(vars, count, cfg, lookup, ctx, err, errlen);
    if (rc != 0) {
        return rc;
    }
    return api_config_check(cfg, err, errlen);
}

int api_config_load_env(api_config *cfg, char *err, size_t errlen)
{
    size_t count = 0;
    const sluice_config_var *vars = api_config_vars(&count);
    memset(cfg, 0, sizeof *cfg);
    int rc = sluice_config_load_env(vars, count, cfg, err, errlen);
    if (rc != 0) {
        return rc;
    }
    return api_config_check(cfg, err, errlen);
}
