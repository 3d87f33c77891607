/*
 * main.c — sluice-approvals: wiring only.
 *
 *   sluice-approvals                       the service
 *   sluice-approvals link <id> <approver> [<seconds>]
 *                                          prints a signed one-time link to
 *                                          approval <id> for <approver>
 *                                          (SLUICE_APPROVAL_LINK_KEY_FILE,
 *                                          SLUICE_APPROVALS_PUBLIC_URL,
 *                                          SLUICE_APPROVALS_LINK_TTL_S)
 *
 * The service reads the configuration, the bus keys, the link key and the
 * identities, connects to Redis and Kafka, serves /approvals/..., /healthz
 * and /metrics, and consumes sluice.jobs (verified) and sluice.events into
 * the store (apv_intake) until SIGTERM. Shutdown: the HTTP server stops
 * (requests in flight finish), the consumers close, the producer flushes —
 * within 3 s.
 */
#include "apv_config.h"
#include "apv_core.h"
#include "apv_http.h"
#include "apv_intake.h"
#include "apv_service.h"

#include "sluice/approval_link.h"
#include "sluice/aws_credentials.h"
#include "sluice/bus_admin.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/log.h"
#include "sluice/service.h"
#include "sluice/signal.h"
#include "sluice/state_auth.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_POLL_MS     50
#define FLUSH_TIMEOUT_MS 1500

/* The link key (approval_link.h). 0, or 2 with the problem logged. */
static int load_link_key(const char *path, unsigned char *key, size_t *keylen)
{
    char err[1024];
    if (sluice_approval_link_key_read(path, key, keylen, err, sizeof err) != 0) {
        SLUICE_ERROR("configuration: SLUICE_APPROVAL_LINK_KEY_FILE: %s", err);
        return 2;
    }
    return 0;
}

typedef struct link_config {
    char link_key_file[1024];
    char public_url[1024];
    int64_t link_ttl_s;
} link_config;

static const sluice_config_var link_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_APPROVAL_LINK_KEY_FILE", link_config, link_key_file, 1, NULL,
                      "the link key file"),
    SLUICE_CONFIG_STR("SLUICE_APPROVALS_PUBLIC_URL", link_config, public_url, 8,
                      "http://127.0.0.1:7072", "the URL people reach the service at"),
    SLUICE_CONFIG_INT("SLUICE_APPROVALS_LINK_TTL_S", link_config, link_ttl_s, 60, 604800, "86400",
                      "validity of the link"),
};

/* `sluice-approvals link <id> <approver> [<seconds>]`. */
static int make_link(int argc, char **argv)
{
    static link_config cfg;
    char err[2048];
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: sluice-approvals link <approval-id> <approver> [<seconds>]\n");
        return 2;
    }
    if (sluice_config_load_env(link_vars, sizeof link_vars / sizeof link_vars[0], &cfg, err,
                               sizeof err) != 0) {
        fprintf(stderr, "configuration: %s\n", err);
        return 2;
    }
    int64_t ttl = cfg.link_ttl_s;
    if (argc == 5) {
        char *end = NULL;
        long long v = strtoll(argv[4], &end, 10);
        if (end == NULL || *end != '\0' || v < 1 || v > cfg.link_ttl_s) {
            fprintf(stderr, "<seconds> must be 1..%lld\n", (long long)cfg.link_ttl_s);
            return 2;
        }
        ttl = v;
    }
    unsigned char key[APV_KEY_MAX];
    size_t keylen = 0;
    if (load_link_key(cfg.link_key_file, key, &keylen) != 0) {
        return 2;
    }
    char token[APV_LINK_MAX + 1];
    int rc = sluice_approval_link_make(key, keylen, argv[2], argv[3],
                                       sluice_time_now_ms() / 1000 + ttl, token, sizeof token);
    memset(key, 0, sizeof key);
    if (rc != 0) {
        fprintf(stderr, "no link: the approval id must be a lowercase UUID and the approver an "
                        "identity name\n");
        return 2;
    }
    char url[SLUICE_APPROVAL_URL_MAX];
    if (sluice_approval_link_url(cfg.public_url, argv[2], token, url, sizeof url) != 0) {
        fprintf(stderr, "no link: SLUICE_APPROVALS_PUBLIC_URL is too long\n");
        return 2;
    }
    printf("%s\n", url);
    return 0;
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return apv_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "link") == 0) {
        return make_link(argc, argv);
    }
    int status = 1;
    char err[4096];
    static apv_config cfg;
    static apv_service service;
    static bus_security security;
    static state_auth redis_auth;
    aws_credentials *credentials = NULL;
    bus_sign_keys *bus_keys = NULL;
    state_redis *intake_redis = NULL;
    bus_producer *producer = NULL;
    bus_consumer *jobs = NULL;
    bus_consumer *events = NULL;
    http_server *server = NULL;
    bool service_ready = false;
    bus_topics topics;
    bus_security_init(&security);

    sluice_service_spec spec = {.program = "sluice-approvals",
                                .name = "approvals",
                                .vars = apv_config_vars,
                                .nvars = apv_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(apv_config, log_level)};
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
    if (load_link_key(cfg.link_key_file, service.link_key, &service.link_key_len) != 0) {
        status = 2;
        goto out;
    }
    if (bus_topics_init(&topics, cfg.topic_prefix, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_TOPIC_PREFIX: %s", err);
        status = 2;
        goto out;
    }
    service.cfg = &cfg;
    service.credentials = credentials;
    snprintf(service.requests_topic, sizeof service.requests_topic, "%s",
             bus_topics_get(&topics, BUS_TOPICS_REQUESTS));
    snprintf(service.events_topic, sizeof service.events_topic, "%s",
             bus_topics_get(&topics, BUS_TOPICS_EVENTS));
    if (apv_service_init(&service, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        status = 2;
        goto out;
    }
    service_ready = true;

    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = cfg.redis_host;
    rcfg.port = (int)cfg.redis_port;
    rcfg.username = redis_auth.username;
    rcfg.password = redis_auth.password;
    if (state_redis_new(&rcfg, &intake_redis, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("redis %s:%d: %s", cfg.redis_host, (int)cfg.redis_port, err);
        goto out;
    }
    rcfg.connect_lazily = true;
    if (apv_service_connect(&service, &rcfg, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("redis %s:%d: %s", cfg.redis_host, (int)cfg.redis_port, err);
        goto out;
    }
    atomic_store(&service.redis_ok, true);

    const char *own_topics[] = {
        bus_topics_get(&topics, BUS_TOPICS_EVENTS), bus_topics_get(&topics, BUS_TOPICS_REQUESTS),
        bus_topics_get(&topics, BUS_TOPICS_JOBS), bus_topics_get(&topics, BUS_TOPICS_DEADLETTER)};
    if (bus_admin_create_topics_secure(cfg.kafka_brokers, &security, own_topics, 4,
                                       (int)cfg.topic_partitions, 1, 30000, err,
                                       sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka %s: creating topics: %s", cfg.kafka_brokers, err);
        goto out;
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg.kafka_brokers;
    pcfg.client_id = "sluice-approvals";
    pcfg.security = &security;
    pcfg.signer = bus_keys;
    if (bus_producer_new(&pcfg, &producer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka producer: %s", err);
        goto out;
    }
    service.producer = producer;

    char events_group[sizeof cfg.group + 8];
    snprintf(events_group, sizeof events_group, "%s-events", cfg.group);
    const char *jobs_topic[1] = {bus_topics_get(&topics, BUS_TOPICS_JOBS)};
    const char *events_topic[1] = {service.events_topic};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = cfg.kafka_brokers;
    ccfg.group_id = cfg.group;
    ccfg.client_id = "sluice-approvals";
    ccfg.security = &security;
    ccfg.topics = jobs_topic;
    ccfg.ntopics = 1;
    ccfg.deadletter_topic = bus_topics_get(&topics, BUS_TOPICS_DEADLETTER);
    ccfg.deadletter_producer = NULL; /* its own: the service's producer is shared by threads */
    ccfg.source = "sluice.approvals";
    ccfg.account = cfg.account;
    ccfg.region = cfg.region;
    ccfg.verifier = bus_keys;
    if (bus_consumer_new(&ccfg, &jobs, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer (jobs): %s", err);
        goto out;
    }
    ccfg.group_id = events_group;
    ccfg.topics = events_topic;
    ccfg.verifier = NULL; /* state changes are public events, not signed */
    if (bus_consumer_new(&ccfg, &events, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer (events): %s", err);
        goto out;
    }

    static http_stream_handler pages;
    apv_http_handler_init(&pages, &service);
    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = APV_SERVICE_THREADS;
    hcfg.max_body = APV_HTTP_BODY_MAX;
    hcfg.metrics = service.metrics;
    server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL ||
        http_server_route_health(server, apv_service_health, &service, service.metrics) != 0 ||
        http_server_route_prefix(server, "/approvals/", &pages) != 0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("http on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("approvals ready in %lld ms: jobs from %s, pages on http://%s:%u (public %s)",
                (long long)(sluice_time_monotonic_ms() - started), jobs_topic[0], cfg.bind,
                (unsigned)http_server_port(server), cfg.public_url);

    apv_intake intake = {.service = &service,
                         .store = {.redis = intake_redis, .keep_s = cfg.keep_s}};
    status = 0;
    while (!sluice_signal_stop_requested()) {
        int rc = bus_consumer_run_once(jobs, apv_intake_job, &intake, LOOP_POLL_MS);
        if (rc >= 0) {
            rc = bus_consumer_run_once(events, apv_intake_event, &intake, LOOP_POLL_MS);
        }
        if (rc < 0) {
            SLUICE_ERROR("kafka consumer failed: %s", sluice_strerror(rc));
            status = 1;
            break;
        }
        apv_service_poll(&service);
    }
    SLUICE_INFO("approvals stopping");
out:
    if (server != NULL) {
        http_server_stop(server);
        http_server_free(server);
    }
    if (jobs != NULL) {
        bus_consumer_close(jobs);
        bus_consumer_free(jobs);
    }
    if (events != NULL) {
        bus_consumer_close(events);
        bus_consumer_free(events);
    }
    if (producer != NULL) {
        (void)bus_producer_flush(producer, FLUSH_TIMEOUT_MS);
        bus_producer_free(producer);
    }
    state_redis_free(intake_redis);
    if (service_ready) {
        apv_service_release(&service);
    }
    memset(service.link_key, 0, sizeof service.link_key);
    bus_sign_keys_free(bus_keys);
    aws_credentials_free(credentials);
    bus_security_wipe(&security);
    state_auth_wipe(&redis_auth);
    return status;
}
