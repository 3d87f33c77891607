/*
 * art_config.c — sluice-artifacts' configuration table (see art_config.h).
 */
#include "art_config.h"

#include "sluice/error.h"

#include <stdio.h>
#include <string.h>

const sluice_config_var art_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_BIND", art_config, bind, 1, "127.0.0.1",
                      "address the artifact store listens on (numeric IPv4 or IPv6)"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_PORT", art_config, port, 0, 65535, "7071",
                      "TCP port of the artifact store (0: an ephemeral port, logged)"),
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_DIR", art_config, dir, 1, ".sluice/artifacts",
                      "data directory of buckets, objects and uploads"),
    SLUICE_CONFIG_SECRET("SLUICE_ARTIFACTS_CREDENTIALS", art_config, credentials, 1, NULL,
                         "access keys AKID:SECRET:IDENTITY:ROLE, comma-separated (as the api's)"),
    SLUICE_CONFIG_STR(
        "SLUICE_JOB_CREDENTIAL_KEYS_FILE", art_config, job_keys_file, 0, "",
        "key file of job credentials, shared with the api (lines '<key id> <secret>'); "
        "empty: job credentials are refused"),
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_VHOST_DOMAIN", art_config, vhost_domain, 0, "localhost",
                      "Host '<bucket>.<domain>' selects a bucket (virtual-host style; empty: off)"),
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_BUCKETS", art_config, buckets, 0, "sluice-artifacts",
                      "buckets created at start-up, comma-separated"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_MAX_OBJECT_SIZE", art_config, max_object_size, 1, INT64_MAX,
                      "5368709120", "largest object in bytes (EntityTooLarge beyond)"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_MIN_FREE_BYTES", art_config, min_free_bytes, 0, INT64_MAX,
                      "1073741824", "disk space kept free: uploads are refused below it"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_MIN_PART_SIZE", art_config, min_part_size, 1, INT64_MAX,
                      "5242880", "smallest multipart part but the last, as S3"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_LIST_MAX", art_config, list_max, 1, 10000000, "1000000",
                      "objects one listing may scan in a bucket"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_THREADS", art_config, threads, 1, 16, "4",
                      "HTTP worker threads"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_IDLE_TIMEOUT_S", art_config, idle_timeout_s, 1, 3600, "30",
                      "a connection silent this long is closed (an upload in it is discarded)"),
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", art_config, brokers, 0, "",
                      "Kafka bootstrap servers, host:port[,host:port...] (empty: no events)"),
    BUS_SECURITY_CONFIG_VARS(art_config, kafka_security),
    SLUICE_CONFIG_BOOL("SLUICE_ARTIFACTS_EVENTS", art_config, events, "on",
                       "publish 'Sluice Artifact Stored' on <prefix>events for each stored object"),
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_RETENTION", art_config, retention, 0, "*=10:30",
                      "what the sweeper keeps: '<bucket>=<executions>:<days>' or '<bucket>=off', "
                      "comma-separated, '*' for every other bucket (see docs/artifacts.md)"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_SWEEP_INTERVAL_S", art_config, sweep_interval_s, 1, 86400,
                      "300", "seconds between two retention sweeps (the first one after one)"),
    SLUICE_CONFIG_INT("SLUICE_ARTIFACTS_SWEEP_MAX_VERSIONS", art_config, sweep_max_versions, 1,
                      10000000, "100000",
                      "versions of a bucket one sweep considers for deletion, the oldest first"),
    SLUICE_COMMON_CONFIG_VARS(art_config),
};
const size_t art_config_nvars = sizeof art_config_vars / sizeof art_config_vars[0];

int art_config_load(art_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    int rc = sluice_config_load_env(art_config_vars, art_config_nvars, cfg, err, errlen);
    char why[256];
    if (art_retention_policy_parse(cfg->retention, &cfg->retention_policy, why, sizeof why) !=
        SLUICE_OK) {
        size_t used = rc != SLUICE_OK ? strnlen(err, errlen) : 0;
        if (used < errlen) {
            snprintf(err + used, errlen - used, "%sSLUICE_ARTIFACTS_RETENTION: %s",
                     used > 0 ? "; " : "", why);
        }
        rc = SLUICE_EINVAL;
    }
    return rc;
}
