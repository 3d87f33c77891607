/*
 * apv_config.c — sluice-approvals' configuration table (see apv_config.h).
 */
#include "apv_config.h"

#include <string.h>

const sluice_config_var apv_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", apv_config, kafka_brokers, 1, "127.0.0.1:9092",
                      "Kafka bootstrap servers, host:port[,host:port]"),
    SLUICE_CONFIG_INT("SLUICE_TOPIC_PARTITIONS", apv_config, topic_partitions, 1, 1024, "6",
                      "partitions of the topics the service creates when missing"),
    SLUICE_CONFIG_STR("SLUICE_APPROVALS_GROUP", apv_config, group, 1, "sluice-approvals",
                      "consumer group of the replicas for sluice.jobs (sluice.events: the same "
                      "name + \"-events\")"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", apv_config, redis_host, 1, "127.0.0.1", "Redis host"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", apv_config, redis_port, 1, 65535, "6379", "Redis port"),
    STATE_AUTH_CONFIG_VARS(apv_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(apv_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_BUS_KEY_FILE", apv_config, bus_key_file, 1, NULL,
                      "the bus key file (lines '<key-id> <hex secret>', mode 0600): the first key "
                      "signs votes, every key verifies sluice.jobs"),
    SLUICE_CONFIG_STR("SLUICE_APPROVAL_LINK_KEY_FILE", apv_config, link_key_file, 1, NULL,
                      "the link key (one line of 64..256 hex digits, mode 0600), shared only with "
                      "the notifier: signs one-time links and CSRF tokens"),
    SLUICE_CONFIG_SECRET("SLUICE_API_CREDENTIALS", apv_config, credentials, 1, NULL,
                         "the identities (the api's format, with groups= and email=): who may "
                         "sign in, and the groups and e-mail address a vote carries"),
    SLUICE_CONFIG_STR("SLUICE_APPROVALS_BIND", apv_config, bind, 1, "127.0.0.1",
                      "address of the HTTP server"),
    SLUICE_CONFIG_INT("SLUICE_APPROVALS_PORT", apv_config, port, 0, 65535, "7072",
                      "port of the pages, the JSON endpoint, /healthz and /metrics (0: any)"),
    SLUICE_CONFIG_STR("SLUICE_APPROVALS_PUBLIC_URL", apv_config, public_url, 8,
                      "http://127.0.0.1:7072",
                      "the URL people reach the service at (page URLs in events and links; "
                      "https:// marks the session cookie Secure)"),
    SLUICE_CONFIG_INT("SLUICE_APPROVALS_SESSION_IDLE_S", apv_config, session_idle_s, 60, 86400,
                      "900", "a session unused for this long is signed out"),
    SLUICE_CONFIG_INT("SLUICE_APPROVALS_LINK_TTL_S", apv_config, link_ttl_s, 60, 604800, "86400",
                      "longest validity of a link made by `sluice-approvals link` (never past the "
                      "approval's deadline)"),
    SLUICE_CONFIG_INT("SLUICE_APPROVALS_REPLY_TIMEOUT_MS", apv_config, reply_timeout_ms, 100, 60000,
                      "5000", "how long a vote waits for the orchestrator's answer"),
    SLUICE_CONFIG_INT("SLUICE_APPROVALS_KEEP_S", apv_config, keep_s, 60, 31536000, "86400",
                      "how long a record is kept after its deadline (the page then says so)"),
    SLUICE_COMMON_CONFIG_VARS(apv_config),
};
const size_t apv_config_nvars = sizeof apv_config_vars / sizeof apv_config_vars[0];

int apv_config_load(apv_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    return sluice_config_load_env(apv_config_vars, apv_config_nvars, cfg, err, errlen);
}
