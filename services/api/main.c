/*
 * main.c — sluice-api: the CodePipeline-compatible control-plane API. Wiring only.
 *
 * Reads the configuration (api_config.h), creates the topics if missing, the
 * Redis + Kafka backend (api_redis.h), the dispatcher (api_dispatch.h), the
 * jobs topic consumer (api_feed.h) and the HTTP server with
 *   POST /         the CodePipeline API (AWS JSON 1.1, SigV4)
 *   GET /healthz   api_health.h
 *   GET /metrics   Prometheus text (requests by operation and status, latency)
 * then serves until SIGINT or SIGTERM and shuts down in reverse order.
 * Exit status: 0 after a clean stop, 1 when start-up failed, 2 for bad configuration.
 */
#include "api_auth.h"
#include "api_config.h"
#include "api_dispatch.h"
#include "api_feed.h"
#include "api_health.h"
#include "api_redis.h"
#include "api_thirdparty.h"

#include "sluice/aws_credentials.h"
#include "sluice/aws_jobcred.h"
#include "sluice/bus_admin.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/log.h"
#include "sluice/model_registry.h"
#include "sluice/service.h"
#include "sluice/signal.h"
#include "sluice/state_auth.h"
#include "sluice/time.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stddef.h>
#include <string.h>

#define API_TOPIC_TIMEOUT_MS 30000
#define API_POLL_MS          100

/* The one per-service state struct. */
typedef struct api_service {
    api_config cfg;
    bus_security kafka_security; /* from cfg.kafka_security, the password read */
    state_auth redis_auth;       /* from cfg.redis_auth, the password read */
    model_registry *registry;
    aws_credentials *credentials;
    aws_jobcred_keys *job_keys;
    bus_sign_keys *bus_keys;
    api_redis *redis;
    api_thirdparty_clients clients; /* from cfg.third_party_clients, which is then cleared */
    api_env env;
    http_metrics *metrics;
    api_dispatch *dispatch;
    api_feed *feed;
    api_health health;
    http_server *server;
} api_service;

static bool api_main_feed_ok(const void *ctx)
{
    return api_feed_healthy(ctx);
}

static int api_main_topics(const api_config *cfg, const bus_security *sec, char *err, size_t errlen)
{
    bus_topics topics;
    int rc = bus_topics_init(&topics, cfg->topic_prefix, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *names[BUS_TOPICS_COUNT];
    for (int i = 0; i < BUS_TOPICS_COUNT; i++) {
        names[i] = bus_topics_get(&topics, (bus_topics_kind)i);
    }
    return bus_admin_create_topics_secure(cfg->brokers, sec, names, BUS_TOPICS_COUNT,
                                          (int)cfg->partitions, 1, API_TOPIC_TIMEOUT_MS, err,
                                          errlen);
}

/*
 * The job credential keys: SLUICE_JOB_CREDENTIAL_KEYS_FILE, or, when it is
 * unset, one random key for this process's lifetime (jobs then carry
 * credentials no artifact store can verify, and a restart changes them).
 */
static int api_main_job_keys(api_service *s, char *err, size_t errlen)
{
    if (s->cfg.job_keys_file[0] != '\0') {
        s->job_keys = aws_jobcred_keys_load(s->cfg.job_keys_file, err, errlen);
        if (s->job_keys == NULL) {
            return SLUICE_EINVAL;
        }
        SLUICE_INFO("job credentials signed with key '%s' of %s",
                    aws_jobcred_keys_signing_id(s->job_keys), s->cfg.job_keys_file);
        return 0;
    }
    unsigned char secret[32];
    if (RAND_bytes(secret, sizeof secret) != 1) {
        return sluice_error_set(err, errlen, SLUICE_EINTERNAL, "no random bytes for a job key");
    }
    char text[128] = "ephemeral ";
    size_t n = strlen(text);
    for (size_t i = 0; i < sizeof secret; i++) {
        static const char hex[] = "0123456789abcdef";
        text[n++] = hex[secret[i] >> 4];
        text[n++] = hex[secret[i] & 0x0f];
    }
    text[n] = '\0';
    int rc = aws_jobcred_keys_parse(&s->job_keys, text, err, errlen);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(text, sizeof text);
    if (rc == 0) {
        SLUICE_WARN("SLUICE_JOB_CREDENTIAL_KEYS_FILE is not set: job credentials are signed with "
                    "an ephemeral key that no artifact store shares");
    }
    return rc;
}

/* The bus key set (SLUICE_BUS_KEY_FILE): required, private to its owner, well-formed. */
static int api_main_bus_keys(api_service *s, char *err, size_t errlen)
{
    if (bus_sign_keys_load_config(s->cfg.bus_key_file, &s->bus_keys, err, errlen) != SLUICE_OK) {
        return SLUICE_EINVAL;
    }
    SLUICE_INFO("requests signed with bus key '%s' of %s (%zu keys verify jobs)",
                bus_sign_keys_signing_id(s->bus_keys), s->cfg.bus_key_file,
                bus_sign_keys_count(s->bus_keys));
    return 0;
}

static int api_main_start(api_service *s, char *err, size_t errlen)
{
    int rc = model_registry_new_from_list(s->cfg.external_providers, &s->registry, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = api_thirdparty_clients_parse(s->cfg.third_party_clients, &s->clients, err, errlen);
    memset(s->cfg.third_party_clients, 0, sizeof s->cfg.third_party_clients);
    if (rc != 0) {
        return rc;
    }
    s->credentials = aws_credentials_new();
    if (s->credentials == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    rc = api_auth_check_spec(s->cfg.credentials, err, errlen);
    if (rc == 0) {
        rc = aws_credentials_parse(s->credentials, s->cfg.credentials, err, errlen);
    }
    memset(s->cfg.credentials, 0, sizeof s->cfg.credentials);
    if (rc != 0) {
        return rc;
    }
    rc = api_main_bus_keys(s, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = api_main_job_keys(s, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = api_main_topics(&s->cfg, &s->kafka_security, err, errlen);
    if (rc != 0) {
        return rc;
    }
    api_redis_config rcfg = {
        .redis_host = s->cfg.redis_host,
        .redis_port = (int)s->cfg.redis_port,
        .redis_username = s->redis_auth.username,
        .redis_password = s->redis_auth.password,
        .security = &s->kafka_security,
        .brokers = s->cfg.brokers,
        .topic_prefix = s->cfg.topic_prefix,
        .account = s->cfg.account,
        .region = s->cfg.region,
        .signer = s->bus_keys,
    };
    rc = api_redis_new(&rcfg, &s->redis, err, errlen);
    if (rc != 0) {
        return rc;
    }
    s->env = (api_env){
        .backend = api_redis_backend(s->redis),
        .registry = s->registry,
        .account = s->cfg.account,
        .region = s->cfg.region,
        .reply_timeout_ms = (int)s->cfg.reply_timeout_ms,
        .clock_ms = sluice_time_now_ms,
        .max_pipelines = (size_t)s->cfg.max_pipelines,
        .job_keys = s->job_keys,
        .job_lease_ms = s->cfg.job_lease_s * 1000,
        .webhook_url = s->cfg.webhook_url,
        .require_custom_types = s->cfg.require_custom_types,
        .clients = &s->clients,
        .start_on_create = s->cfg.start_on_create,
    };
    s->metrics = http_metrics_new();
    if (s->metrics == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    api_dispatch_config dcfg = {
        .env = &s->env,
        .credentials = s->credentials,
        .metrics = s->metrics,
        .max_skew_ms = s->cfg.sigv4_max_skew_s * 1000,
        .replay_entries = s->cfg.replay_cache ? (size_t)s->cfg.replay_cache_entries : 0,
    };
    rc = api_dispatch_new(&dcfg, &s->dispatch, err, errlen);
    if (rc != 0) {
        return rc;
    }
    api_feed_config fcfg = {.env = &s->env,
                            .brokers = s->cfg.brokers,
                            .topic_prefix = s->cfg.topic_prefix,
                            .group_id = s->cfg.jobs_group,
                            .security = &s->kafka_security,
                            .verifier = s->bus_keys,
                            .metrics = s->metrics};
    rc = api_feed_start(&fcfg, &s->feed, err, errlen);
    if (rc != 0) {
        return rc;
    }
    s->health = (api_health){&s->env, api_main_feed_ok, s->feed};

    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = s->cfg.bind;
    hcfg.port = (uint16_t)s->cfg.port;
    hcfg.threads = (unsigned)s->cfg.threads;
    hcfg.max_body = (size_t)s->cfg.max_body;
    hcfg.metrics = s->metrics;
    hcfg.error_fn = api_dispatch_http_error;
    s->server = http_server_new(&hcfg, err, errlen);
    if (s->server == NULL) {
        return SLUICE_EINVAL;
    }
    if (http_server_route(s->server, "POST", "/", api_dispatch_http, s->dispatch) != 0 ||
        http_server_route_health(s->server, api_health_http, &s->health, s->metrics) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "cannot register the routes");
    }
    return http_server_start(s->server, err, errlen);
}

static void api_main_stop(api_service *s)
{
    http_server_free(s->server);
    api_feed_stop(s->feed);
    api_dispatch_free(s->dispatch);
    api_redis_free(s->redis);
    http_metrics_free(s->metrics);
    aws_credentials_free(s->credentials);
    aws_jobcred_keys_free(s->job_keys);
    bus_sign_keys_free(s->bus_keys); /* after the producer and the feed that borrow it */
    model_registry_free(s->registry);
    bus_security_wipe(&s->kafka_security);
    state_auth_wipe(&s->redis_auth);
    memset(&s->cfg, 0, sizeof s->cfg);
}

/* The configuration loader sluice_service_start calls. */
static int api_main_load(void *cfg, char *err, size_t errlen)
{
    return api_config_load_env(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    static api_service service;
    char err[2048] = "";
    size_t nvars = 0;
    const sluice_config_var *vars = api_config_vars(&nvars);
    sluice_service_spec spec = {.program = "sluice-api",
                                .name = "api",
                                .vars = vars,
                                .nvars = nvars,
                                .load = api_main_load,
                                .cfg = &service.cfg,
                                .log_level_offset = offsetof(api_config, log_level)};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    /* The passwords are read from their files now: a bad file is a configuration error. */
    int rc =
        bus_security_resolve(&service.cfg.kafka_security, &service.kafka_security, err, sizeof err);
    if (rc == 0) {
        rc = state_auth_resolve(&service.cfg.redis_auth, &service.redis_auth, err, sizeof err);
    }
    memset(&service.cfg.redis_auth, 0, sizeof service.cfg.redis_auth);
    if (rc != 0) {
        SLUICE_ERROR("configuration: %s", err);
        bus_security_wipe(&service.kafka_security);
        return SLUICE_EXIT_CONFIG;
    }
    if (api_main_start(&service, err, sizeof err) != 0) {
        SLUICE_ERROR("start-up failed: %s", err);
        api_main_stop(&service);
        return SLUICE_EXIT_FAILURE;
    }
    SLUICE_INFO("listening on %s:%u (region %s, account %s, topics %s*)", service.cfg.bind,
                (unsigned)http_server_port(service.server), service.cfg.region, service.cfg.account,
                service.cfg.topic_prefix);
    while (!sluice_signal_stop_requested()) {
        api_redis_poll(service.redis, API_POLL_MS);
    }
    SLUICE_INFO("stopping");
    api_main_stop(&service);
    return 0;
}
