/*
 * ntf_config.c — the notifier's configuration table (see ntf_config.h).
 */
#include "ntf_config.h"

#include <string.h>

const sluice_config_var ntf_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", ntf_config, kafka_brokers, 1, "127.0.0.1:9092",
                      "Kafka bootstrap servers, host:port[,host:port]"),
    SLUICE_CONFIG_INT("SLUICE_TOPIC_PARTITIONS", ntf_config, topic_partitions, 1, 1024, "6",
                      "partitions of the topics the notifier creates when missing"),
    SLUICE_CONFIG_STR("SLUICE_NOTIFIER_GROUP", ntf_config, group, 1, "sluice-notifier",
                      "consumer group shared by the notifier replicas"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", ntf_config, redis_host, 1, "127.0.0.1", "Redis host"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", ntf_config, redis_port, 1, 65535, "6379", "Redis port"),
    STATE_AUTH_CONFIG_VARS(ntf_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(ntf_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_NOTIFIER_RULES_FILE", ntf_config, rules_file, 1, NULL,
                      "the rules file (targets and rules, JSON); re-read on SIGHUP"),
    SLUICE_CONFIG_STR("SLUICE_NOTIFIER_BIND", ntf_config, bind, 1, "127.0.0.1",
                      "address of the health/metrics endpoint"),
    SLUICE_CONFIG_INT("SLUICE_NOTIFIER_PORT", ntf_config, port, 0, 65535, "7074",
                      "port of GET /healthz and GET /metrics (0: any free port)"),
    SLUICE_CONFIG_STR("SLUICE_NOTIFIER_CONSOLE_URL", ntf_config, console_url, 0, "",
                      "base URL of the console, for links to executions (empty: no links)"),
    SLUICE_CONFIG_STR("SLUICE_NOTIFIER_API_ENDPOINT", ntf_config, api_endpoint, 0, "",
                      "the api's URL, shown in the aws CLI commands of messages"),
    SLUICE_CONFIG_STR("SLUICE_NOTIFIER_MAIL_DOMAIN", ntf_config, mail_domain, 1, "sluice.local",
                      "domain of the Message-ID and References of e-mails"),
    SLUICE_CONFIG_INT("SLUICE_NOTIFIER_LEASE_MS", ntf_config, lease_ms, 1000, 3600000, "60000",
                      "a delivery taken by a replica that stopped is taken over after this long"),
    SLUICE_CONFIG_INT("SLUICE_NOTIFIER_RETRY_BASE_MS", ntf_config, retry_base_ms, 1, 600000, "500",
                      "first wait before a failed delivery is tried again (doubles)"),
    SLUICE_CONFIG_INT("SLUICE_NOTIFIER_RETRY_MAX_MS", ntf_config, retry_max_ms, 1, 3600000, "30000",
                      "longest wait between two attempts (and most of a Retry-After)"),
    SLUICE_CONFIG_INT("SLUICE_NOTIFIER_REMEMBER_S", ntf_config, remember_s, 60, 31536000, "604800",
                      "how long an (event, target) pair is remembered as queued or sent, so a "
                      "replayed event is never delivered twice"),
    SLUICE_CONFIG_STR("SLUICE_APPROVAL_LINK_KEY_FILE", ntf_config, link_key_file, 0, "",
                      "the approval link key shared with sluice-approvals (one line of 64..256 "
                      "hex digits, mode 0600); with SLUICE_API_CREDENTIALS, each approver named "
                      "by an approval and having an e-mail address gets a mail with their own "
                      "signed link (empty: the page's URL only)"),
    SLUICE_CONFIG_SECRET("SLUICE_API_CREDENTIALS", ntf_config, credentials, 0, "",
                         "the identities (the api's format): only their names, groups and e-mail "
                         "addresses are kept, to address approvers' own links"),
    SLUICE_CONFIG_STR("SLUICE_APPROVALS_PUBLIC_URL", ntf_config, approvals_url, 8,
                      "http://127.0.0.1:7072",
                      "the URL people reach sluice-approvals at: approvers' links point there "
                      "(never at a URL an event names)"),
    SLUICE_CONFIG_INT("SLUICE_NOTIFIER_LINK_TTL_S", ntf_config, link_ttl_s, 60, 604800, "86400",
                      "validity of an approver's link in a mail (never past the approval's "
                      "deadline)"),
    SLUICE_COMMON_CONFIG_VARS(ntf_config),
};
const size_t ntf_config_nvars = sizeof ntf_config_vars / sizeof ntf_config_vars[0];

int ntf_config_load(ntf_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    return sluice_config_load_env(ntf_config_vars, ntf_config_nvars, cfg, err, errlen);
}
