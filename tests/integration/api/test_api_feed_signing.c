/*
 * The api's jobs consumer (api_feed.c) verifies sluice.jobs against the
 * fixture's real Kafka and Redis: a job message signed with the bus key is
 * recorded in the job store; the same kind of message unsigned, or signed
 * with a key the api's key set does not hold, is dead-lettered with the
 * reason and never recorded (PollForJobs could never offer it), and the
 * refusals are exported as sluice_api_bus_refused_total{reason}.
 */
#include "api_feed.h"
#include "api_redis.h"

#include "sluice/bus_admin.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_sign.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/http_metrics.h"
#include "sluice/id.h"
#include "sluice/model_registry.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"
#include "sluice_test.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_MS 30000
#define HEX_X   "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

static bus_topics topics;
static char prefix[96];
static api_redis *redis;
static api_env env;

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bus_producer *producer_with(const bus_sign_keys *signer)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    cfg.signer = signer;
    bus_producer *p = NULL;
    char err[512];
    if (bus_producer_new(&cfg, &p, err, sizeof err) != 0) {
        fprintf(stderr, "producer: %s\n", err);
        exit(1);
    }
    return p;
}

/* Publishes a job document for a fresh job id of pipeline through p; the id in job_id. */
static void publish_job(bus_producer *p, const char *pipeline, char job_id[SLUICE_UUID_LEN + 1])
{
    sluice_uuid_v4(job_id);
    char execution[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4(execution);
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "jobId", job_id, "pipeline", pipeline,
                  "pipelineExecutionId", execution, "actionTypeId", "category", "Build", "owner",
                  "AWS", "provider", "CodeBuild", "version", "1");
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, "us-east-1", "123456789012", pipeline);
    const char *resources[1] = {arn};
    char id[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4(id);
    bus_envelope_spec spec = {.id = id,
                              .detail_type = PROTOCOL_DETAIL_JOB,
                              .source = "sluice.test",
                              .account = "123456789012",
                              .region = "us-east-1",
                              .time_ms = sluice_time_now_ms(),
                              .resources = resources,
                              .nresources = 1,
                              .detail = detail};
    bus_envelope *e = NULL;
    char err[256];
    sluice_buf text;
    sluice_buf_init(&text, 1 << 20);
    if (bus_envelope_new(&spec, &e, err, sizeof err) != 0 || bus_envelope_encode(e, &text) != 0 ||
        bus_producer_send_sync(p, bus_topics_get(&topics, BUS_TOPICS_JOBS), execution,
                               strlen(execution), text.data, text.len, 10000) != 0) {
        fprintf(stderr, "publishing a job failed\n");
        exit(1);
    }
    bus_envelope_free(e);
    json_decref(detail);
    sluice_buf_free(&text);
}

/* Waits up to ms for job_id in the job store; true when it is there. */
static bool job_recorded(const char *job_id, int ms)
{
    api_backend *b = env.backend;
    int64_t deadline = sluice_time_monotonic_ms() + ms;
    do {
        api_backend_job job = {0};
        char err[256];
        int rc = b->ops->job_load(b, job_id, &job, err, sizeof err);
        json_decref(job.record);
        if (rc == 0) {
            return true;
        }
        sleep_ms(100);
    } while (sluice_time_monotonic_ms() < deadline);
    return false;
}

/* The value of series (a full "name{labels}" prefix) in the rendered metrics, or -1. */
static double metric(http_metrics *m, const char *series)
{
    sluice_buf out;
    sluice_buf_init(&out, 1 << 20);
    double value = -1;
    if (http_metrics_render(m, &out) == 0) {
        const char *at = strstr(sluice_buf_cstr(&out), series);
        if (at != NULL) {
            value = strtod(at + strlen(series), NULL);
        }
    }
    sluice_buf_free(&out);
    return value;
}

static void test_feed_verifies_jobs(void)
{
    const bus_sign_keys *keys = testenv_bus_keys();
    bus_sign_keys *stranger = NULL;
    char err[512];
    REQUIRE(bus_sign_keys_parse("stranger " HEX_X "\n", strlen("stranger " HEX_X "\n"), &stranger,
                                err, sizeof err) == 0);
    http_metrics *metrics = http_metrics_new();
    REQUIRE(metrics != NULL);
    char group[96];
    testenv_unique_name("feed", group, sizeof group);
    api_feed_config fcfg = {.env = &env,
                            .brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS"),
                            .topic_prefix = prefix,
                            .group_id = group,
                            .verifier = keys,
                            .metrics = metrics};
    api_feed *feed = NULL;
    REQUIRE(api_feed_start(&fcfg, &feed, err, sizeof err) == 0);

    bus_producer *good = producer_with(keys);
    bus_producer *bare = producer_with(NULL);
    bus_producer *other = producer_with(stranger);
    char signed_job[SLUICE_UUID_LEN + 1];
    char unsigned_job[SLUICE_UUID_LEN + 1];
    char foreign_job[SLUICE_UUID_LEN + 1];
    publish_job(bare, "feed-pipe", unsigned_job);
    publish_job(other, "feed-pipe", foreign_job);
    publish_job(good, "feed-pipe", signed_job);
    /* One partition: the signed job comes last, so once it is recorded the others were judged. */
    CHECK(job_recorded(signed_job, WAIT_MS));
    CHECK(!job_recorded(unsigned_job, 0));
    CHECK(!job_recorded(foreign_job, 0));
    int64_t deadline = sluice_time_monotonic_ms() + 5000;
    while ((metric(metrics, "sluice_api_bus_refused_total{reason=\"unsigned\"}") < 1 ||
            metric(metrics, "sluice_api_bus_refused_total{reason=\"unknown_key\"}") < 1) &&
           sluice_time_monotonic_ms() < deadline) {
        sleep_ms(100);
    }
    CHECK(metric(metrics, "sluice_api_bus_refused_total{reason=\"unsigned\"}") == 1);
    CHECK(metric(metrics, "sluice_api_bus_refused_total{reason=\"unknown_key\"}") == 1);
    CHECK(metric(metrics, "sluice_api_bus_refused_total{reason=\"bad_signature\"}") <= 0);

    api_feed_stop(feed);
    bus_producer_free(good);
    bus_producer_free(bare);
    bus_producer_free(other);
    bus_sign_keys_free(stranger);
    http_metrics_free(metrics);
}

int main(void)
{
    char err[512];
    char unique[64];
    testenv_unique_name("apifeed", unique, sizeof unique);
    snprintf(prefix, sizeof prefix, "%s.", unique);
    bus_topics_init(&topics, prefix, err, sizeof err);
    const char *brokers = testenv_require("SLUICE_TEST_KAFKA_BROKERS");
    const char *names[BUS_TOPICS_COUNT];
    for (int i = 0; i < BUS_TOPICS_COUNT; i++) {
        names[i] = bus_topics_get(&topics, (bus_topics_kind)i);
    }
    if (bus_admin_create_topics(brokers, names, BUS_TOPICS_COUNT, 1, 1, 30000, err, sizeof err) !=
        0) {
        fprintf(stderr, "topics: %s\n", err);
        return 1;
    }
    api_redis_config cfg = {
        .redis_host = testenv_require("SLUICE_TEST_REDIS_HOST"),
        .redis_port = (int)strtol(testenv_require("SLUICE_TEST_REDIS_PORT"), NULL, 10),
        .brokers = brokers,
        .topic_prefix = prefix,
        .account = "123456789012",
        .region = "us-east-1",
        .signer = testenv_bus_keys(),
    };
    if (api_redis_new(&cfg, &redis, err, sizeof err) != 0) {
        fprintf(stderr, "api_redis_new: %s\n", err);
        return 1;
    }
    model_registry *registry = NULL;
    if (model_registry_new_from_list("", &registry, err, sizeof err) != 0) {
        fprintf(stderr, "registry: %s\n", err);
        return 1;
    }
    env = (api_env){
        .backend = api_redis_backend(redis),
        .registry = registry,
        .account = "123456789012",
        .region = "us-east-1",
        .reply_timeout_ms = 5000,
        .clock_ms = sluice_time_now_ms,
        .max_pipelines = 100,
    };
    RUN_TEST(test_feed_verifies_jobs);
    api_redis_free(redis);
    model_registry_free(registry);
    return sluice_test_report();
}
