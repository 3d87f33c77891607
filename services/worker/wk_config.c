/*
 * wk_config.c — the worker's configuration table (see wk_config.h).
 */
#include "wk_config.h"

#include "sluice/error.h"

#include <string.h>

const sluice_config_var wk_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", wk_config, kafka_brokers, 1, "127.0.0.1:9092",
                      "Kafka bootstrap servers, host:port[,host:port]"),
    SLUICE_CONFIG_INT("SLUICE_TOPIC_PARTITIONS", wk_config, topic_partitions, 1, 1024, "6",
                      "partitions of the topics the worker creates when missing"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_GROUP", wk_config, group, 1, "sluice-worker",
                      "consumer group of the jobs topic shared by the workers"),
    SLUICE_CONFIG_INT("SLUICE_KAFKA_SESSION_TIMEOUT_MS", wk_config, session_timeout_ms, 6000,
                      300000, "10000", "how long the group waits for a silent worker"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", wk_config, redis_host, 1, "127.0.0.1", "Redis host"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", wk_config, redis_port, 1, 65535, "6379", "Redis port"),
    STATE_AUTH_CONFIG_VARS(wk_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(wk_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_WORKER_BIND", wk_config, bind, 1, "127.0.0.1",
                      "address of the health/metrics endpoint"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_PORT", wk_config, port, 0, 65535, "7076",
                      "port of GET /healthz and GET /metrics (0: any free port)"),
    SLUICE_CONFIG_STR("SLUICE_ARTIFACTS_ENDPOINT", wk_config, artifacts_endpoint, 8,
                      "http://127.0.0.1:7071",
                      "URL of the artifact store (inputs are read and outputs written there)"),
    SLUICE_CONFIG_STR("SLUICE_JOB_CREDENTIAL_KEYS_FILE", wk_config, job_keys_file, 1, NULL,
                      "key file of job credentials, the api's and the artifact store's: the "
                      "worker mints each job's artifactCredentials with it"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_WORKSPACES", wk_config, workspace_root, 1,
                      "/tmp/sluice-worker",
                      "directory under which each job gets a fresh workspace"),
    SLUICE_CONFIG_BOOL("SLUICE_WORKER_KEEP_WORKSPACES", wk_config, keep_workspaces, "false",
                       "keep each job's workspace after it ends (for debugging)"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_SLOTS", wk_config, slots, 1, 64, "2",
                      "jobs one worker runs at the same time"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_LEASE_MS", wk_config, lease_ms, 1000, 600000, "30000",
                      "how long a job's claim lasts without a heartbeat (renewed every third of "
                      "it while the job runs)"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_DONE_TTL_MS", wk_config, done_ttl_ms, 60000, 2592000000LL,
                      "604800000",
                      "how long a finished job is remembered, so a redelivered one is not run "
                      "again"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_ARTIFACT_MAX_BYTES", wk_config, artifact_max_bytes, 1024,
                      4294967296LL, "268435456",
                      "largest input or output artifact (zip) the worker downloads or uploads"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_UNPACKED_MAX_BYTES", wk_config, unpacked_max_bytes, 1024,
                      68719476736LL, "1073741824",
                      "bytes one job's input artifacts may take once unpacked"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_OUTPUT_MAX_BYTES", wk_config, output_max_bytes, 1024,
                      4294967296LL, "268435456", "bytes of files one output artifact may pack"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_LOG_MAX_BYTES", wk_config, log_max_bytes, 4096, 1073741824LL,
                      "16777216", "bytes of output one job may write; past it the job fails"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_LOGS_BUCKET", wk_config, logs_bucket, 0, "sluice-artifacts",
                      "bucket of the artifact store the action logs are written to (empty: the "
                      "logs are not stored)"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_LOGS_PREFIX", wk_config, logs_prefix, 0, "logs/",
                      "prefix of the log objects' keys: <prefix><pipeline>/<action execution "
                      "id>.log"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_LOGS_URL", wk_config, logs_url, 0, "",
                      "base URL of the artifact store in the logs' externalExecutionUrl (empty: "
                      "SLUICE_ARTIFACTS_ENDPOINT)"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_LOG_STORED_MAX_BYTES", wk_config, log_stored_max_bytes, 1024,
                      268435456LL, "4194304",
                      "bytes of an action's log stored; past it the log says it was cut and "
                      "the rest is not stored (the commands run on)"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_LOG_FLUSH_MS", wk_config, log_flush_ms, 50, 60000, "1000",
                      "how often a running action's log is written to the store when it grew"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_RUN_AS", wk_config, run_as, 0, "",
                      "unprivileged user the commands run as (the worker must run as root to "
                      "switch; empty: the worker's own user)"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_TIMEOUT_MAX_MS", wk_config, timeout_max_ms, 0, 2592000000LL,
                      "0",
                      "longest a job's commands may run, whatever the action's timeout (0: the "
                      "action's timeout alone)"),
    SLUICE_CONFIG_INT("SLUICE_WORKER_LOST_RETRIES", wk_config, lost_retries, 0, 10, "1",
                      "times a job whose worker was lost (its lease expired) is run again by "
                      "another worker before it fails saying so"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_PATH", wk_config, path, 1, "/usr/local/bin:/usr/bin:/bin",
                      "PATH the commands run with"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_PROJECTS_FILE", wk_config, projects_file, 0, "",
                      "JSON file of the build projects AWS/CodeBuild actions name ({\"<name>\": "
                      "{\"environmentVariables\", \"buildspec\", \"timeoutInMinutes\"}}); "
                      "empty: every ProjectName builds with the source's buildspec.yml"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_DEPLOY_DIRS", wk_config, deploy_dirs, 0, "",
                      "directories AWS/Deploy/S3 actions deploy into, by BucketName: "
                      "<bucket>=<absolute directory>[,...]"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_DEPLOY_BUCKETS", wk_config, deploy_buckets, 0, "",
                      "buckets of the artifact store AWS/Deploy/S3 actions deploy into: "
                      "<bucket>[,...] (written with SLUICE_WORKER_DEPLOY_KEY_FILE's key)"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_DEPLOY_KEY_FILE", wk_config, deploy_key_file, 0, "",
                      "required with SLUICE_WORKER_DEPLOY_BUCKETS: a file holding "
                      "<access key id>:<secret> of an artifact-store identity that may write "
                      "them (role operator), mode 0600 or 0400"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_FUNCTIONS_FILE", wk_config, functions_file, 0, "",
                      "JSON file of the functions AWS/Lambda actions and LambdaInvoke rules name "
                      "({\"<FunctionName>\": {\"url\": \"https://... or http://127.0.0.1:...\"}}); "
                      "empty: none"),
    SLUICE_CONFIG_STR("SLUICE_WORKER_SECRETS_FILE", wk_config, secrets_file, 0, "",
                      "JSON object of secret values by reference: what SECRETS_MANAGER and "
                      "PARAMETER_STORE variables name, mode 0600 (empty: none)"),
    SLUICE_CONFIG_STR("SLUICE_EXTERNAL_PROVIDERS", wk_config, external_providers, 0, "",
                      "providers served by external job workers (the api's setting): their jobs "
                      "are left to PollForJobs even when the worker has a runner for them"),
    SLUICE_CONFIG_STR("SLUICE_BUS_KEY_FILE", wk_config, bus_key_file, 0, "",
                      "required: the bus key file (lines '<key-id> <hex secret>', mode 0600; the "
                      "first key signs the job results the worker produces, every key verifies "
                      "sluice.jobs)"),
    SLUICE_COMMON_CONFIG_VARS(wk_config),
};
const size_t wk_config_nvars = sizeof wk_config_vars / sizeof wk_config_vars[0];

int wk_config_load(wk_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    return sluice_config_load_env(wk_config_vars, wk_config_nvars, cfg, err, errlen);
}
