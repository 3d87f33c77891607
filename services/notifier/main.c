/*
 * main.c — sluice-notifier: wiring only.
 *
 * Reads the configuration and the rules file, connects to Redis and Kafka,
 * starts the delivery threads (ntf_service) and GET /healthz + /metrics,
 * then consumes sluice.events into the delivery queues (ntf_intake) until
 * SIGTERM; SIGHUP re-reads the rules file (a file with problems is refused
 * and the old rules stay). Shutdown: the consumer closes (offsets of
 * queued events committed), the delivery threads finish their current
 * attempt, the producers flush — within 3 s.
 */
#include "ntf_config.h"
#include "ntf_intake.h"
#include "ntf_queue.h"
#include "ntf_service.h"

#include "sluice/approval_link.h"
#include "sluice/bus_admin.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
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
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define LOOP_POLL_MS 100

static void reload_rules(ntf_service *service, const char *path)
{
    char err[4096];
    ntf_ruleset *set = ntf_service_load_rules(path, err, sizeof err);
    const char *outcome[1] = {set != NULL ? "ok" : "refused"};
    (void)http_metrics_inc(service->metrics.reloads, outcome, 1);
    if (set == NULL) {
        SLUICE_ERROR("rules not reloaded, the previous rules stay: %s", err);
        return;
    }
    if (ntf_service_install(service, set, err, sizeof err) != 0) {
        SLUICE_ERROR("rules reloaded, but: %s", err);
        return;
    }
    SLUICE_INFO("rules reloaded from %s", path);
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return ntf_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    int status = 1;
    char err[4096];
    static ntf_config cfg;
    static ntf_service service;
    state_redis *redis = NULL;
    bus_producer *producer = NULL;
    bus_producer *dead_producer = NULL;
    bus_consumer *consumer = NULL;
    http_server *server = NULL;
    bus_topics topics;
    bool service_ready = false;
    static bus_security security;
    static state_auth redis_auth;
    bus_security_init(&security);

    sluice_service_spec spec = {.program = "sluice-notifier",
                                .name = "notifier",
                                .vars = ntf_config_vars,
                                .nvars = ntf_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(ntf_config, log_level),
                                .reload = true};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    if (ntf_queue_init() != SLUICE_OK) {
        SLUICE_ERROR("cannot prepare scripts");
        return 1;
    }
    if (bus_security_resolve(&cfg.kafka_security, &security, err, sizeof err) != SLUICE_OK ||
        state_auth_resolve(&cfg.redis_auth, &redis_auth, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
        bus_security_wipe(&security);
        return 2;
    }
    memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
    /* approvers' own links: the link key and who has which e-mail address (no secret kept) */
    int drc = ntf_directory_load(&service.directory, cfg.credentials, err, sizeof err);
    OPENSSL_cleanse(cfg.credentials, sizeof cfg.credentials);
    if (drc != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_API_CREDENTIALS: %s", err);
        bus_security_wipe(&security);
        state_auth_wipe(&redis_auth);
        return 2;
    }
    if (cfg.link_key_file[0] != '\0' &&
        sluice_approval_link_key_read(cfg.link_key_file, service.link_key, &service.link_key_len,
                                      err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_APPROVAL_LINK_KEY_FILE: %s", err);
        ntf_directory_free(&service.directory);
        bus_security_wipe(&security);
        state_auth_wipe(&redis_auth);
        return 2;
    }
    if (service.link_key_len > 0) {
        SLUICE_INFO("approval mails: each named approver with an e-mail address gets their own "
                    "link to %s (%zu identities known)",
                    cfg.approvals_url, service.directory.count);
    }
    int64_t started = sluice_time_monotonic_ms();
    ntf_ruleset *rules = ntf_service_load_rules(cfg.rules_file, err, sizeof err);
    if (rules == NULL) {
        SLUICE_ERROR("SLUICE_NOTIFIER_RULES_FILE %s", err);
        return 2;
    }
    if (bus_topics_init(&topics, cfg.topic_prefix, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_TOPIC_PREFIX: %s", err);
        ntf_service_rules_put(rules);
        return 2;
    }

    service.cfg = &cfg;
    service.redis_auth = &redis_auth;
    service.kafka = &security;
    service.links.console_base = cfg.console_url[0] != '\0' ? cfg.console_url : NULL;
    service.links.api_endpoint = cfg.api_endpoint[0] != '\0' ? cfg.api_endpoint : NULL;
    snprintf(service.events_topic, sizeof service.events_topic, "%s",
             bus_topics_get(&topics, BUS_TOPICS_EVENTS));
    snprintf(service.deadletter_topic, sizeof service.deadletter_topic, "%s",
             bus_topics_get(&topics, BUS_TOPICS_DEADLETTER));
    if (ntf_service_init(&service) != SLUICE_OK) {
        SLUICE_ERROR("out of memory");
        ntf_service_rules_put(rules);
        return 1;
    }
    service_ready = true;

    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = cfg.redis_host;
    rcfg.port = (int)cfg.redis_port;
    rcfg.username = redis_auth.username;
    rcfg.password = redis_auth.password;
    if (state_redis_new(&rcfg, &redis, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("redis %s:%d: %s", cfg.redis_host, (int)cfg.redis_port, err);
        ntf_service_rules_put(rules);
        goto out;
    }
    atomic_store(&service.redis_ok, true);

    const char *own_topics[2] = {service.events_topic, service.deadletter_topic};
    if (bus_admin_create_topics_secure(cfg.kafka_brokers, &security, own_topics, 2,
                                       (int)cfg.topic_partitions, 1, 30000, err,
                                       sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka %s: creating topics: %s", cfg.kafka_brokers, err);
        ntf_service_rules_put(rules);
        goto out;
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg.kafka_brokers;
    pcfg.client_id = "sluice-notifier";
    pcfg.security = &security;
    if (bus_producer_new(&pcfg, &producer, err, sizeof err) != SLUICE_OK ||
        bus_producer_new(&pcfg, &dead_producer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka producer: %s", err);
        ntf_service_rules_put(rules);
        goto out;
    }
    service.producer = dead_producer;

    if (ntf_service_install(&service, rules, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("delivery threads: %s", err);
        goto out;
    }

    const char *events[1] = {service.events_topic};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = cfg.kafka_brokers;
    ccfg.group_id = cfg.group;
    ccfg.client_id = "sluice-notifier";
    ccfg.security = &security;
    ccfg.topics = events;
    ccfg.ntopics = 1;
    ccfg.deadletter_topic = service.deadletter_topic;
    ccfg.deadletter_producer = producer;
    ccfg.source = "sluice.notifier";
    ccfg.account = cfg.account;
    ccfg.region = cfg.region;
    if (bus_consumer_new(&ccfg, &consumer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer: %s", err);
        goto out;
    }

    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = 1;
    hcfg.metrics = service.metrics.registry;
    server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL ||
        http_server_route_health(server, ntf_service_health, &service, service.metrics.registry) !=
            0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("health endpoint on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("notifier ready in %lld ms: events from %s, rules from %s, health on "
                "http://%s:%u",
                (long long)(sluice_time_monotonic_ms() - started), service.events_topic,
                cfg.rules_file, cfg.bind, (unsigned)http_server_port(server));

    ntf_intake intake = {.service = &service, .redis = redis};
    status = 0;
    while (!sluice_signal_stop_requested()) {
        int rc = bus_consumer_run_once(consumer, ntf_intake_handle, &intake, LOOP_POLL_MS);
        if (rc < 0) {
            SLUICE_ERROR("kafka consumer failed: %s", sluice_strerror(rc));
            status = 1;
            break;
        }
        (void)bus_producer_poll(producer, 0);
        if (sluice_signal_reload_requested()) {
            reload_rules(&service, cfg.rules_file);
        }
    }
    SLUICE_INFO("notifier stopping");
out:
    if (server != NULL) {
        http_server_stop(server);
        http_server_free(server);
    }
    if (consumer != NULL) {
        bus_consumer_close(consumer);
        bus_consumer_free(consumer);
    }
    if (service_ready) {
        ntf_service_stop(&service);
    }
    bus_producer_free(producer);
    bus_producer_free(dead_producer);
    state_redis_free(redis);
    if (service_ready) {
        ntf_service_release(&service);
    }
    bus_security_wipe(&security);
    state_auth_wipe(&redis_auth);
    OPENSSL_cleanse(service.link_key, sizeof service.link_key);
    ntf_directory_free(&service.directory);
    return status;
}
