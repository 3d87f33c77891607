/*
 * ntf_config.h — the notifier's configuration table (SLUICE_* variables,
 * docs/notifications.md lists them).
 */
#ifndef SLUICE_NTF_CONFIG_H
#define SLUICE_NTF_CONFIG_H

#include "sluice/bus_security.h"
#include "sluice/config.h"
#include "sluice/state_auth.h"

#include <stdint.h>

typedef struct ntf_config {
    char kafka_brokers[1024];
    char topic_prefix[64];
    int64_t topic_partitions;
    char group[256];
    char redis_host[256];
    int64_t redis_port;
    state_auth_config redis_auth;       /* SLUICE_REDIS_USERNAME, _PASSWORD_FILE, _PASSWORD */
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char rules_file[1024];
    char bind[64];
    int64_t port;
    char console_url[1024];
    char api_endpoint[1024];
    char mail_domain[256];
    int64_t lease_ms;
    int64_t retry_base_ms;
    int64_t retry_max_ms;
    int64_t remember_s;
    char link_key_file[1024]; /* SLUICE_APPROVAL_LINK_KEY_FILE, "" when none */
    char credentials[16384]; /* SLUICE_API_CREDENTIALS (secret; only names, groups, e-mails kept) */
    char approvals_url[1024]; /* SLUICE_APPROVALS_PUBLIC_URL */
    int64_t link_ttl_s;
    char account[16];
    char region[32];
    char log_level[16];
} ntf_config;

extern const sluice_config_var ntf_config_vars[];
extern const size_t ntf_config_nvars;

/* Loads the configuration from the environment. 0, or SLUICE_EINVAL with every problem in err. */
int ntf_config_load(ntf_config *cfg, char *err, size_t errlen);

#endif
