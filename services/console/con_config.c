/*
 * con_config.c — sluice-console's configuration table (see con_config.h).
 */
#include "con_config.h"

#include <string.h>

const sluice_config_var con_config_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_KAFKA_BROKERS", con_config, kafka_brokers, 1, "127.0.0.1:9092",
                      "Kafka bootstrap servers, host:port[,host:port]"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_GROUP", con_config, group, 1, "sluice-console",
                      "prefix of the consumer group of sluice.events: each process takes "
                      "<prefix>-<random> so every replica sees every event"),
    SLUICE_CONFIG_STR("SLUICE_REDIS_HOST", con_config, redis_host, 1, "127.0.0.1",
                      "Redis host (sessions only)"),
    SLUICE_CONFIG_INT("SLUICE_REDIS_PORT", con_config, redis_port, 1, 65535, "6379", "Redis port"),
    STATE_AUTH_CONFIG_VARS(con_config, redis_auth),
    BUS_SECURITY_CONFIG_VARS(con_config, kafka_security),
    SLUICE_CONFIG_STR("SLUICE_BUS_KEY_FILE", con_config, bus_key_file, 1, NULL,
                      "the bus key file (lines '<key-id> <hex secret>', mode 0600): every key "
                      "verifies the state-change events"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_KEY_FILE", con_config, key_file, 0, "",
                      "the console's key (one line of 64..256 hex digits, mode 0600) that signs "
                      "CSRF tokens; shared by replicas. Empty: a random key per process (tokens "
                      "are then renewed after a restart)"),
    SLUICE_CONFIG_SECRET("SLUICE_API_CREDENTIALS", con_config, credentials, 1, NULL,
                         "the identities (the api's format): who may sign in; each call to the "
                         "api is signed with the signed-in identity's own key"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_API_ENDPOINT", con_config, api_endpoint, 8,
                      "http://127.0.0.1:7070", "the api's URL the console calls"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_BIND", con_config, bind, 1, "127.0.0.1",
                      "address of the HTTP server"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_PORT", con_config, port, 0, 65535, "7077",
                      "port of the console, /healthz and /metrics (0: any)"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_PUBLIC_URL", con_config, public_url, 8,
                      "http://127.0.0.1:7077",
                      "the URL people reach the console at (its origin is the only one a "
                      "state-changing call may come from; https:// marks the cookie Secure)"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_SESSION_IDLE_S", con_config, session_idle_s, 60, 86400,
                      "1800", "a session unused for this long is signed out"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_API_TIMEOUT_MS", con_config, api_timeout_ms, 100, 60000,
                      "10000", "how long a call to the api may take"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_MAX_CLIENTS", con_config, max_clients, 1, 10000, "256",
                      "open live-update streams (GET /console/events) at most; more are refused "
                      "with 503"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_CLIENT_QUEUE_BYTES", con_config, client_queue_bytes, 4096,
                      16777216, "262144",
                      "bytes of events waiting for one browser at most; a slower browser is "
                      "dropped (it reconnects and resyncs)"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_HEARTBEAT_S", con_config, heartbeat_s, 1, 300, "15",
                      "a comment line on every live-update stream this often (finds closed "
                      "connections, keeps proxies from timing out)"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_LOGS_ENDPOINT", con_config, logs_endpoint, 0, "",
                      "the artifact store the action logs are read from (http://host:port; "
                      "empty: the action view shows no log)"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_LOGS_BUCKET", con_config, logs_bucket, 0, "sluice-artifacts",
                      "bucket of the action logs (the worker's SLUICE_WORKER_LOGS_BUCKET)"),
    SLUICE_CONFIG_STR("SLUICE_CONSOLE_LOGS_PREFIX", con_config, logs_prefix, 0, "logs/",
                      "prefix of the log objects' keys, <prefix><pipeline>/<action execution "
                      "id>.log (the worker's SLUICE_WORKER_LOGS_PREFIX)"),
    SLUICE_CONFIG_SECRET("SLUICE_CONSOLE_LOGS_KEY", con_config, logs_key, 0, "",
                         "AKID:SECRET of a key of the artifact store (a viewer's is enough) the "
                         "console reads the logs with, once it checked through the api that the "
                         "signed-in person may read the action execution"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_LOGS_MAX", con_config, logs_max, 1, 10000, "64",
                      "logs followed at once at most (each read from the store at most once a "
                      "second, for every browser watching it); more are refused with 503"),
    SLUICE_CONFIG_INT("SLUICE_CONSOLE_LOG_MAX_BYTES", con_config, log_max_bytes, 1024, 268435456LL,
                      "4194304",
                      "bytes of one log the console keeps and shows; past it the view says the "
                      "log was cut"),
    SLUICE_COMMON_CONFIG_VARS(con_config),
};
const size_t con_config_nvars = sizeof con_config_vars / sizeof con_config_vars[0];

int con_config_load(con_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    return sluice_config_load_env(con_config_vars, con_config_nvars, cfg, err, errlen);
}
