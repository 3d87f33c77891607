/*
 * main.c — sluice-source: wiring only. Reads the configuration, the bus key
 * set, the repositories file and the job credential keys, resolves the
 * Kafka and Redis credentials, connects Redis and Kafka (signing what it
 * produces, verifying every job it consumes),
 * serves GET /healthz, GET /metrics, POST /webhooks/{github,gitlab,gitea} and the V1
 * webhooks' POST /webhooks/<id> (src_v1serve.h), and runs one loop — jobs from the jobs topic
 * (src_jobs.h), the V1 webhooks' starts, then due branch checks (src_poller.h), then webhook
 * changes matched against V2 triggers (src_changes.h) — until
 * SIGTERM/SIGINT, then shuts down in order.
 */
#include "src_bus.h"
#include "src_changes.h"
#include "src_config.h"
#include "src_git.h"
#include "src_hooks.h"
#include "src_jobs.h"
#include "src_metrics.h"
#include "src_poller.h"
#include "src_repos.h"
#include "src_v1serve.h"

#include "sluice/aws_jobcred.h"
#include "sluice/aws_keyfile.h"
#include "sluice/aws_s3.h"
#include "sluice/bus_admin.h"
#include "sluice/bus_consumer.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/http_client.h"
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
#include <string.h>

#define LOOP_POLL_MS     100
#define POLL_BUDGET_MS   200 /* time one turn of the loop may spend checking branches */
#define CHANGES_PER_TURN 8   /* webhook changes one turn of the loop handles at most */

/* src_poller's wake: the main loop's consumer stops waiting for a job. */
static void wake_consumer(void *consumer)
{
    bus_consumer_wake(consumer);
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return src_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    int status = 1;
    char err[2048];
    src_config cfg;
    src_repos *repos = NULL;
    aws_jobcred_keys *keys = NULL;
    bus_sign_keys *bus_keys = NULL;
    src_git *git = NULL;
    http_client *http = NULL;
    static aws_s3 s3;
    static char s3_key_id[256];
    static char s3_secret[512];
    static aws_s3_cred s3_key;
    bool s3_on = false;
    state_redis *redis = NULL;
    bus_producer *producer = NULL;
    bus_consumer *consumer = NULL;
    http_metrics *registry = NULL;
    http_server *server = NULL;
    bus_topics topics;
    static src_jobs jobs;
    static src_health health;
    static src_poller poller;
    static src_hooks hooks;
    static src_v1serve v1hooks;
    static src_changes changes;
    bool hooks_ok = false;
    bool v1hooks_ok = false;
    bus_security security;
    state_auth redis_auth;
    bus_security_init(&security);
    memset(&redis_auth, 0, sizeof redis_auth);

    sluice_service_spec spec = {.program = "sluice-source",
                                .name = "source",
                                .vars = src_config_vars,
                                .nvars = src_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(src_config, log_level)};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    if (bus_sign_keys_load_config(cfg.bus_key_file, &bus_keys, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        status = 2;
        goto out;
    }
    SLUICE_INFO("bus messages signed with key '%s' of %s (%zu keys verify)",
                bus_sign_keys_signing_id(bus_keys), cfg.bus_key_file,
                bus_sign_keys_count(bus_keys));
    if (bus_security_resolve(&cfg.kafka_security, &security, err, sizeof err) != SLUICE_OK ||
        state_auth_resolve(&cfg.redis_auth, &redis_auth, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
        status = 2;
        goto out;
    }
    memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
    if (cfg.repositories_file[0] != '\0' &&
        src_repos_load(cfg.repositories_file, &repos, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("SLUICE_SOURCE_REPOSITORIES_FILE: %s", err);
        status = 2;
        goto out;
    }
    if (repos == NULL && src_repos_parse("{}", 2, &repos, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("out of memory");
        goto out;
    }
    keys = aws_jobcred_keys_load(cfg.job_keys_file, err, sizeof err);
    if (keys == NULL) {
        SLUICE_ERROR("SLUICE_JOB_CREDENTIAL_KEYS_FILE: %s", err);
        status = 2;
        goto out;
    }
    if (cfg.s3_key_file[0] != '\0') {
        if (aws_keyfile_read(cfg.s3_key_file, s3_key_id, sizeof s3_key_id, s3_secret,
                             sizeof s3_secret, err, sizeof err) != 0) {
            SLUICE_ERROR("configuration: SLUICE_SOURCE_S3_KEY_FILE: %s", err);
            status = 2;
            goto out;
        }
        s3_key = (aws_s3_cred){.access_key_id = s3_key_id, .secret_access_key = s3_secret};
        if (aws_s3_init(&s3, cfg.artifacts_endpoint, cfg.region, (size_t)cfg.zip_max_bytes,
                        cfg.git_timeout_ms, err, sizeof err) != 0) {
            SLUICE_ERROR("configuration: SLUICE_ARTIFACTS_ENDPOINT: %s", err);
            status = 2;
            goto out;
        }
        s3_on = true;
    }
    int64_t started = sluice_time_monotonic_ms();
    src_git_config gcfg = {NULL, cfg.cache_dir, cfg.git_timeout_ms};
    if (src_git_new(&gcfg, &git, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("SLUICE_SOURCE_CACHE_DIR: %s", err);
        status = 2;
        goto out;
    }
    http_client_config ccfg_http;
    http_client_config_defaults(&ccfg_http);
    ccfg_http.timeout_ms = cfg.git_timeout_ms;
    http = http_client_new(&ccfg_http, err, sizeof err);
    if (http == NULL) {
        SLUICE_ERROR("http client: %s", err);
        goto out;
    }

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

    if (bus_topics_init(&topics, cfg.topic_prefix, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_TOPIC_PREFIX: %s", err);
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
    bus_consumer_config ccfg;
    const char *jobs_topic[1];
    src_bus_configs(&cfg, &topics, bus_keys, &security, &pcfg, &ccfg, jobs_topic);
    if (bus_producer_new(&pcfg, &producer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka producer: %s", err);
        goto out;
    }
    ccfg.deadletter_producer = producer;
    if (bus_consumer_new(&ccfg, &consumer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer: %s", err);
        goto out;
    }

    jobs.run = (src_run_env){
        .repos = repos,
        .git = git,
        .http = http,
        .job_keys = keys,
        .account = cfg.account,
        .region = cfg.region,
        .artifacts_endpoint = cfg.artifacts_endpoint,
        .work_dir = cfg.cache_dir,
        .zip_max_bytes = cfg.zip_max_bytes,
        .s3 = s3_on ? &s3 : NULL,
        .s3_key = s3_on ? &s3_key : NULL,
    };
    jobs.redis = redis;
    jobs.producer = producer;
    jobs.topics = &topics;
    jobs.account = cfg.account;
    jobs.region = cfg.region;
    jobs.send_timeout_ms = 10000;
    atomic_init(&jobs.redis_ok, 1);
    atomic_init(&health.loop_ms, sluice_time_monotonic_ms());
    health.stale_ms = 2 * cfg.git_timeout_ms + SRC_HEALTH_STALE_MS;
    health.redis_ok = &jobs.redis_ok;

    poller.repos = repos;
    poller.git = git;
    poller.redis = redis;
    poller.producer = producer;
    poller.topics = &topics;
    poller.account = cfg.account;
    poller.region = cfg.region;
    poller.interval_ms = cfg.poll_interval_s * 1000;
    poller.send_timeout_ms = 10000;
    poller.s3 = s3_on ? &s3 : NULL;
    poller.s3_key = s3_on ? &s3_key : NULL;

    changes.repos = repos;
    changes.git = git;
    changes.redis = redis;
    changes.producer = producer;
    changes.topics = &topics;
    changes.account = cfg.account;
    changes.region = cfg.region;
    changes.send_timeout_ms = 10000;

    registry = http_metrics_new();
    if (registry == NULL || src_metrics_init(registry, &jobs) != SLUICE_OK ||
        src_poller_init(&poller) != SLUICE_OK ||
        src_poller_metrics(&poller, registry) != SLUICE_OK ||
        src_changes_init(&changes) != SLUICE_OK ||
        src_changes_metrics(&changes, registry) != SLUICE_OK ||
        src_hooks_init(&hooks, repos, &poller, registry) != SLUICE_OK) {
        SLUICE_ERROR("out of memory");
        goto out;
    }
    /* what a webhook queues ends the loop's wait on the jobs topic */
    poller.wake = (src_wake){wake_consumer, consumer};
    changes.wake = poller.wake;
    hooks.changes = &changes;
    hooks_ok = true;
    if (src_v1serve_init(&v1hooks, &rcfg, registry) != SLUICE_OK) {
        SLUICE_ERROR("out of memory");
        goto out;
    }
    v1hooks_ok = true;
    v1hooks.wake = poller.wake;
    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = 1;
    hcfg.metrics = registry;
    server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL ||
        http_server_route_health(server, src_health_handler, &health, registry) != 0 ||
        http_server_route(server, "POST", "/webhooks/github", src_hooks_github, &hooks) != 0 ||
        http_server_route_prefix(server, SRC_V1SERVE_PREFIX, src_v1serve_handler(&v1hooks)) != 0 ||
        http_server_route(server, "POST", "/webhooks/gitlab", src_hooks_gitlab, &hooks) != 0 ||
        http_server_route(server, "POST", "/webhooks/gitea", src_hooks_gitea, &hooks) != 0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("health endpoint on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("source ready in %lld ms: %zu repositories, %zu connections, jobs from %s, "
                "health on http://%s:%u",
                (long long)(sluice_time_monotonic_ms() - started),
                src_repos_repository_count(repos), src_repos_connection_count(repos), jobs_topic[0],
                cfg.bind, (unsigned)http_server_port(server));

    status = 0;
    while (!sluice_signal_stop_requested()) {
        int rc = bus_consumer_run_once(consumer, src_jobs_handle, &jobs, LOOP_POLL_MS);
        if (rc < 0) {
            SLUICE_ERROR("kafka consumer failed: %s", sluice_strerror(rc));
            status = 1;
            break;
        }
        (void)bus_producer_poll(producer, 0);
        src_metrics_export_bus(&jobs, consumer);
        (void)src_v1serve_flush(&v1hooks, producer, bus_topics_get(&topics, BUS_TOPICS_REQUESTS),
                                cfg.account, cfg.region, redis, 10000);
        if (src_poller_tick(&poller, POLL_BUDGET_MS) < 0) {
            atomic_store(&jobs.redis_ok, 0); /* the watch set could not be read */
        }
        (void)src_changes_tick(&changes, CHANGES_PER_TURN);
        atomic_store(&health.loop_ms, sluice_time_monotonic_ms());
    }
    SLUICE_INFO("source stopping");
out:
    if (server != NULL) {
        http_server_stop(server);
        http_server_free(server);
    }
    if (consumer != NULL) {
        bus_consumer_close(consumer);
        bus_consumer_free(consumer);
    }
    if (v1hooks_ok) {
        src_v1serve_clear(&v1hooks);
    }
    if (hooks_ok) {
        src_hooks_clear(&hooks);
        src_poller_clear(&poller);
        src_changes_clear(&changes);
    }
    bus_producer_free(producer);
    http_metrics_free(registry);
    state_redis_free(redis);
    http_client_free(http);
    aws_s3_release(&s3);
    explicit_bzero(s3_secret, sizeof s3_secret);
    src_git_free(git);
    aws_jobcred_keys_free(keys);
    src_repos_free(repos);
    bus_sign_keys_free(bus_keys);
    bus_security_wipe(&security);
    state_auth_wipe(&redis_auth);
    return status;
}
