/*
 * art_config.h — sluice-artifacts' configuration: SLUICE_ARTIFACTS_* variables
 * in one declarative table, validated once at start-up.
 */
#ifndef ART_CONFIG_H
#define ART_CONFIG_H

#include "art_retention.h"

#include "sluice/bus_security.h"
#include "sluice/config.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct art_config {
    char bind[64];
    int64_t port;
    char dir[1024];
    char credentials[4096];
    char job_keys_file[1024];
    char region[64];
    char vhost_domain[256];
    char buckets[1024];
    int64_t max_object_size;
    int64_t min_free_bytes;
    int64_t min_part_size;
    int64_t list_max;
    int64_t threads;
    int64_t idle_timeout_s;
    char log_level[16];
    char brokers[1024];
    bus_security_config kafka_security; /* SLUICE_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_* */
    char topic_prefix[128];
    char account[16];
    bool events;
    char retention[ART_RETENTION_TEXT_MAX + 1];
    art_retention_policy retention_policy; /* parsed from retention */
    int64_t sweep_interval_s;
    int64_t sweep_max_versions;
} art_config;

extern const sluice_config_var art_config_vars[];
extern const size_t art_config_nvars;

/*
 * Loads the configuration from the environment and parses
 * SLUICE_ARTIFACTS_RETENTION into retention_policy. 0 or SLUICE_EINVAL with
 * every problem in err, each naming its variable (and, for the retention
 * policy, the bad item).
 */
int art_config_load(art_config *cfg, char *err, size_t errlen);

#endif
