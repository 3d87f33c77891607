/*
 * main.c — sluice-orchestrator: wiring only. Reads the configuration,
 * connects Redis and Kafka, serves GET /healthz and GET /metrics, and runs the
 * loop of orch_batch.h, orch_timers.h and orch_sweep.h until SIGTERM/SIGINT, then shuts down in
 * order.
 */
#include "orch_config.h"
#include "orch_batch.h"
#include "orch_fault.h"
#include "orch_handler.h"
#include "orch_idkey.h"
#include "orch_metrics.h"
#include "orch_outbox.h"
#include "orch_store.h"
#include "orch_sweep.h"
#include "orch_timers.h"

#include "sluice/bus_admin.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/log.h"
#include "sluice/service.h"
#include "sluice/signal.h"
#include "sluice/state_auth.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"

#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_POLL_MS 20

/*
 * The bus key set (SLUICE_BUS_KEY_FILE) and the id key
 * (SLUICE_ORCHESTRATOR_ID_KEY_FILE), both required. 0, or 2 (bad
 * configuration) after logging why.
 */
static int load_keys(const orch_config *cfg, bus_sign_keys **bus_keys, unsigned char *id_key,
                     size_t *id_key_len)
{
    char err[1024];
    if (bus_sign_keys_load_config(cfg->bus_key_file, bus_keys, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        return 2;
    }
    if (cfg->id_key_file[0] == '\0') {
        SLUICE_ERROR("configuration: SLUICE_ORCHESTRATOR_ID_KEY_FILE is required (one hex "
                     "secret of 32..128 bytes, mode 0600)");
        return 2;
    }
    if (orch_idkey_load(cfg->id_key_file, id_key, id_key_len, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_ORCHESTRATOR_ID_KEY_FILE: %s", err);
        return 2;
    }
    SLUICE_INFO("bus messages signed with key '%s' of %s (%zu keys verify)",
                bus_sign_keys_signing_id(*bus_keys), cfg->bus_key_file,
                bus_sign_keys_count(*bus_keys));
    return 0;
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return orch_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    int status = 1;
    char err[1024];
    orch_config cfg;
    state_redis *redis = NULL;
    bus_producer *producer = NULL;
    bus_consumer *consumer = NULL;
    bus_sign_keys *bus_keys = NULL;
    static unsigned char id_key[ORCH_IDKEY_MAX];
    size_t id_key_len = 0;
    http_server *server = NULL;
    orch_metrics metrics = {0};
    static orch_handler handler; /* holds the state cache: not on the stack */
    orch_store store;
    bus_topics topics;
    orch_health health;
    atomic_init(&health.loop_ms, sluice_time_monotonic_ms());
    atomic_init(&health.redis_ok, 0);
    atomic_init(&health.kafka_ok, 1);
    bus_security security;
    state_auth redis_auth;
    bus_security_init(&security);
    memset(&redis_auth, 0, sizeof redis_auth);

    sluice_service_spec spec = {.program = "sluice-orchestrator",
                                .name = "orchestrator",
                                .vars = orch_config_vars,
                                .nvars = orch_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(orch_config, log_level)};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    if (orch_fault_init(err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        return 2;
    }
    if (load_keys(&cfg, &bus_keys, id_key, &id_key_len) != 0) {
        bus_sign_keys_free(bus_keys);
        return 2;
    }
    int64_t started = sluice_time_monotonic_ms();
    if (bus_security_resolve(&cfg.kafka_security, &security, err, sizeof err) != SLUICE_OK ||
        state_auth_resolve(&cfg.redis_auth, &redis_auth, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
        bus_security_wipe(&security);
        return 2;
    }
    memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);

    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = cfg.redis_host;
    rcfg.port = (int)cfg.redis_port;
    rcfg.username = redis_auth.username;
    rcfg.password = redis_auth.password;
    if (state_redis_new(&rcfg, &redis, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("redis %s:%d: %s", cfg.redis_host, (int)cfg.redis_port, err);
        goto out;
    }
    atomic_store(&health.redis_ok, 1);
    if (orch_store_init(&store, redis, cfg.history_max) != SLUICE_OK) {
        SLUICE_ERROR("cannot prepare the Redis scripts");
        goto out;
    }

    if (bus_topics_init(&topics, cfg.topic_prefix, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_TOPIC_PREFIX: %s", err);
        goto out;
    }
    if (orch_store_parked_scope(&store, bus_topics_get(&topics, BUS_TOPICS_REQUESTS)) !=
        SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_TOPIC_PREFIX: too long for a Redis key");
        goto out;
    }
    const char *all_topics[BUS_TOPICS_COUNT];
    for (int i = 0; i < BUS_TOPICS_COUNT; i++) {
        all_topics[i] = bus_topics_get(&topics, (bus_topics_kind)i);
    }
    if (bus_admin_create_topics_secure(cfg.kafka_brokers, &security, all_topics, BUS_TOPICS_COUNT,
                                       (int)cfg.topic_partitions, 1, 30000, err,
                                       sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka %s: creating topics: %s", cfg.kafka_brokers, err);
        goto out;
    }

    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg.kafka_brokers;
    pcfg.client_id = "sluice-orchestrator";
    pcfg.linger_ms = 5; /* queued until the flush that ends a carry-out: one request for them all */
    pcfg.signer = bus_keys; /* jobs, requests to itself, events, dead letters: all signed */
    pcfg.on_delivery = orch_outbox_on_delivery; /* why an op failed, for its retry policy */
    pcfg.ctx = &handler;
    pcfg.security = &security;
    if (bus_producer_new(&pcfg, &producer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka producer: %s", err);
        goto out;
    }
    if ((size_t)cfg.bus_message_max > bus_producer_message_max(producer)) {
        SLUICE_ERROR("configuration: SLUICE_BUS_MESSAGE_MAX %lld exceeds the producer's "
                     "message.max.bytes %zu",
                     (long long)cfg.bus_message_max, bus_producer_message_max(producer));
        goto out;
    }
    const char *requests[1] = {bus_topics_get(&topics, BUS_TOPICS_REQUESTS)};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = cfg.kafka_brokers;
    ccfg.group_id = cfg.group;
    ccfg.instance_id = cfg.instance;
    ccfg.session_timeout_ms = (int)cfg.session_timeout_ms;
    ccfg.client_id = "sluice-orchestrator";
    ccfg.topics = requests;
    ccfg.ntopics = 1;
    ccfg.deadletter_topic = bus_topics_get(&topics, BUS_TOPICS_DEADLETTER);
    ccfg.deadletter_producer = producer;
    ccfg.source = "sluice.orchestrator";
    ccfg.account = cfg.account;
    ccfg.region = cfg.region;
    ccfg.security = &security;
    ccfg.verifier = bus_keys; /* an unsigned request is a dead letter, never a step */
    if (bus_consumer_new(&ccfg, &consumer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer: %s", err);
        goto out;
    }

    orch_handler_init(&handler, &store, producer, &topics, cfg.account, cfg.region);
    handler.timer_lease_ms = cfg.timer_lease_ms;
    handler.clock_offset_ms = cfg.clock_offset_ms;
    handler.keep_terminal = (size_t)cfg.keep_terminal;
    handler.message_max = (size_t)cfg.bus_message_max;
    handler.group = cfg.group;
    handler.id_key = id_key;
    handler.id_key_len = id_key_len;
    handler.retry.max_attempts = (int)cfg.outbox_retry_attempts;
    handler.retry.base_ms = cfg.outbox_retry_backoff_ms;
    handler.retry.cap_ms = cfg.outbox_retry_backoff_max_ms;
    store.record_max_bytes = (size_t)cfg.record_max_bytes;

    orch_metrics_init(&metrics);
    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = 1;
    hcfg.metrics = metrics.registry;
    server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL ||
        http_server_route_health(server, orch_health_handler, &health, metrics.registry) != 0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("health endpoint on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("orchestrator ready in %lld ms: requests from %s, health on http://%s:%u",
                (long long)(sluice_time_monotonic_ms() - started), requests[0], cfg.bind,
                (unsigned)http_server_port(server));

    int64_t next_timers = 0;
    int64_t next_sweep = sluice_time_monotonic_ms() + cfg.sweep_interval_ms / 5;
    orch_sweep sweep = {0};
    status = 0;
    while (!sluice_signal_stop_requested()) {
        /* While a sweep is under way, only what has arrived is taken between its slices. */
        int wait_ms = orch_sweep_active(&sweep) ? 0 : LOOP_POLL_MS;
        int rc =
            bus_consumer_run_batch(consumer, orch_batch_handle, &handler, ORCH_BATCH_MAX, wait_ms);
        if (rc < 0) {
            SLUICE_ERROR("kafka consumer failed: %s", sluice_strerror(rc));
            status = 1;
            break;
        }
        (void)bus_producer_poll(producer, 0);
        int64_t mono = sluice_time_monotonic_ms();
        if (mono >= next_timers) {
            int fired = orch_timers_fire(&handler, orch_handler_now_ms(&handler));
            atomic_store(&health.redis_ok, fired >= 0);
            next_timers = mono + cfg.timer_poll_ms;
        }
        if (!orch_sweep_active(&sweep) && mono >= next_sweep) {
            orch_sweep_start(&sweep, 2 * cfg.sweep_interval_ms);
            next_sweep = mono + cfg.sweep_interval_ms;
        }
        if (orch_sweep_active(&sweep)) {
            (void)orch_sweep_step(&sweep, &handler); /* one slice per turn of the loop */
        }
        atomic_store(&health.kafka_ok,
                     !bus_consumer_auth_failed(consumer) && !bus_producer_auth_failed(producer));
        orch_metrics_update(&metrics, &handler.stats);
        bus_consumer_stats bus_stats;
        bus_consumer_get_stats(consumer, &bus_stats);
        orch_metrics_update_bus(&metrics, &bus_stats);
        atomic_store(&health.loop_ms, mono);
    }
    SLUICE_INFO("orchestrator stopping");
out:
    if (server != NULL) {
        http_server_stop(server);
        http_server_free(server);
    }
    if (consumer != NULL) {
        bus_consumer_close(consumer);
        bus_consumer_free(consumer);
    }
    if (producer != NULL) {
        if (bus_producer_flush(producer, BUS_PRODUCER_CLOSE_TIMEOUT_MS) != SLUICE_OK) {
            SLUICE_WARN("some messages were not confirmed before exit; their outbox stays");
        }
        bus_producer_free(producer);
    }
    orch_handler_release(&handler);
    state_redis_free(redis);
    bus_sign_keys_free(bus_keys);
    OPENSSL_cleanse(id_key, sizeof id_key);
    orch_metrics_free(&metrics);
    bus_security_wipe(&security);
    state_auth_wipe(&redis_auth);
    return status;
}
