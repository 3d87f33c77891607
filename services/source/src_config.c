/*
 * src_config.c — sluice-source's configuration table (see src_config.h).
 */
#include "src_config.h"

#include "sluice/error.h"

#include <string.h>

const sluice_config_var src_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", src_config, kafka_brokers, 1, "127.0.0.1:9092",
                      "Kafka bootstrap servers, host:port[,host:port]"),
    SLUICE_CONFIG_INT("SLUICE_TOPIC_PARTITIONS", src_config, topic_partitions, 1, 1024, "6",
                      "partitions of the topics created when missing"),
    SLUICE_CONFIG_STR("SLUICE_SOURCE_GROUP", src_config, group, 1, "sluice-source",
                      "consumer group of the jobs topic shared by the source replicas"),
    SLUICE_CONFIG_STR("SLUICE_SOURCE_INSTANCE", src_config, instance, 0, "",
                      "static group membership id of this replica (empty: dynamic)"),
    SLUICE_CONFIG_INT("SLUICE_KAFKA_SESSION_TIMEOUT_MS", src_config, session_timeout_ms, 6000,
                      300000, "10000", "how long the group waits for a silent replica"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", src_config, redis_host, 1, "127.0.0.1", "Redis host"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", src_config, redis_port, 1, 65535, "6379", "Redis port"),
    STATE_AUTH_CONFIG_VARS(src_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(src_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_BUS_KEY_FILE", src_config, bus_key_file, 0, "",
                      "required: the bus key file (lines '<key-id> <hex secret>', mode 0600; the "
                      "first key signs the job results and starts sluice-source produces, every "
                      "key verifies sluice.jobs)"),
    SLUICE_CONFIG_STR("SLUICE_SOURCE_BIND", src_config, bind, 1, "127.0.0.1",
                      "address of the health, metrics (and webhook) endpoint"),
    SLUICE_CONFIG_INT("SLUICE_SOURCE_PORT", src_config, port, 0, 65535, "7073",
                      "port of GET /healthz and GET /metrics (0: any free port)"),
    SLUICE_CONFIG_STR("SLUICE_SOURCE_REPOSITORIES_FILE", src_config, repositories_file, 0, "",
                      "the repositories and connections file (docs/source.md; empty: none, so "
                      "every git Source action fails with ConfigurationError)"),
    SLUICE_CONFIG_STR("SLUICE_JOB_CREDENTIAL_KEYS_FILE", src_config, job_keys_file, 1, NULL,
                      "job credential keys, the api's and the artifact store's file: they mint "
                      "the credentials a job writes its output artifact with"),
    SLUICE_CONFIG_STR("SLUICE_SOURCE_S3_KEY_FILE", src_config, s3_key_file, 0, "",
                      "a key of the artifact store ('<access key id>:<secret>', mode 0600) that "
                      "AWS/S3 Source actions read and poll their objects with (empty: they fail "
                      "with ConfigurationError)"),
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_ENDPOINT", src_config, artifacts_endpoint, 8,
                      "http://127.0.0.1:7071", "the artifact store source artifacts go to"),
    SLUICE_CONFIG_STR("SLUICE_SOURCE_CACHE_DIR", src_config, cache_dir, 1, "/var/tmp/sluice-source",
                      "absolute directory of the git mirrors and temporary zips"),
    SLUICE_CONFIG_INT("SLUICE_SOURCE_GIT_TIMEOUT_MS", src_config, git_timeout_ms, 1000, 240000,
                      "120000", "bound on one git run (below the consumer's 300 s poll interval)"),
    SLUICE_CONFIG_INT("SLUICE_SOURCE_ZIP_MAX_BYTES", src_config, zip_max_bytes, 1024, 1073741824,
                      "268435456",
                      "largest CODE_ZIP a Source action stores; a larger one fails the action"),
    SLUICE_CONFIG_INT("SLUICE_SOURCE_POLL_INTERVAL_S", src_config, poll_interval_s, 1, 86400, "60",
                      "how often each polled remote branch is checked (jittered by 10 %), however "
                      "many pipelines poll it"),
    SLUICE_COMMON_CONFIG_VARS(src_config),
};
const size_t src_config_nvars = sizeof src_config_vars / sizeof src_config_vars[0];

int src_config_load(src_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    int rc = sluice_config_load_env(src_config_vars, src_config_nvars, cfg, err, errlen);
    if (rc == 0 && cfg->cache_dir[0] != '/') {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "SLUICE_SOURCE_CACHE_DIR: \"%s\" is not an absolute path",
                              cfg->cache_dir);
    }
    if (rc == 0 && strncmp(cfg->artifacts_endpoint, "http://", 7) != 0 &&
        strncmp(cfg->artifacts_endpoint, "https://", 8) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "SLUICE_ARTIFACTS_ENDPOINT: \"%s\" is not an http(s) URL",
                              cfg->artifacts_endpoint);
    }
    return rc;
}
