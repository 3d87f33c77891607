/*
 * main.c — sluice-console: wiring only.
 *
 * Reads the configuration, the identities, the bus keys and the console's
 * key (or makes a random one), connects to Redis (sessions) and Kafka (one
 * consumer of sluice.events in a group of its own, from the end), serves the
 * console, /healthz and /metrics, and fans the events out to browsers until
 * SIGTERM. Shutdown: the HTTP server stops (live-update streams end,
 * requests in flight finish), the consumer closes — within 3 s.
 */
#include "con_config.h"
#include "con_http.h"
#include "con_hub.h"
#include "con_logs.h"
#include "con_tail.h"
#include "con_intake.h"
#include "con_service.h"

#include "sluice/aws_credentials.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/hex.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/log.h"
#include "sluice/service.h"
#include "sluice/signal.h"
#include "sluice/state_auth.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"
#include "sluice/web_csrf.h"

#include <openssl/rand.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_POLL_MS    100
#define HUB_RING        1024 /* events kept for reconnecting browsers */
#define HEALTH_EVERY_MS 2000

/* The console's key: the file's (64..256 hex digits) or random. 0, or 2 with the problem logged. */
static int load_key(const char *path, unsigned char *key, size_t *keylen)
{
    if (path[0] == '\0') {
        *keylen = 32;
        return RAND_bytes(key, 32) == 1 ? 0 : 2;
    }
    char err[1024];
    char hex[2 * WEB_CSRF_KEY_MAX + 2];
    if (sluice_fs_read_secret_line(path, "the console key", hex, sizeof hex, err, sizeof err) !=
        0) {
        SLUICE_ERROR("configuration: SLUICE_CONSOLE_KEY_FILE: %s", err);
        return 2;
    }
    size_t len = strlen(hex);
    long n = len % 2 == 0 ? sluice_hex_decode(hex, len, key, WEB_CSRF_KEY_MAX) : -1;
    memset(hex, 0, sizeof hex);
    if (n < WEB_CSRF_KEY_MIN) {
        SLUICE_ERROR("configuration: SLUICE_CONSOLE_KEY_FILE %s: the key must be one line of "
                     "64..256 hex digits",
                     path);
        return 2;
    }
    *keylen = (size_t)n;
    return 0;
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return con_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    int status = 1;
    char err[4096];
    static con_config cfg;
    static con_service service;
    static bus_security security;
    static state_auth redis_auth;
    aws_credentials *credentials = NULL;
    bus_sign_keys *bus_keys = NULL;
    state_redis *health_redis = NULL;
    bus_consumer *events = NULL;
    http_server *server = NULL;
    con_hub *hub = NULL;
    con_logs *logs = NULL;
    con_tail *tail = NULL;
    bool service_ready = false;
    bus_topics topics;
    bus_security_init(&security);

    sluice_service_spec spec = {.program = "sluice-console",
                                .name = "console",
                                .vars = con_config_vars,
                                .nvars = con_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(con_config, log_level)};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    if (bus_security_resolve(&cfg.kafka_security, &security, err, sizeof err) != SLUICE_OK ||
        state_auth_resolve(&cfg.redis_auth, &redis_auth, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
        bus_security_wipe(&security);
        return 2;
    }
    memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
    int64_t started = sluice_time_monotonic_ms();
    credentials = aws_credentials_new();
    if (credentials == NULL ||
        aws_credentials_parse(credentials, cfg.credentials, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_API_CREDENTIALS: %s",
                     credentials == NULL ? "out of memory" : err);
        status = 2;
        goto out;
    }
    memset(cfg.credentials, 0, sizeof cfg.credentials);
    if (bus_sign_keys_load_config(cfg.bus_key_file, &bus_keys, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        status = 2;
        goto out;
    }
    if (load_key(cfg.key_file, service.key, &service.key_len) != 0) {
        status = 2;
        goto out;
    }
    if (bus_topics_init(&topics, cfg.topic_prefix, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_TOPIC_PREFIX: %s", err);
        status = 2;
        goto out;
    }
    hub = con_hub_new((size_t)cfg.max_clients, (size_t)cfg.client_queue_bytes, HUB_RING,
                      (uint64_t)sluice_time_now_ms(), con_http_wake);
    service.cfg = &cfg;
    service.credentials = credentials;
    service.hub = hub;
    if (hub == NULL || con_service_init(&service, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", hub == NULL ? "the live-update bounds" : err);
        status = 2;
        goto out;
    }
    service_ready = true;
    if (cfg.logs_endpoint[0] != '\0') {
        logs = con_logs_new((size_t)cfg.logs_max, (size_t)cfg.max_clients,
                            (size_t)cfg.log_max_bytes, CON_TAIL_INTERVAL_MS, con_http_wake);
        service.logs = logs;
        tail = logs != NULL ? con_tail_start(&service, err, sizeof err) : NULL;
        memset(cfg.logs_key, 0, sizeof cfg.logs_key);
        if (tail == NULL) {
            SLUICE_ERROR("configuration: %s", logs == NULL ? "the log bounds" : err);
            status = 2;
            goto out;
        }
    }

    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = cfg.redis_host;
    rcfg.port = (int)cfg.redis_port;
    rcfg.username = redis_auth.username;
    rcfg.password = redis_auth.password;
    if (state_redis_new(&rcfg, &health_redis, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("redis %s:%d: %s", cfg.redis_host, (int)cfg.redis_port, err);
        goto out;
    }
    rcfg.connect_lazily = true;
    if (con_service_connect(&service, &rcfg, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("redis %s:%d: %s", cfg.redis_host, (int)cfg.redis_port, err);
        goto out;
    }
    atomic_store(&service.redis_ok, true);

    /* a group of its own: every console process sees every event, from now on */
    unsigned char nonce[8];
    char group[sizeof cfg.group + 24];
    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        SLUICE_ERROR("no randomness for the consumer group");
        goto out;
    }
    snprintf(group, sizeof group, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", cfg.group, nonce[0],
             nonce[1], nonce[2], nonce[3], nonce[4], nonce[5], nonce[6], nonce[7]);
    const char *events_topic[1] = {bus_topics_get(&topics, BUS_TOPICS_EVENTS)};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = cfg.kafka_brokers;
    ccfg.group_id = group;
    ccfg.client_id = "sluice-console";
    ccfg.security = &security;
    ccfg.topics = events_topic;
    ccfg.ntopics = 1;
    ccfg.deadletter_topic = bus_topics_get(&topics, BUS_TOPICS_DEADLETTER);
    ccfg.source = "sluice.console";
    ccfg.account = cfg.account;
    ccfg.region = cfg.region;
    ccfg.verifier = bus_keys;
    ccfg.from_latest = true;
    if (bus_consumer_new(&ccfg, &events, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer (events): %s", err);
        goto out;
    }
    atomic_store(&service.kafka_ok, true);

    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = CON_SERVICE_THREADS;
    hcfg.max_body = CON_HTTP_BODY_MAX;
    hcfg.connection_limit = (unsigned)cfg.max_clients + 64;
    hcfg.max_response_body = CON_API_RESPONSE_MAX + 4096;
    hcfg.metrics = service.metrics;
    server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL ||
        http_server_route_health(server, con_service_health, &service, service.metrics) != 0 ||
        con_http_routes(server, &service) != 0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("http on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("console ready in %lld ms: events from %s, console on http://%s:%u/console/ "
                "(public %s), api %s",
                (long long)(sluice_time_monotonic_ms() - started), events_topic[0], cfg.bind,
                (unsigned)http_server_port(server), cfg.public_url, cfg.api_endpoint);

    status = 0;
    int64_t next_beat = sluice_time_monotonic_ms() + cfg.heartbeat_s * 1000;
    int64_t next_health = sluice_time_monotonic_ms() + HEALTH_EVERY_MS;
    while (!sluice_signal_stop_requested()) {
        int rc = bus_consumer_run_once(events, con_intake_event, &service, LOOP_POLL_MS);
        if (rc < 0) {
            SLUICE_ERROR("kafka consumer failed: %s", sluice_strerror(rc));
            status = 1;
            break;
        }
        int64_t now = sluice_time_monotonic_ms();
        if (now >= next_beat) {
            con_hub_heartbeat(hub);
            next_beat = now + cfg.heartbeat_s * 1000;
        }
        if (now >= next_health) {
            atomic_store(&service.redis_ok, state_redis_ping(health_redis) == 0);
            next_health = now + HEALTH_EVERY_MS;
        }
    }
    SLUICE_INFO("console stopping");
out:
    if (server != NULL) {
        http_server_stop(server);
        http_server_free(server);
    }
    if (events != NULL) {
        bus_consumer_close(events);
        bus_consumer_free(events);
    }
    con_tail_stop(tail);
    con_logs_free(logs);
    state_redis_free(health_redis);
    if (service_ready) {
        con_service_release(&service);
    }
    con_hub_free(hub);
    memset(service.key, 0, sizeof service.key);
    bus_sign_keys_free(bus_keys);
    aws_credentials_free(credentials);
    bus_security_wipe(&security);
    state_auth_wipe(&redis_auth);
    return status;
}
