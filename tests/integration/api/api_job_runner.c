/*
 * api_job_runner — the scripted job runner of the api's integration tests.
 *
 * Stands in for Sluice's source service and workers: it consumes the jobs
 * topic (its own consumer group) and answers each job of Sluice's own
 * providers with a JobResult request on the requests topic (key = pipeline,
 * detail-type "Sluice Job Result", detail as engine_input.h describes), the
 * way a worker would. Jobs of Custom providers are left to external workers
 * (PollForJobs through the api), Manual approvals to PutApprovalResult.
 *
 *   api_job_runner BROKERS TOPIC_PREFIX GROUP [ACTION=BEHAVIOUR ...]
 *
 * BEHAVIOUR for the action named ACTION (default: succeed):
 *   succeed     success, with output variables ETag / Run and a current revision
 *   fail        failure (JobFailed)
 *   fail-once   failure the first time the action runs, success afterwards
 *   fail-run-N  failure the Nth time the action runs (N from 1), success otherwise
 *   hold        never answered (the action stays InProgress); prints "held PIPELINE
 *               ACTION JOB_ID"
 *   skip        left alone, like Custom jobs (a provider served by external workers)
 * Signs its requests and verifies the jobs it consumes with the bus key file
 * named by SLUICE_BUS_KEY_FILE (required), as Sluice's services do.
 * Runs until SIGTERM / SIGINT. Prints "runner ready" on stdout once the
 * consumer has joined its group, and one line per job it answered.
 */
#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/config.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"
#include "sluice/protocol_arn.h"
#include "sluice/signal.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNNER_MAX_RULES 32

typedef struct runner_rule {
    const char *action;
    const char *behaviour;
    int runs;
} runner_rule;

typedef struct runner {
    bus_producer *producer;
    bus_topics topics;
    runner_rule rules[RUNNER_MAX_RULES];
    size_t nrules;
    unsigned answered;
} runner;

static runner_rule *runner_find(runner *r, const char *action)
{
    for (size_t i = 0; i < r->nrules; i++) {
        if (strcmp(r->rules[i].action, action) == 0) {
            return &r->rules[i];
        }
    }
    return NULL;
}

static int runner_send(runner *r, const char *pipeline, json_t *detail)
{
    char id[SLUICE_UUID_LEN + 1];
    char arn[PROTOCOL_ARN_MAX];
    sluice_uuid_v4(id);
    (void)protocol_arn_pipeline(arn, sizeof arn, "us-east-1", "123456789012", pipeline);
    const char *resources[] = {arn};
    bus_envelope_spec spec = {.id = id,
                              .detail_type = PROTOCOL_DETAIL_JOB_RESULT,
                              .source = PROTOCOL_SOURCE_WORKER,
                              .account = "123456789012",
                              .region = "us-east-1",
                              .time_ms = sluice_time_now_ms(),
                              .resources = resources,
                              .nresources = 1,
                              .detail = detail};
    bus_envelope *env = NULL;
    char reason[256];
    if (bus_envelope_new(&spec, &env, reason, sizeof reason) != 0) {
        fprintf(stderr, "runner: envelope: %s\n", reason);
        return -1;
    }
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = bus_envelope_encode(env, &payload);
    bus_envelope_free(env);
    if (rc == 0) {
        rc = bus_producer_send_sync(r->producer, bus_topics_get(&r->topics, BUS_TOPICS_REQUESTS),
                                    pipeline, strlen(pipeline), payload.data, payload.len, 10000);
    }
    sluice_buf_free(&payload);
    return rc;
}

static bus_consumer_verdict runner_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                          size_t reasonlen)
{
    runner *r = ctx;
    (void)reason;
    (void)reasonlen;
    const bus_envelope *env = msg->envelope;
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_JOB) != 0) {
        return BUS_CONSUMER_DONE;
    }
    const json_t *job = env->detail;
    const json_t *type = json_object_get(job, "actionTypeId");
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *pipeline = json_string_value(json_object_get(job, "pipeline"));
    const char *action = json_string_value(json_object_get(job, "action"));
    const char *job_id = json_string_value(json_object_get(job, "jobId"));
    if (owner == NULL || category == NULL || pipeline == NULL || action == NULL || job_id == NULL ||
        strcmp(owner, "Custom") == 0 || strcmp(category, "Approval") == 0) {
        return BUS_CONSUMER_DONE;
    }
    runner_rule *rule = runner_find(r, action);
    const char *behaviour = rule != NULL ? rule->behaviour : "succeed";
    int run = rule != NULL ? ++rule->runs : 1;
    if (strcmp(behaviour, "skip") == 0) {
        return BUS_CONSUMER_DONE;
    }
    if (strcmp(behaviour, "hold") == 0) {
        printf("held %s %s %s\n", pipeline, action, job_id);
        fflush(stdout);
        return BUS_CONSUMER_DONE;
    }
    bool fail = strcmp(behaviour, "fail") == 0 || (strcmp(behaviour, "fail-once") == 0 && run == 1);
    if (strncmp(behaviour, "fail-run-", 9) == 0) {
        fail = strtol(behaviour + 9, NULL, 10) == run;
    }
    json_t *detail = NULL;
    if (fail) {
        detail = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT,
                           "jobId", job_id, "outcome", "Failed", "failureDetails", "type",
                           "JobFailed", "message", "scripted failure");
    } else {
        char etag[32];
        char run_text[16];
        snprintf(etag, sizeof etag, "etag-%u", r->answered + 1);
        snprintf(run_text, sizeof run_text, "%d", run);
        json_t *outputs = json_array();
        size_t i;
        json_t *artifact;
        json_array_foreach(json_object_get(job, "outputArtifacts"), i, artifact)
        {
            char key[256];
            snprintf(key, sizeof key, "%s/%s/%s", pipeline,
                     json_string_value(json_object_get(artifact, "name")), job_id);
            json_array_append_new(outputs, json_pack("{s:O, s:s, s:s}", "name",
                                                     json_object_get(artifact, "name"), "bucket",
                                                     "runner-bucket", "key", key));
        }
        detail = json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:o}", "type",
                           PROTOCOL_REQUEST_JOB_RESULT, "jobId", job_id, "outcome", "Succeeded",
                           "executionDetails", "summary", "scripted success", "outputVariables",
                           "ETag", etag, "Run", run_text, "outputArtifacts", outputs);
        if (strcmp(category, "Source") == 0) {
            json_object_set_new(
                detail, "currentRevision",
                json_pack("{s:s, s:s}", "revision", etag, "changeIdentifier", etag));
        }
    }
    json_object_set_new(detail, "pipeline", json_string(pipeline));
    json_object_set_new(detail, "requestedBy",
                        json_string("arn:aws:iam::123456789012:user/runner"));
    int rc = runner_send(r, pipeline, detail);
    json_decref(detail);
    if (rc != 0) {
        return BUS_CONSUMER_RETRY;
    }
    r->answered++;
    printf("%s %s %s\n", fail ? "failed" : "succeeded", pipeline, action);
    fflush(stdout);
    return BUS_CONSUMER_DONE;
}

/* The Kafka security settings from SLUICE_KAFKA_* (as every service reads them). */
typedef struct runner_config {
    bus_security_config kafka_security;
} runner_config;

static const sluice_config_var runner_config_vars[] = {
    BUS_SECURITY_CONFIG_VARS(runner_config, kafka_security),
};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr,
                "usage: api_job_runner BROKERS TOPIC_PREFIX GROUP [ACTION=BEHAVIOUR ...]\n");
        return 2;
    }
    static runner r;
    char err[512];
    sluice_signal_install();
    for (int i = 4; i < argc && r.nrules < RUNNER_MAX_RULES; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL) {
            fprintf(stderr, "runner: rule %s is not ACTION=BEHAVIOUR\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        r.rules[r.nrules++] = (runner_rule){argv[i], eq + 1, 0};
    }
    if (bus_topics_init(&r.topics, argv[2], err, sizeof err) != 0) {
        fprintf(stderr, "runner: %s\n", err);
        return 2;
    }
    static runner_config rcfg;
    static bus_security security;
    if (sluice_config_load_env(runner_config_vars,
                               sizeof runner_config_vars / sizeof runner_config_vars[0], &rcfg, err,
                               sizeof err) != 0 ||
        bus_security_resolve(&rcfg.kafka_security, &security, err, sizeof err) != 0) {
        fprintf(stderr, "runner: configuration: %s\n", err);
        return 2;
    }
    bus_sign_keys *keys = NULL;
    const char *key_file = getenv("SLUICE_BUS_KEY_FILE");
    if (key_file == NULL || bus_sign_keys_load(key_file, &keys, err, sizeof err) != 0) {
        fprintf(stderr, "runner: SLUICE_BUS_KEY_FILE: %s\n", key_file == NULL ? "not set" : err);
        return 2;
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = argv[1];
    pcfg.client_id = "sluice-test-runner";
    pcfg.security = &security;
    pcfg.signer = keys;
    if (bus_producer_new(&pcfg, &r.producer, err, sizeof err) != 0) {
        fprintf(stderr, "runner: %s\n", err);
        return 1;
    }
    const char *topics[] = {bus_topics_get(&r.topics, BUS_TOPICS_JOBS)};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = argv[1];
    ccfg.group_id = argv[3];
    ccfg.topics = topics;
    ccfg.ntopics = 1;
    ccfg.deadletter_topic = bus_topics_get(&r.topics, BUS_TOPICS_DEADLETTER);
    ccfg.deadletter_producer = r.producer;
    ccfg.security = &security;
    ccfg.verifier = keys;
    bus_consumer *consumer = NULL;
    if (bus_consumer_new(&ccfg, &consumer, err, sizeof err) != 0) {
        fprintf(stderr, "runner: %s\n", err);
        bus_producer_free(r.producer);
        return 1;
    }
    bool announced = false;
    int rc = 0;
    while (!sluice_signal_stop_requested()) {
        rc = bus_consumer_run_once(consumer, runner_handle, &r, 100);
        if (rc < 0) {
            fprintf(stderr, "runner: consumer failed: %s\n", sluice_strerror(rc));
            break;
        }
        bus_consumer_stats stats;
        bus_consumer_get_stats(consumer, &stats);
        if (!announced && stats.rebalances > 0) {
            printf("runner ready\n");
            fflush(stdout);
            announced = true;
        }
        bus_producer_poll(r.producer, 0);
    }
    bus_consumer_free(consumer);
    bus_producer_free(r.producer);
    bus_sign_keys_free(keys);
    return rc < 0 ? 1 : 0;
}
