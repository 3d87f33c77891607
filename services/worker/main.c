/*
 * main.c — sluice-worker: wiring only. Reads the configuration, the bus key
 * set (SLUICE_BUS_KEY_FILE: results signed, jobs verified) and the job
 * credential keys, connects Kafka and Redis, starts the slots
 * (wk_service.h), serves GET /healthz and GET /metrics, and consumes the jobs
 * topic until SIGTERM/SIGINT, then shuts down in order: the consumer, the
 * slots (their commands killed), the producer.
 */
#include "wk_bus.h"
#include "wk_config.h"
#include "wk_deploy.h"
#include "wk_lambda.h"
#include "wk_service.h"
#include "wk_user.h"

#include "sluice/aws_jobcred.h"
#include "sluice/aws_keyfile.h"
#include "sluice/buf.h"
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
#include "sluice/model_registry.h"
#include "sluice/service.h"
#include "sluice/signal.h"
#include "sluice/state_auth.h"
#include "sluice/time.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOOP_POLL_MS 50

/*
 * The secret values (SLUICE_WORKER_SECRETS_FILE): a private file holding a
 * JSON object of strings. 0 with *out set (NULL when no file is configured),
 * or 2 after logging why — never showing a value.
 */
static int load_secrets(const wk_config *cfg, json_t **out)
{
    char err[1024];
    *out = NULL;
    if (cfg->secrets_file[0] == '\0') {
        return 0;
    }
    if (sluice_fs_check_private(cfg->secrets_file, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_WORKER_SECRETS_FILE: %s", err);
        return 2;
    }
    json_error_t jerr;
    json_t *secrets = json_load_file(cfg->secrets_file, JSON_REJECT_DUPLICATES, &jerr);
    const char *ref;
    json_t *value;
    bool ok = json_is_object(secrets);
    json_object_foreach(secrets, ref, value)
    {
        ok = ok && json_is_string(value);
    }
    if (!ok) {
        SLUICE_ERROR("configuration: SLUICE_WORKER_SECRETS_FILE %s: not a JSON object of "
                     "strings (line %d)",
                     cfg->secrets_file, secrets == NULL ? jerr.line : 0);
        json_decref(secrets);
        return 2;
    }
    *out = secrets;
    return 0;
}

/*
 * Reads SLUICE_WORKER_DEPLOY_KEY_FILE ("<access key id>:<secret>", one line,
 * private) into id and secret. 0, or 2 with the reason logged.
 */
static int load_deploy_key(const wk_config *cfg, char *id, size_t idlen, char *secret,
                           size_t secretlen)
{
    char err[1024];
    if (cfg->deploy_key_file[0] == '\0') {
        SLUICE_ERROR("configuration: SLUICE_WORKER_DEPLOY_BUCKETS needs "
                     "SLUICE_WORKER_DEPLOY_KEY_FILE");
        return 2;
    }
    if (aws_keyfile_read(cfg->deploy_key_file, id, idlen, secret, secretlen, err, sizeof err) !=
        0) {
        SLUICE_ERROR("configuration: SLUICE_WORKER_DEPLOY_KEY_FILE: %s", err);
        return 2;
    }
    return 0;
}

/* The configuration loader sluice_service_start calls. */
static int load_config(void *cfg, char *err, size_t errlen)
{
    return wk_config_load(cfg, err, errlen);
}

int main(int argc, char **argv)
{
    int status = 1;
    char err[1024];
    static wk_config cfg;
    static wk_service svc; /* the one state struct: not on the stack */
    bool svc_started = false;
    aws_jobcred_keys *job_keys = NULL;
    model_registry *registry = NULL;
    json_t *projects = NULL;
    json_t *deploy_targets = NULL;
    json_t *functions = NULL;
    json_t *deploy_buckets = NULL;
    static char deploy_key_id[256];
    static char deploy_secret[512];
    json_t *secrets = NULL;
    wk_user run_as;
    memset(&run_as, 0, sizeof run_as);
    bus_producer *producer = NULL;
    bus_consumer *consumer = NULL;
    http_server *server = NULL;
    bus_topics topics;
    bus_sign_keys *bus_keys = NULL;
    static bus_security security;
    static state_auth redis_auth;
    bus_security_init(&security);

    sluice_service_spec spec = {.program = "sluice-worker",
                                .name = "worker",
                                .vars = wk_config_vars,
                                .nvars = wk_config_nvars,
                                .load = load_config,
                                .cfg = &cfg,
                                .log_level_offset = offsetof(wk_config, log_level)};
    int start_status = sluice_service_start(argc, argv, &spec);
    if (start_status >= 0) {
        return start_status;
    }
    if (bus_sign_keys_load_config(cfg.bus_key_file, &bus_keys, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
        return 2;
    }
    SLUICE_INFO("results signed with key '%s' of %s (%zu keys verify jobs)",
                bus_sign_keys_signing_id(bus_keys), cfg.bus_key_file,
                bus_sign_keys_count(bus_keys));
    int64_t started = sluice_time_monotonic_ms();
    status = 2; /* a configuration problem, until the loop starts */
    if (bus_security_resolve(&cfg.kafka_security, &security, err, sizeof err) != SLUICE_OK ||
        state_auth_resolve(&cfg.redis_auth, &redis_auth, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
        goto out;
    }
    memset(&cfg.redis_auth, 0, sizeof cfg.redis_auth);
    job_keys = aws_jobcred_keys_load(cfg.job_keys_file, err, sizeof err);
    if (job_keys == NULL) {
        SLUICE_ERROR("configuration: SLUICE_JOB_CREDENTIAL_KEYS_FILE %s: %s", cfg.job_keys_file,
                     err);
        goto out;
    }
    if (model_registry_new_from_list(cfg.external_providers, &registry, err, sizeof err) !=
        SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_EXTERNAL_PROVIDERS: %s", err);
        goto out;
    }
    if (cfg.projects_file[0] != '\0') {
        json_error_t jerr;
        projects = json_load_file(cfg.projects_file, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(projects)) {
            SLUICE_ERROR("configuration: SLUICE_WORKER_PROJECTS_FILE %s: %s (line %d)",
                         cfg.projects_file, projects == NULL ? jerr.text : "not a JSON object",
                         jerr.line);
            goto out;
        }
    }
    if (wk_deploy_targets_parse(cfg.deploy_dirs, &deploy_targets, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_WORKER_DEPLOY_DIRS: %s", err);
        goto out;
    }
    if (wk_deploy_buckets_parse(cfg.deploy_buckets, deploy_targets, &deploy_buckets, err,
                                sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: SLUICE_WORKER_DEPLOY_BUCKETS: %s", err);
        goto out;
    }
    if (json_object_size(deploy_buckets) > 0 &&
        load_deploy_key(&cfg, deploy_key_id, sizeof deploy_key_id, deploy_secret,
                        sizeof deploy_secret) != 0) {
        goto out;
    }
    if (cfg.functions_file[0] != '\0') {
        sluice_buf text;
        sluice_buf_init(&text, WK_LAMBDA_FILE_MAX_BYTES);
        int frc = sluice_fs_read_file(cfg.functions_file, &text);
        if (frc == 0) {
            frc = wk_lambda_functions_parse(text.data != NULL ? text.data : "", text.len,
                                            &functions, err, sizeof err);
        } else {
            snprintf(err, sizeof err, "cannot be read (%s)", sluice_strerror(frc));
        }
        sluice_buf_free(&text);
        if (frc != 0) {
            SLUICE_ERROR("configuration: SLUICE_WORKER_FUNCTIONS_FILE %s: %s", cfg.functions_file,
                         err);
            goto out;
        }
    }
    if (load_secrets(&cfg, &secrets) != 0) {
        goto out;
    }
    if (mkdir(cfg.workspace_root, 0700) != 0 && errno != EEXIST) {
        SLUICE_ERROR("configuration: SLUICE_WORKER_WORKSPACES %s: %s", cfg.workspace_root,
                     strerror(errno));
        goto out;
    }
    if (wk_user_resolve(cfg.run_as, cfg.workspace_root, &run_as, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("configuration: %s", err);
        goto out;
    }
    if (!run_as.switch_to && geteuid() == 0) {
        SLUICE_WARN("the commands run as root: set SLUICE_WORKER_RUN_AS to an unprivileged user");
    }
    status = 1; /* from here on, a failure of Kafka, Redis or the system */

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
    wk_bus_configs bus;
    wk_bus_configs_build(&cfg, &topics, &security, bus_keys, &bus);
    if (bus_producer_new(&bus.producer, &producer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka producer: %s", err);
        goto out;
    }
    if (wk_service_start(&svc, &cfg, &redis_auth, producer, job_keys, registry, err, sizeof err) !=
        SLUICE_OK) {
        svc_started = true; /* half-made: released below */
        SLUICE_ERROR("worker: %s", err);
        goto out;
    }
    svc_started = true;
    svc.projects = projects;
    svc.deploy_targets = deploy_targets;
    svc.functions = functions;
    svc.deploy_buckets = deploy_buckets;
    svc.deploy_cred =
        (aws_s3_cred){.access_key_id = deploy_key_id, .secret_access_key = deploy_secret};
    svc.secrets = secrets;
    svc.run_as = run_as;
    if (bus_consumer_new(&bus.consumer, &consumer, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("kafka consumer: %s", err);
        goto out;
    }

    http_server_config hcfg;
    http_server_config_defaults(&hcfg);
    hcfg.bind_address = cfg.bind;
    hcfg.port = (uint16_t)cfg.port;
    hcfg.threads = 1;
    hcfg.metrics = svc.metrics.registry;
    server = http_server_new(&hcfg, err, sizeof err);
    if (server == NULL ||
        http_server_route_health(server, wk_service_health, &svc, svc.metrics.registry) != 0 ||
        http_server_start(server, err, sizeof err) != SLUICE_OK) {
        SLUICE_ERROR("health endpoint on %s:%d: %s", cfg.bind, (int)cfg.port, err);
        goto out;
    }
    SLUICE_INFO("worker ready in %lld ms: jobs from %s, %lld slots, health on http://%s:%u",
                (long long)(sluice_time_monotonic_ms() - started), bus.topics[0],
                (long long)cfg.slots, cfg.bind, (unsigned)http_server_port(server));

    status = 0;
    while (!sluice_signal_stop_requested()) {
        int rc = bus_consumer_run_once(consumer, wk_service_intake, &svc, LOOP_POLL_MS);
        if (rc < 0) {
            SLUICE_ERROR("kafka consumer failed: %s", sluice_strerror(rc));
            status = 1;
            break;
        }
        bus_consumer_stats bus_stats;
        bus_consumer_get_stats(consumer, &bus_stats);
        wk_service_count_refused(&svc, &bus_stats);
        atomic_store(&svc.loop_ms, sluice_time_monotonic_ms());
    }
    SLUICE_INFO("worker stopping");
out:
    if (server != NULL) {
        http_server_stop(server);
        http_server_free(server);
    }
    if (consumer != NULL) {
        bus_consumer_close(consumer);
        bus_consumer_free(consumer);
    }
    if (svc_started) {
        wk_service_free(&svc);
    }
    if (producer != NULL) {
        if (bus_producer_flush(producer, BUS_PRODUCER_CLOSE_TIMEOUT_MS) != SLUICE_OK) {
            SLUICE_WARN("some results were not confirmed before exit");
        }
        bus_producer_free(producer);
    }
    model_registry_free(registry);
    json_decref(projects);
    json_decref(deploy_targets);
    json_decref(functions);
    json_decref(deploy_buckets);
    explicit_bzero(deploy_secret, sizeof deploy_secret);
    json_decref(secrets);
    aws_jobcred_keys_free(job_keys);
    bus_sign_keys_free(bus_keys);
    bus_security_wipe(&security);
    state_auth_wipe(&redis_auth);
    return status;
}
