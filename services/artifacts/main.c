/*
 * main.c — sluice-artifacts: wiring only. Reads the configuration, opens the
 * store (cleaning what a crash left), creates the configured buckets, serves
 * the S3 REST API on one streaming route plus GET /healthz and GET /metrics,
 * publishes artifact events when Kafka is configured (art_publish), runs the
 * retention sweeper (art_sweep), and stops within 3 s of SIGTERM/SIGINT.
 */
#include "art_config.h"
#include "art_publish.h"
#include "art_s3.h"
#include "art_store.h"
#include "art_sweep.h"

#include "sluice/aws_credentials.h"
#include "sluice/bus_security.h"
#include "sluice/error.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/log.h"
#include "sluice/service.h"
#include "sluice/signal.h"

#include <libxml/parser.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void healthz(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    art_s3 *s3 = ctx;
    json_t *body = json_pack("{s:s, s:I}", "status", "ok", "uploadsInFlight",
                             (json_int_t)art_s3_uploads_in_flight(s3));
    http_response_set_json(resp, 200, body);
    json_decref(body);
}

static int create_buckets(art_store *store, const char *list)
{
    const char *p = list;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        char name[64];
        if (n > 0 && n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            int rc = art_store_bucket_create(store, name);
            if (rc != SLUICE_OK && rc != SLUICE_EEXIST) {
                SLUICE_ERROR("cannot create bucket \"%s\": %s", name, sluice_strerror(rc));
                return rc;
            }
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    return SLUICE_OK;
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return art_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    int status = 1;
    char err[1024];
    static art_config cfg;
    aws_credentials *creds = NULL;
    aws_jobcred_keys *jobkeys = NULL;
    art_store *store = NULL;
    art_s3 *s3 = NULL;
    http_metrics *metrics = NULL;
    http_server *server = NULL;
    art_publish *publish = NULL;
    art_sweep *sweep = NULL;
    bus_security security;
    bus_security_init(&security);

    sluice_service_spec spec = {.program = "sluice-artifacts",
                                .name = "artifacts",
                                .vars = art_config_vars,
                                .nvars = art_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(art_config, log_level)};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    if (bus_security_resolve(&cfg.kafka_security, &security, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        return 2;
    }
    xmlInitParser();
    creds = aws_credentials_new();
    if (creds == NULL ||
        aws_credentials_parse(creds, cfg.credentials, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_ARTIFACTS_CREDENTIALS: %s",
                     creds == NULL ? "out of memory" : err);
        goto out;
    }
    memset(cfg.credentials, 0, sizeof cfg.credentials);
    if (cfg.job_keys_file[0] != '\0') {
        jobkeys = aws_jobcred_keys_load(cfg.job_keys_file, err, sizeof err);
        if (jobkeys == NULL) {
            SLUICE_ERROR("configuration: SLUICE_JOB_CREDENTIAL_KEYS_FILE: %s", err);
            goto out;
        }
    } else {
        SLUICE_WARN("SLUICE_JOB_CREDENTIAL_KEYS_FILE is not set: job credentials are refused");
    }
    size_t removed = 0;
    store = art_store_open(cfg.dir, &removed, err, sizeof err);
    if (store == NULL) {
        SLUICE_ERROR("data directory %s: %s", cfg.dir, err);
        goto out;
    }
    SLUICE_INFO("store %s opened; %zu stray files removed", cfg.dir, removed);
    if (create_buckets(store, cfg.buckets) != SLUICE_OK) {
        goto out;
    }
    metrics = http_metrics_new();
    if (metrics == NULL) {
        SLUICE_ERROR("out of memory");
        goto out;
    }
    if (cfg.events && cfg.brokers[0] != '\0') {
        char spool_dir[sizeof cfg.dir + 16];
        snprintf(spool_dir, sizeof spool_dir, "%s/events", cfg.dir);
        art_publish_config pcfg = {
            .brokers = cfg.brokers,
            .security = &security,
            .spool_dir = spool_dir,
            .topic_prefix = cfg.topic_prefix,
            .account = cfg.account,
            .region = cfg.region,
            .metrics = metrics,
        };
        if (art_publish_new(&pcfg, &publish, err, sizeof err) != SLUICE_OK) {
            SLUICE_ERROR("events: %s", err);
            goto out;
        }
        SLUICE_INFO("publishing artifact events to %s via %s", cfg.topic_prefix, cfg.brokers);
    } else if (cfg.events) {
        SLUICE_WARN("SLUICE_KAFKA_BROKERS is not set: no artifact events are published");
    }
    art_s3_config scfg = {
        .store = store,
        .creds = creds,
        .jobkeys = jobkeys,
        .region = cfg.region,
        .vhost_domain = cfg.vhost_domain,
        .max_object_size = (uint64_t)cfg.max_object_size,
        .min_free_bytes = (uint64_t)cfg.min_free_bytes,
        .min_part_size = (uint64_t)cfg.min_part_size,
        .list_max = (size_t)cfg.list_max,
        .metrics = metrics,
        .on_stored = publish != NULL ? art_publish_stored : NULL,
        .stored_ctx = publish,
    };
    s3 = art_s3_new(&scfg);
    if (s3 == NULL) {
        SLUICE_ERROR("out of memory");
        goto out;
    }
    art_sweep_config wcfg = {
        .store = store,
        .policy = &cfg.retention_policy,
        .interval_ms = cfg.sweep_interval_s * 1000,
        .max_versions = (size_t)cfg.sweep_max_versions,
        .list_max = (size_t)cfg.list_max,
        .metrics = metrics,
    };
    if (art_sweep_new(&wcfg, &sweep, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("retention: %s", err);
        goto out;
    }
    char rule_text[32];
    art_retention_rule_text(&cfg.retention_policy.fallback, rule_text, sizeof rule_text);
    SLUICE_INFO("retention: a sweep every %llds; unnamed buckets %s, %zu buckets named",
                (long long)cfg.sweep_interval_s, rule_text, cfg.retention_policy.count);
    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = (unsigned)cfg.threads;
    hcfg.connection_timeout_s = (unsigned)cfg.idle_timeout_s;
    hcfg.connection_memory_limit = 256 * 1024;
    hcfg.max_header_bytes = 32 * 1024;
    hcfg.metrics = metrics;
    server = http_server_new(&hcfg, err, sizeof err);
    http_stream_handler handler;
    art_s3_handler(s3, &handler);
    if (server == NULL || http_server_route_health(server, healthz, s3, metrics) != 0 ||
        http_server_route_prefix(server, "/", &handler) != 0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("http server on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("listening on %s:%u", cfg.bind, (unsigned)http_server_port(server));
    while (!sluice_signal_stop_requested()) {
        usleep(50 * 1000);
    }
    SLUICE_INFO("stopping");
    status = 0;
out:
    art_sweep_free(sweep); /* between two removals */
    http_server_free(server);
    art_publish_free(publish); /* after the server: no more hooks run */
    art_s3_free(s3);
    http_metrics_free(metrics);
    art_store_free(store);
    aws_credentials_free(creds);
    aws_jobcred_keys_free(jobkeys);
    bus_security_wipe(&security);
    xmlCleanupParser();
    return status;
}
