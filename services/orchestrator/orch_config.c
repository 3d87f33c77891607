/*
 * orch_config.c — the orchestrator's configuration table (see orch_config.h).
 */
#include "orch_config.h"

#include "sluice/error.h"

#include <string.h>

const sluice_config_var orch_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", orch_config, kafka_brokers, 1, "127.0.0.1:9092",
                      "Kafka bootstrap servers, host:port[,host:port]"),
    SLUICE_CONFIG_INT("SLUICE_TOPIC_PARTITIONS", orch_config, topic_partitions, 1, 1024, "6",
                      "partitions of the topics the orchestrator creates when missing"),
    SLUICE_CONFIG_STR("SLUICE_ORCHESTRATOR_GROUP", orch_config, group, 1, "sluice-orchestrator",
                      "consumer group shared by the orchestrator replicas"),
    SLUICE_CONFIG_STR("SLUICE_ORCHESTRATOR_INSTANCE", orch_config, instance, 0, "",
                      "static group membership id of this replica (empty: dynamic); a replica "
                      "restarted with the same id resumes its partitions without a rebalance"),
    SLUICE_CONFIG_INT("SLUICE_KAFKA_SESSION_TIMEOUT_MS", orch_config, session_timeout_ms, 6000,
                      300000, "10000", "how long the group waits for a silent replica"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", orch_config, redis_host, 1, "127.0.0.1", "Redis host"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", orch_config, redis_port, 1, 65535, "6379", "Redis port"),
    STATE_AUTH_CONFIG_VARS(orch_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(orch_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_ORCHESTRATOR_BIND", orch_config, bind, 1, "127.0.0.1",
                      "address of the health/metrics endpoint"),
    SLUICE_CONFIG_INT("SLUICE_ORCHESTRATOR_PORT", orch_config, port, 0, 65535, "7075",
                      "port of GET /healthz and GET /metrics (0: any free port)"),
    SLUICE_CONFIG_INT("SLUICE_HISTORY_MAX", orch_config, history_max, 1, 1000000, "1000",
                      "executions kept in each pipeline's history (older ones are dropped)"),
    SLUICE_CONFIG_INT("SLUICE_STATE_KEEP_TERMINAL", orch_config, keep_terminal, 0, 1000, "3",
                      "finished executions a pipeline's working state keeps besides those "
                      "GetPipelineState shows (older ones live in the history)"),
    SLUICE_CONFIG_INT("SLUICE_STATE_RECORD_MAX_BYTES", orch_config, record_max_bytes, 4096,
                      16777216, "1048576",
                      "bytes one stored state record (a pipeline's, or one execution's) may take; "
                      "a request that would make one larger fails"),
    SLUICE_CONFIG_INT("SLUICE_TIMER_LEASE_MS", orch_config, timer_lease_ms, 100, 3600000, "30000",
                      "how long a claimed timer stays claimed before another replica may fire it"),
    SLUICE_CONFIG_INT("SLUICE_TIMER_POLL_MS", orch_config, timer_poll_ms, 10, 60000, "200",
                      "how often due timers are looked for"),
    SLUICE_CONFIG_INT("SLUICE_OUTBOX_SWEEP_MS", orch_config, sweep_interval_ms, 100, 3600000,
                      "5000", "how often outboxes left by a crashed replica are looked for"),
    SLUICE_CONFIG_INT("SLUICE_CLOCK_OFFSET_MS", orch_config, clock_offset_ms, -2592000000LL,
                      2592000000LL, "0",
                      "added to the wall clock the engine sees (for rehearsing timeouts)"),
    SLUICE_CONFIG_INT("SLUICE_BUS_MESSAGE_MAX", orch_config, bus_message_max, 65536, 1000000,
                      "1000000",
                      "largest message the orchestrator publishes, in bytes; a job that would "
                      "exceed it fails its action (at most the producer's message.max.bytes)"),
    SLUICE_CONFIG_INT("SLUICE_OUTBOX_RETRY_ATTEMPTS", orch_config, outbox_retry_attempts, 1, 100,
                      "5",
                      "times an outbox op refused for good (message too large for its topic, "
                      "unknown topic, a Redis WRONGTYPE...) is tried before it is dead-lettered"),
    SLUICE_CONFIG_INT("SLUICE_OUTBOX_RETRY_BACKOFF_MS", orch_config, outbox_retry_backoff_ms, 1,
                      60000, "100", "wait after an outbox op failed, doubled after each failure"),
    SLUICE_CONFIG_INT("SLUICE_OUTBOX_RETRY_BACKOFF_MAX_MS", orch_config,
                      outbox_retry_backoff_max_ms, 1, 600000, "5000",
                      "longest wait between two attempts of a failing outbox op"),
    SLUICE_CONFIG_STR("SLUICE_BUS_KEY_FILE", orch_config, bus_key_file, 0, "",
                      "required: the bus key file (lines '<key-id> <hex secret>', mode 0600; the "
                      "first key signs what the orchestrator produces, every key verifies "
                      "sluice.requests)"),
    SLUICE_CONFIG_STR("SLUICE_ORCHESTRATOR_ID_KEY_FILE", orch_config, id_key_file, 0, "",
                      "required: the secret (32..128 bytes as hex, mode 0600) that keys the ids, "
                      "job ids and approval tokens the engine mints"),
    SLUICE_COMMON_CONFIG_VARS(orch_config),
};
const size_t orch_config_nvars = sizeof orch_config_vars / sizeof orch_config_vars[0];

int orch_config_load(orch_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    return sluice_config_load_env(orch_config_vars, orch_config_nvars, cfg, err, errlen);
}
